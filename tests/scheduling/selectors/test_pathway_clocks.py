"""Pathway clocks read in the database (scheduling.selectors.pathway): known answers on cases
whose referral, discussion, decision and first treatment are set, the list sorted by what
breaches first, and the query count pinned whatever the number of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cases.domain.codes import CaseStatus
from cases.models import Case, CaseStatusChange, TreatmentPlan
from core.access import principal_for_user
from scheduling import services
from scheduling.domain.pathway import ClockState
from scheduling.models import Booking
from scheduling.selectors import pathway as clocks
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import BookingFactory, plan_with
from tests.support.queries import assert_num_queries

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _targets(db):
    services.clock_targets_seed()


def referred(days_ago: float, **fields) -> Case:
    case = CaseFactory(**fields)
    Case.objects.filter(pk=case.pk).update(submitted_at=NOW - timedelta(days=days_ago))
    case.refresh_from_db()
    return case


def discussed(case: Case, days_ago: float) -> None:
    CaseStatusChange.objects.create(case=case, from_status="listed", to_status="discussed")
    CaseStatusChange.objects.filter(case=case).update(at=NOW - timedelta(days=days_ago))
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.DISCUSSED)


def decided(case: Case, days_ago: float, *, treated_days_ago: float | None = None):
    plan, (proc,) = plan_with("radiotherapy", case=case)
    TreatmentPlan.objects.filter(pk=plan.pk).update(created_at=NOW - timedelta(days=days_ago))
    if treated_days_ago is not None:
        start = NOW - timedelta(days=treated_days_ago)
        BookingFactory(procedure=proc, start=start, end=start + timedelta(minutes=30))
    return plan


def _by_code(row, targets):
    return {r.code: r for r in clocks.readings(row, targets=targets, now=NOW)}


def test_each_clock_has_its_start_due_stop_and_state():
    case = referred(40)
    discussed(case, 20)          # referral → MDT in 20 days: met
    decided(case, 20, treated_days_ago=1)  # decision → treatment in 19 days; referral → 39
    targets = clocks.clock_targets()
    row = clocks.with_clocks(Case.objects.filter(pk=case.pk), targets=targets, now=NOW).get()
    got = _by_code(row, targets)
    mdt = got["referral-to-mdt"]
    assert (mdt.state, mdt.started_at, mdt.due_at, mdt.stopped_at) == (
        ClockState.MET, NOW - timedelta(days=40), NOW - timedelta(days=12),
        NOW - timedelta(days=20))
    assert got["decision-to-treatment"].state == ClockState.MET
    assert got["decision-to-treatment"].time_left == timedelta(days=12)
    assert got["referral-to-treatment"].state == ClockState.MET
    assert clocks.next_due(row) is None


def test_a_running_clock_shows_time_left_and_a_late_one_is_breached():
    waiting = referred(25)                      # MDT due in 3 days (lead 5: due soon)
    late = referred(30)                         # MDT breached 2 days ago
    targets = clocks.clock_targets()
    rows = {r.pk: r for r in clocks.with_clocks(Case.objects.all(), targets=targets, now=NOW)}
    soon = _by_code(rows[waiting.pk], targets)["referral-to-mdt"]
    assert (soon.state, soon.time_left) == (ClockState.DUE_SOON, timedelta(days=3))
    breached = _by_code(rows[late.pk], targets)["referral-to-mdt"]
    assert breached.state == ClockState.BREACHED
    assert breached.time_left == timedelta(days=-2)
    assert clocks.next_due(rows[late.pk]) == NOW - timedelta(days=2)
    # No plan yet: the decision clock has not started; the 62-day one runs from the referral.
    assert _by_code(rows[late.pk], targets)["decision-to-treatment"].state == "not_started"
    assert _by_code(rows[late.pk], targets)["referral-to-treatment"].due_at == (
        NOW + timedelta(days=32))


def test_a_booking_still_ahead_does_not_stop_the_treatment_clock():
    case = referred(50)
    discussed(case, 30)
    decided(case, 30, treated_days_ago=-5)  # booked 5 days from now
    targets = clocks.clock_targets()
    row = clocks.with_clocks(Case.objects.filter(pk=case.pk), targets=targets, now=NOW).get()
    got = _by_code(row, targets)
    assert got["decision-to-treatment"].state == ClockState.DUE_SOON  # due in 1 day
    assert clocks.next_due(row) == NOW + timedelta(days=1)


def test_a_cancelled_booking_is_no_treatment():
    case = referred(50)
    discussed(case, 30)
    plan = decided(case, 30, treated_days_ago=10)
    Booking.objects.filter(plan=plan).update(status="cancelled")
    targets = clocks.clock_targets()
    row = clocks.with_clocks(Case.objects.filter(pk=case.pk), targets=targets, now=NOW).get()
    assert _by_code(row, targets)["decision-to-treatment"].state == ClockState.DUE_SOON


def test_the_breaching_list_is_soonest_first_scoped_and_in_constant_queries(coordinator):
    principal = principal_for_user(coordinator)
    a = referred(27)          # MDT due in 1 day
    b = referred(31)          # MDT breached 3 days ago
    referred(5)               # MDT due in 23 days: outside 7 days
    closed = referred(40)
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    rows, _targets = clocks.clocks_breaching(principal=principal, within=timedelta(days=7),
                                             now=NOW)
    with assert_num_queries(1):
        got = [r.pk for r in rows]
    assert got == [b.pk, a.pk]
    for _ in range(5):
        referred(29)
    with assert_num_queries(1):
        assert len(list(rows.all())) == 7


def test_an_edited_target_moves_the_due_time():
    case = referred(20)
    target = clocks.clock_target_get(code="referral-to-mdt")
    target.target_days = 14
    target.save()
    targets = clocks.clock_targets()
    row = clocks.with_clocks(Case.objects.filter(pk=case.pk), targets=targets, now=NOW).get()
    reading = _by_code(row, targets)["referral-to-mdt"]
    assert (reading.state, reading.due_at) == (ClockState.BREACHED, NOW - timedelta(days=6))


def test_the_mdt_decision_stops_the_mdt_clock_and_starts_the_decision_clock():
    """End to end through boardsvc: the chair's decision moves the case to "discussed" (the
    CWT-28 stop) and is the CWT-31 start, read through BOARDSVC_DECISION_CLOCK_SUBQUERY."""
    import time_machine

    from boardsvc.models import Decision
    from tests.support.documents import board_world, decided_item

    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=False) as clock:
        world = board_world()
        item, _chair, decision = decided_item(world["board"], world["team"], clock)
    decision = Decision.objects.get(pk=decision.pk)
    case = Case.objects.get(pk=item.case_id)
    plan = TreatmentPlan.objects.get(case=case, status="active")
    assert plan.decision_public_id == decision.public_id
    # The plan's own creation is set apart from the decision, so the port is what is read.
    TreatmentPlan.objects.filter(pk=plan.pk).update(
        created_at=decision.recorded_at + timedelta(days=3))
    now = decision.recorded_at + timedelta(days=10)
    targets = clocks.clock_targets()
    row = clocks.with_clocks(Case.objects.filter(pk=case.pk), targets=targets, now=now).get()
    got = {r.code: r for r in clocks.readings(row, targets=targets, now=now)}
    assert got["referral-to-mdt"].stopped_at == decision.recorded_at
    assert got["referral-to-mdt"].state == ClockState.MET
    assert got["decision-to-treatment"].started_at == decision.recorded_at
    assert got["decision-to-treatment"].time_left == timedelta(days=21)
