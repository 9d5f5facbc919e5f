"""The worklist's timing-rule deadlines (issue 13): beside the pathway clocks, each plan shows
its running R9/R10/R11 deadlines and the R1 window (a pre-operative embolization booked, its
surgery not yet: the surgery must start within the site's R1 maximum), with the rule id, the
time left or "missed N h ago", the due time in the zone of the case's board and the rule's
rationale as a tooltip. Plans with a rule deadline due within 48 h (or missed) come first; the
page's queries do not grow with its plans."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, PlannedProcedure, TreatmentPlan
from scheduling import services
from scheduling.models import TimingRule
from tests.factories.boardsvc import BoardFactory
from tests.factories.scheduling import BookingFactory, plan_with
from tests.support.web import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _targets(db):
    services.clock_targets_seed()


def _referred(plan: TreatmentPlan, days_ago: float) -> None:
    Case.objects.filter(pk=plan.case_id).update(
        submitted_at=timezone.now() - timedelta(days=days_ago, hours=1))


def mscc_rt_plan(*, decided_hours_ago: float, referred_days_ago: float = 2) -> TreatmentPlan:
    """An MSCC case (emergency referral) with radiotherapy and no surgery: R10 runs from the
    plan's decision (no MDT decision recorded: its creation)."""
    plan, _ = plan_with("radiotherapy")
    Case.objects.filter(pk=plan.case_id).update(urgency="emergency")
    TreatmentPlan.objects.filter(pk=plan.pk).update(
        created_at=timezone.now() - timedelta(hours=decided_hours_ago))
    _referred(plan, referred_days_ago)
    return plan


def embolized_plan(*, ended_hours_ago: float, referred_days_ago: float = 2) -> TreatmentPlan:
    """A pre-operative embolization booked (ended ``ended_hours_ago``), its surgery not."""
    plan, (embo, surgery) = plan_with(
        {"procedure_type": "embolization", "purpose": "pre_operative"}, "surgery")
    PlannedProcedure.objects.filter(pk=embo.pk).update(prepares=surgery)
    end = timezone.now() - timedelta(hours=ended_hours_ago)
    BookingFactory(procedure=embo, start=end - timedelta(hours=2), end=end)
    _referred(plan, referred_days_ago)
    return plan


def routine_plan(referred_days_ago: float) -> TreatmentPlan:
    plan, _ = plan_with("radiotherapy")
    _referred(plan, referred_days_ago)
    return plan


def _row(body: str, plan: TreatmentPlan) -> str:
    start = body.index(f'id="case-{plan.case.public_id}"')
    return body[start:body.index("</tr>", start)]


def test_a_missed_r10_deadline_reads_missed_with_its_rationale(coordinator):
    plan = mscc_rt_plan(decided_hours_ago=30)
    body = login(coordinator).get("/worklist/").content.decode()
    row = _row(body, plan)
    assert 'data-rule="R10"' in row
    assert "missed 6 h ago" in row
    rationale = TimingRule.objects.get(code="R10-mscc-rt").rationale
    assert f'title="{rationale}' in row


def test_a_running_r10_deadline_shows_the_hours_left(coordinator):
    plan = mscc_rt_plan(decided_hours_ago=4)
    row = _row(login(coordinator).get("/worklist/").content.decode(), plan)
    assert re.search(r'data-rule="R10">.*?(19|20) h left', row)


def test_a_booked_radiotherapy_stops_r10(coordinator):
    plan = mscc_rt_plan(decided_hours_ago=30)
    rt = plan.procedures.get()
    other, _ = plan_with("radiotherapy")  # a second procedure, unbooked, keeps the plan listed
    PlannedProcedure.objects.filter(pk=other.procedures.get().pk).update(plan=plan, sequence=2)
    BookingFactory(procedure=rt, start=timezone.now() + timedelta(hours=2))
    row = _row(login(coordinator).get("/worklist/").content.decode(), plan)
    assert 'data-rule="R10"' not in row


def test_the_r1_window_runs_from_the_embolization_with_the_sites_maximum(coordinator):
    plan = embolized_plan(ended_hours_ago=10)
    client = login(coordinator)
    row = _row(client.get("/worklist/").content.decode(), plan)
    assert re.search(r'data-rule="R1">.*?(61|62) h left', row)   # 72 h - 10 h
    # The lag is the site's TimingRule row, not a constant: a site that caps R1 at 48 h sees it.
    TimingRule.objects.filter(code="R1-window-hard").update(max_lag_minutes=48 * 60)
    row = _row(client.get("/worklist/").content.decode(), plan)
    assert re.search(r'data-rule="R1">.*?(37|38) h left', row)
    TimingRule.objects.filter(code="R1-window-hard").update(max_lag_minutes=8 * 60)
    row = _row(client.get("/worklist/").content.decode(), plan)
    assert "missed 2 h ago" in row


def test_the_r1_window_stops_once_the_surgery_is_booked(coordinator):
    plan = embolized_plan(ended_hours_ago=10)
    surgery = plan.procedures.get(procedure_type="surgery")
    extra, _ = plan_with("radiotherapy")
    PlannedProcedure.objects.filter(pk=extra.procedures.get().pk).update(plan=plan, sequence=3)
    BookingFactory(procedure=surgery, start=timezone.now() + timedelta(hours=5))
    row = _row(login(coordinator).get("/worklist/").content.decode(), plan)
    assert 'data-rule="R1"' not in row


def test_plans_with_a_rule_deadline_within_48_h_come_first(coordinator):
    breached = routine_plan(30)                      # CWT-28 breached, no rule deadline
    r1_late = embolized_plan(ended_hours_ago=1, referred_days_ago=1)   # R1 due in 71 h
    r10 = mscc_rt_plan(decided_hours_ago=30, referred_days_ago=1)      # R10 missed
    r1_soon = embolized_plan(ended_hours_ago=40, referred_days_ago=1)  # R1 due in 32 h
    body = login(coordinator).get("/worklist/").content.decode()
    order = [body.index(f'id="case-{p.case.public_id}"') for p in (r10, r1_soon, breached,
                                                                    r1_late)]
    assert order == sorted(order)


def test_due_times_are_in_the_zone_of_the_cases_board(coordinator):
    BoardFactory(slug="ny-board", timezone="America/New_York")
    plan = mscc_rt_plan(decided_hours_ago=4)
    Case.objects.filter(pk=plan.case_id).update(requested_board="ny-board")
    rome = routine_plan(3)
    Case.objects.filter(pk=rome.case_id).update(requested_board="")
    body = login(coordinator).get("/worklist/").content.decode()
    assert "America/New_York" in _row(body, plan)
    assert "America/New_York" not in _row(body, rome)
    assert "Europe/Rome" in _row(body, rome)
    decided = TreatmentPlan.objects.get(pk=plan.pk).created_at
    local = timezone.localtime(decided + timedelta(hours=24), ZoneInfo("America/New_York"))
    assert f"due {local:%a %d %b %Y %H:%M} America/New_York" in _row(body, plan)


def test_the_page_costs_the_same_queries_with_1_and_5_plans(coordinator, django_assert_num_queries):
    client = login(coordinator)
    mscc_rt_plan(decided_hours_ago=30)
    client.get("/worklist/")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/worklist/").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    embolized_plan(ended_hours_ago=10)
    embolized_plan(ended_hours_ago=50)
    mscc_rt_plan(decided_hours_ago=4)
    routine_plan(27)
    five = count()
    assert five == one
    with django_assert_num_queries(one):
        client.get("/worklist/")
