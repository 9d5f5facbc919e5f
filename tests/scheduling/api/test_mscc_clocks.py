"""The MSCC clocks where people book (issue 11 item 5): R10 (RT ≤ 24 h from the decision to
treat, MSCC not for surgery), R9 (whole-spine MRI ≤ 24 h from the suspicion) and R11, as a
coordinator meets them through the API and the booking page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from boardsvc.models import Decision
from cases.models import Case
from scheduling.models import Booking, Violation
from tests.factories.boardsvc import AgendaItemFactory, BoardFactory, MeetingFactory
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import at, plan_with
from tests.support.scheduling import BASE
from tests.support.web import login

pytestmark = pytest.mark.django_db
URL = f"{BASE}/bookings/"
# Wednesday 9 January 2030, 08:00 Rome: the MDT decides at this moment in every test.
DECIDED = at(2, 8)


def book(client, procedure, room, start, **extra):
    return client.post(URL, {"procedure": str(procedure.public_id),
                             "resource": str(room.public_id), "start": start.isoformat(),
                             **extra}, format="json")


def decided_plan(*procedures, urgency="emergency", decided_at=DECIDED, **case_fields):
    """A case referred at ``decided_at`` - 6 h (an MSCC emergency by default) whose plan comes
    from an MDT decision recorded at ``decided_at``."""
    with time_machine.travel(decided_at - timedelta(hours=6), tick=False):
        case = CaseFactory(urgency=urgency, **case_fields)
    plan, made = plan_with(*procedures, case=case)
    board = BoardFactory(slug="spine-mscc")
    meeting = MeetingFactory(board=board, starts_at=decided_at - timedelta(minutes=30),
                             kind="adhoc")
    item = AgendaItemFactory(meeting=meeting, case=case, outcome="discussed")
    decision = Decision.objects.create(agenda_item=item, meeting=meeting, case=case,
                                       outcome_text="Urgent radiotherapy, not for surgery.",
                                       recorded_at=decided_at, emergency=True)
    type(plan).objects.filter(pk=plan.pk).update(decision_public_id=decision.public_id)
    plan.refresh_from_db()
    return plan, made


RT5 = {"procedure_type": "radiotherapy", "fractions": 5, "dose_gy": 20}


@time_machine.travel(DECIDED + timedelta(hours=1), tick=False)
def test_rt_booked_five_days_after_the_decision_is_refused_naming_r10(coordinator_client, rooms):
    _plan, (rt,) = decided_plan(RT5)
    response = book(coordinator_client, rt, rooms["linac"], at(7, 9))  # Monday, 5 days later
    assert response.status_code == 409
    body = response.json()
    assert [e["rule"] for e in body["errors"]] == ["R10"]
    [violation] = body["violations"]
    assert violation["severity"] == "hard"
    assert "after the decision to treat" in violation["message"]
    assert Booking.objects.filter(procedure=rt).count() == 0


@time_machine.travel(DECIDED + timedelta(hours=1), tick=False)
def test_rt_within_24_hours_of_the_decision_is_booked(coordinator_client, rooms):
    _plan, (rt,) = decided_plan(RT5)
    response = book(coordinator_client, rt, rooms["linac"], at(3, 8))  # Thursday 08:00: 24 h
    assert response.status_code == 201
    assert response.json()["warnings"] == []


@time_machine.travel(DECIDED + timedelta(days=2), tick=False)
def test_a_missed_deadline_does_not_block_the_treatment_it_is_recorded(coordinator_client,
                                                                        rooms):
    _plan, (rt,) = decided_plan(RT5)
    response = book(coordinator_client, rt, rooms["linac"], at(7, 9))
    assert response.status_code == 201
    [warning] = [w for w in response.json()["warnings"] if w["rule"] == "R10"]
    assert warning["severity"] == "soft"
    assert "already passed" in warning["message"]
    stored = Violation.objects.get(rule_id="R10")
    assert (stored.severity, stored.status) == ("soft", "open")


@pytest.mark.parametrize(
    ("procedures", "urgency", "why"),
    [
        ((RT5,), "routine", "not an MSCC case"),
        ((RT5, "surgery"), "emergency", "MSCC for surgery: R10 does not run"),
    ],
)
@time_machine.travel(DECIDED + timedelta(hours=1), tick=False)
def test_r10_does_not_run_outside_its_pathway(coordinator_client, rooms, procedures, urgency,
                                              why):
    _plan, made = decided_plan(*procedures, urgency=urgency)
    response = book(coordinator_client, made[0], rooms["linac"], at(7, 9))
    assert response.status_code == 201, why
    assert [w["rule"] for w in response.json()["warnings"]] == []


@time_machine.travel(DECIDED + timedelta(hours=1), tick=False)
def test_the_plan_validation_shows_the_r10_deadline_and_narrows_the_window(coordinator_client,
                                                                           rooms):
    plan, (_rt,) = decided_plan(RT5)
    body = coordinator_client.get(f"{BASE}/plans/{plan.public_id}/validation/").json()
    [deadline] = body["deadlines"]
    assert deadline["rule"] == "R10"
    assert deadline["event"] == "decision_to_treat"
    assert deadline["severity"] == "hard"
    assert deadline["missed"] is False
    assert deadline["due"].startswith("2030-01-10T07:00:00")  # Thursday 08:00 Rome, in UTC
    assert "radiotherapy must start by Thu 10 Jan 2030 08:00" in deadline["message"]
    [window] = body["windows"]
    assert "R10-mscc-rt" in window["rules"]
    assert all(w["latest"] <= deadline["due"] for w in window["hard"])
    r10 = [v for v in body["verdicts"] if v["rule"] == "R10"]
    assert [v["status"] for v in r10] == ["pending"]


@time_machine.travel(DECIDED + timedelta(hours=1), tick=False)
def test_r9_whole_spine_mri_within_24_hours_of_the_suspicion(coordinator_client, rooms):
    _plan, (mri,) = decided_plan("mri_whole_spine")  # referred Wednesday 02:00
    late = book(coordinator_client, mri, rooms["mri"], at(3, 9))  # Thursday 09:00: 31 h
    assert late.status_code == 409
    assert [e["rule"] for e in late.json()["errors"]] == ["R9"]
    assert book(coordinator_client, mri, rooms["mri"], at(2, 10)).status_code == 201


@time_machine.travel(DECIDED + timedelta(hours=1), tick=False)
def test_r11_spinal_metastases_without_neurology_warn_after_a_week(coordinator_client, rooms):
    _plan, (mri,) = decided_plan("mri_whole_spine", urgency="routine")  # T12 lesion, no deficit
    response = book(coordinator_client, mri, rooms["mri"], at(9, 9))  # 7 days 7 hours later
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert (warning["rule"], warning["severity"]) == ("R11", "soft")


# --- the booking page ---------------------------------------------------------------------------

@time_machine.travel(DECIDED + timedelta(hours=1), tick=False)
def test_the_booking_preview_shows_the_r10_deadline_and_refuses_a_late_slot(coordinator, rooms):
    plan, (rt,) = decided_plan(RT5)
    page = login(coordinator).get(f"/plans/{plan.public_id}/book/", {
        "procedure": rt.public_id, "resource": rooms["linac"].public_id,
        "start": at(7, 9).isoformat()})
    body = page.content.decode()
    assert page.status_code == 200
    assert "radiotherapy must start by Thu 10 Jan 2030 08:00" in body
    assert "This time is after the deadline." in body
    assert "will be refused" in body
    assert "No timing rule is broken." not in body


@time_machine.travel(DECIDED + timedelta(hours=1), tick=False)
def test_an_emergency_opens_on_today_with_the_earliest_slots_first(coordinator, rooms):
    plan, (rt,) = decided_plan(RT5)
    body = login(coordinator).get(f"/plans/{plan.public_id}/book/",
                                  {"procedure": rt.public_id}).content.decode()
    assert "Emergency: the earliest free slots" in body
    # Now is Wednesday 09:00: the first offered start is today, nothing earlier than now.
    first = body.index("data-urgent-slot=")
    assert body[first:].startswith('data-urgent-slot="linac-1|2030-01-09 09:00"')
    assert 'data-slot="linac-1|2030-01-09 08:00"' not in body
    assert 'data-slot="linac-1|2030-01-09 09:00"' in body


@time_machine.travel(DECIDED + timedelta(hours=1), tick=False)
def test_a_routine_case_opens_on_tomorrow_without_the_emergency_list(coordinator, rooms):
    plan, (rt,) = decided_plan(RT5, urgency="routine")
    body = login(coordinator).get(f"/plans/{plan.public_id}/book/",
                                  {"procedure": rt.public_id}).content.decode()
    assert "Emergency: the earliest free slots" not in body
    assert 'data-slot="linac-1|2030-01-10 07:00"' in body
    assert "2030-01-09" not in body.split("Free slots for")[1].split("</section>")[0]


def test_the_suspicion_is_the_referral_time():
    with time_machine.travel(DECIDED, tick=False):
        case = CaseFactory(urgency="emergency")
    assert Case.objects.get(pk=case.pk).submitted_at == DECIDED


@time_machine.travel(DECIDED + timedelta(hours=1), tick=False)
def test_the_timeline_shades_the_r10_window_and_states_its_verdict(coordinator, rooms,
                                                                   coordinator_client):
    plan, (rt,) = decided_plan(RT5)
    assert book(coordinator_client, rt, rooms["linac"], at(3, 8)).status_code == 201
    page = login(coordinator).get(f"/plans/{plan.public_id}/timeline/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "R10" in body
    assert "radiotherapy must start by Thu 10 Jan 2030 08:00" in body  # the kept verdict


# --- the clock rules are data, within clinical-rules.md's ranges ------------------------------

@pytest.mark.parametrize(
    ("code", "body", "status", "rule"),
    [
        ("R10-mscc-rt", {"max_lag_minutes": 12 * 60}, 200, None),  # a stricter site: 12 h
        ("R10-mscc-rt", {"max_lag_minutes": 25 * 60}, 400, "lag_range"),  # beyond 0-24 h
        ("R9-mscc-mri", {"max_lag_minutes": 48 * 60}, 400, "lag_range"),
        ("R11-spinal-mri", {"max_lag_minutes": 8 * 24 * 60}, 400, "lag_range"),  # ≤ 1 week
        ("R11-spinal-mri", {"severity": "hard"}, 200, None),
    ],
)
def test_the_clock_rules_are_edited_within_their_ranges(admin_client, code, body, status, rule):
    response = admin_client.patch(f"{BASE}/timing-rules/{code}/", {**body, "reason": "Local"},
                                  format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == status, response.content
    if rule:
        assert response.json()["errors"][0]["rule"] == rule


def test_a_clock_template_names_a_known_event_and_pathway():
    from scheduling.domain import rule_limits

    assert rule_limits.template_problems(kind="clock", template={
        "event": "decision_to_treat", "pathway": "mscc", "unless_plan_has": ["surgery"]}) == []
    [(field, rule, message)] = rule_limits.template_problems(
        kind="clock", template={"event": "referral", "pathway": "mscc"})
    assert (field, rule) == ("template", "template_range")
    assert "event must be one of suspicion, decision_to_treat" in message


def test_a_seeded_clock_rule_passes_the_admin_validation():
    from scheduling.models import TimingRule

    for code in ("R9-mscc-mri", "R10-mscc-rt", "R11-spinal-mri"):
        rule = TimingRule.objects.get(code=code)
        assert (rule.kind, rule.from_procedures) == ("clock", [])
        rule.full_clean()  # a clock runs from a case event: no "from" procedure
