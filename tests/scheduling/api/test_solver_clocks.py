"""Solver runs meet the case clocks (issue 14: "urgency and pathway clocks as weights and
deadlines"), over HTTP with the real database, end to end to the booking.

- **Waiting list, R9.** Eight emergency referrals wait for a whole-spine MRI on one scanner
  (07:00-20:00), and one urgent referral with a neurological deficit (MSCC: R9, MRI within 24 h
  of the suspicion) was referred on Sunday at 10:00. By weight alone (emergency 8, urgent 4)
  its MRI came ninth, at 13:00 on Monday, three hours past R9's deadline, and applying the run
  was refused (R9 is hard). Its clock now bounds it: the run proposes it by 10:00 and applies.
- **One plan, R10.** An MSCC plan not for surgery must start radiotherapy within 24 h of the
  decision to treat; with the linac closed until after that, the proposal used to be a
  "feasible" course past the deadline that booking then refused. It is now infeasible and
  names R10.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils.dateparse import parse_datetime

from cases.models import Case
from scheduling import services
from scheduling.models import Booking, SolverRun, Violation
from tests.factories.cases import CaseFactory, LesionFactory
from tests.factories.scheduling import (
    ResourceExceptionFactory,
    ResourceFactory,
    at,
    plan_with,
)
from tests.scheduling.api.test_mscc_clocks import DECIDED, RT5, decided_plan
from tests.support.scheduling import BASE

pytestmark = pytest.mark.django_db
MONDAY_0630 = at(0, 6, 30)
R9_DUE = at(-1, 10) + timedelta(hours=24)  # referred Sunday 10:00: MRI by Monday 10:00


def _run(client, url, body):
    response = client.post(url, body, format="json")
    assert response.status_code == 202, response.content
    run = SolverRun.objects.get(public_id=response.json()["id"])
    assert services.solver_run_execute(run_id=run.pk) == "finished"
    return client.get(f"{BASE}/solver-runs/{run.public_id}/").json()


def _run_whole_list_and_apply(client, *, horizon_days):
    """A waiting-list run that plans every plan (none skipped), applied (201)."""
    done = _run(client, f"{BASE}/solver-runs/",
                {"horizon_days": horizon_days, "time_limit_s": 10})
    assert done["outcome"] in ("optimal", "feasible"), done
    assert done["result"]["skipped"] == {}
    applied = client.post(f"{BASE}/solver-runs/{done['id']}/apply/")
    assert applied.status_code == 201, applied.content
    return done


@time_machine.travel(MONDAY_0630, tick=False)
def test_the_waiting_list_proposes_the_mscc_mri_within_r9_and_it_books(coordinator_client,
                                                                       rooms):
    for _ in range(8):
        plan_with("mri_whole_spine", case=CaseFactory(urgency="emergency"))
    case = CaseFactory(urgency="urgent")
    Case.objects.filter(pk=case.pk).update(submitted_at=at(-1, 10))
    _plan, (mri,) = plan_with("mri_whole_spine", case=case,
                              lesion=LesionFactory(case=case, neurological_deficit=True))

    done = _run(coordinator_client, f"{BASE}/solver-runs/",
                {"horizon_days": 7, "time_limit_s": 10})
    assert done["outcome"] in ("optimal", "feasible")
    assert done["result"]["skipped"] == {}
    by = {item["procedure"]: item for item in done["result"]["bookings"]}
    assert len(by) == 9
    assert parse_datetime(by[str(mri.public_id)]["start"]) <= R9_DUE

    applied = coordinator_client.post(f"{BASE}/solver-runs/{done['id']}/apply/")
    assert applied.status_code == 201, applied.content
    booked = Booking.objects.get(procedure=mri)
    assert booked.start <= R9_DUE
    assert not Violation.objects.filter(rule_id="R9").exists()


@time_machine.travel(DECIDED + timedelta(hours=1), tick=False)
def test_one_plan_whose_r10_deadline_no_linac_time_meets_is_infeasible_naming_r10(
        coordinator_client, rooms):
    plan, (rt,) = decided_plan(RT5)
    # The linac is closed from the decision (Wednesday 08:00) until Thursday noon: R10's
    # deadline (Thursday 08:00) cannot be met.
    ResourceExceptionFactory(resource=rooms["linac"], start=DECIDED, end=at(3, 12))
    done = _run(coordinator_client, f"{BASE}/plans/{plan.public_id}/solver-runs/",
                {"horizon_days": 14, "time_limit_s": 5})
    assert done["outcome"] == "infeasible", done
    assert "R10" in done["message"]
    assert not done["result"] or not done["result"].get("bookings")
    assert not Booking.objects.filter(procedure=rt).exists()


@time_machine.travel(DECIDED + timedelta(hours=1), tick=False)
def test_one_plan_proposes_radiotherapy_within_r10_and_it_books(coordinator_client, rooms):
    plan, (rt,) = decided_plan(RT5)
    # Wednesday is closed from 10:00: the first fraction goes Wednesday 09:00-10:00 or
    # Thursday by 08:00, never later.
    ResourceExceptionFactory(resource=rooms["linac"], start=at(2, 10), end=at(2, 20))
    done = _run(coordinator_client, f"{BASE}/plans/{plan.public_id}/solver-runs/",
                {"horizon_days": 14, "time_limit_s": 5})
    assert done["outcome"] in ("optimal", "feasible"), done
    first = min(parse_datetime(b["start"]) for b in done["result"]["bookings"])
    assert first <= DECIDED + timedelta(hours=24)
    applied = coordinator_client.post(f"{BASE}/solver-runs/{done['id']}/apply/")
    assert applied.status_code == 201, applied.content
    assert Booking.objects.filter(procedure=rt).count() == 5


def _mscc_mri(referred):
    case = CaseFactory(urgency="urgent")
    Case.objects.filter(pk=case.pk).update(submitted_at=referred)
    plan, (mri,) = plan_with("mri_whole_spine", case=case,
                             lesion=LesionFactory(case=case, neurological_deficit=True))
    return plan, mri


@time_machine.travel(MONDAY_0630, tick=False)
def test_mscc_clocks_the_list_cannot_all_meet_leave_one_plan_alone_with_the_reason(
        coordinator_client, rooms):
    """Two MSCC referrals from Sunday 07:30 (MRI due Monday 07:30) and a 07:00 scanner: each
    could alone, both cannot. The run still plans the list: one MRI at 07:00, the other plan
    gets no proposal (its booking would be refused) and says which clock, and the rest
    applies."""
    first = _mscc_mri(at(-1, 7, 30))
    second = _mscc_mri(at(-1, 7, 30))
    plan_with("vertebroplasty", case=CaseFactory())
    done = _run(coordinator_client, f"{BASE}/solver-runs/",
                {"horizon_days": 7, "time_limit_s": 10})
    assert done["outcome"] in ("optimal", "feasible"), done
    skipped = done["result"]["skipped"]
    assert len(skipped) == 1
    (late_plan, reason), = skipped.items()
    assert reason.startswith("R9: ")
    assert "proposed with its plan alone" in reason
    met, late = (first, second) if late_plan == str(second[0].public_id) else (second, first)
    assert late_plan == str(late[0].public_id)
    by = {item["procedure"]: item for item in done["result"]["bookings"]}
    assert str(late[1].public_id) not in by
    assert parse_datetime(by[str(met[1].public_id)]["start"]) == at(0, 7)
    applied = coordinator_client.post(f"{BASE}/solver-runs/{done['id']}/apply/")
    assert applied.status_code == 201, applied.content
    assert Booking.objects.filter(procedure=met[1]).exists()
    assert not Booking.objects.filter(procedure=late[1]).exists()


@time_machine.travel(MONDAY_0630, tick=False)
def test_the_waiting_list_books_a_radiotherapy_course_on_consecutive_days(coordinator_client,
                                                                         rooms, no_notice):
    """A five-fraction course on the waiting list (it used to be left to its own run): five
    bookings, Monday to Friday at the same time, applied with the rest of the list."""
    plan, (rt,) = plan_with({"procedure_type": "radiotherapy", "fractions": 5, "dose_gy": 20},
                            case=CaseFactory())
    plan_with("vertebroplasty", case=CaseFactory())
    done = _run(coordinator_client, f"{BASE}/solver-runs/",
                {"horizon_days": 14, "time_limit_s": 10})
    assert done["outcome"] in ("optimal", "feasible"), done
    assert done["result"]["skipped"] == {}
    course = sorted((item for item in done["result"]["bookings"]
                     if item["procedure"] == str(rt.public_id)), key=lambda i: i["fraction"])
    assert [i["fraction"] for i in course] == [1, 2, 3, 4, 5]
    applied = coordinator_client.post(f"{BASE}/solver-runs/{done['id']}/apply/")
    assert applied.status_code == 201, applied.content
    booked = list(Booking.objects.filter(procedure=rt).order_by("start"))
    assert len(booked) == 5
    local = [b.start.astimezone(at(0).tzinfo) for b in booked]
    assert [d.weekday() for d in local] == [0, 1, 2, 3, 4]
    assert len({(d.hour, d.minute) for d in local}) == 1
    assert not Violation.objects.filter(plan=plan, severity="hard").exists()


@time_machine.travel(at(1, 6, 30), tick=False)
def test_the_waiting_list_starts_a_course_on_tuesday_and_skips_a_holiday(coordinator_client,
                                                                        rooms, no_notice):
    """Referred on a Tuesday, with the linac closed all Thursday (a public holiday): the course
    starts that Tuesday and its fractions take each next working day, Thursday and the weekend
    skipped, at one time; booking accepts it (R17 reads the same closure). The waiting list
    used to start courses of five or more fractions on Mondays only: this course waited until
    the next Monday."""
    plan, (rt,) = plan_with({"procedure_type": "radiotherapy", "fractions": 5, "dose_gy": 20},
                            case=CaseFactory())
    ResourceExceptionFactory(resource=rooms["linac"], start=at(3, 0), end=at(4, 0),
                             reason="Public holiday")
    done = _run_whole_list_and_apply(coordinator_client, horizon_days=14)
    # The proposal's warnings read the same closure: skipping the holiday is no R17 warning
    # (the run used to warn "a fraction on Friday instead of the next working day Thursday").
    assert done["result"]["warnings"] == []
    booked = list(Booking.objects.filter(procedure=rt).order_by("start"))
    local = [b.start.astimezone(at(0).tzinfo) for b in booked]
    assert [(d.date() - at(0).date()).days for d in local] == [1, 2, 4, 7, 8]  # Tue-Wed, Fri-Tue
    assert len({(d.hour, d.minute) for d in local}) == 1
    assert not Violation.objects.filter(plan=plan).exists()


@time_machine.travel(at(1, 6, 30), tick=False)
def test_a_course_moved_to_the_second_linac_on_the_firsts_service_day_books_clean(
        coordinator_client, rooms, no_notice):
    """Linac 1 is closed on Thursday for its service; linac 2 opens on Thursday only. Thursday
    is a working day for the course (a linac is open), so the waiting list gives it the
    Thursday fraction on linac 2. Applying it stores no R17 violation: the booking check used
    to count a day closed on *any* booked linac as the course's day off (every weekday here),
    and flagged the course the proposal had just made."""
    linac2 = ResourceFactory(code="linac-2", name="Linac 2", kind="linac")
    ResourceExceptionFactory(resource=rooms["linac"], start=at(3, 0), end=at(4, 0),
                             reason="Linac service")
    ResourceExceptionFactory(resource=linac2, start=at(0, 0), end=at(3, 0))
    ResourceExceptionFactory(resource=linac2, start=at(4, 0), end=at(14, 0))
    plan, (rt,) = plan_with({"procedure_type": "radiotherapy", "fractions": 5, "dose_gy": 20},
                            case=CaseFactory())
    _run_whole_list_and_apply(coordinator_client, horizon_days=14)
    booked = list(Booking.objects.filter(procedure=rt).order_by("start"))
    days = [(b.start.astimezone(at(0).tzinfo).date() - at(0).date()).days for b in booked]
    assert days == [1, 2, 3, 4, 7]  # Tuesday to the next Monday, Thursday included
    assert [b.resource_id for b in booked] == [rooms["linac"].pk] * 2 + [linac2.pk] + [
        rooms["linac"].pk] * 2
    assert not Violation.objects.filter(plan=plan).exists()


@time_machine.travel(MONDAY_0630, tick=False)
def test_the_waiting_list_books_a_session_back_to_back_in_one_room(coordinator_client, rooms):
    """RFA and vertebroplasty planned for one session (they used to be left to their own
    run): proposed and booked back to back, in one room."""
    _plan, (rfa, vert) = plan_with("rfa", "vertebroplasty", case=CaseFactory())
    vert.same_session_with = rfa
    vert.save(update_fields=["same_session_with"])
    plan_with("vertebroplasty", case=CaseFactory())
    _run_whole_list_and_apply(coordinator_client, horizon_days=7)
    first, second = Booking.objects.get(procedure=rfa), Booking.objects.get(procedure=vert)
    assert second.start == first.end
    assert second.resource_id == first.resource_id


@time_machine.travel(MONDAY_0630, tick=False)
def test_the_waiting_list_lists_the_soft_rules_its_proposal_still_breaks(coordinator_client,
                                                                         rooms, no_notice):
    """The angio suite is open only on Monday and the theatres only from Thursday: the
    pre-operative embolization and its surgery can keep R1's 72-hour limit but not its 48-hour
    window. The run says so per plan, as a one-plan run does (its warnings were always
    empty)."""
    from tests.support.scheduling import PREOP

    plan, _ = plan_with(PREOP, "surgery", case=CaseFactory())
    ResourceExceptionFactory(resource=rooms["angio"], start=at(1, 0), end=at(7, 0))
    ResourceExceptionFactory(resource=rooms["hybrid"], start=at(0, 0), end=at(7, 0))
    for theatre in ("or1", "or2"):
        ResourceExceptionFactory(resource=rooms[theatre], start=at(0, 0), end=at(3, 0))
    done = _run(coordinator_client, f"{BASE}/solver-runs/",
                {"horizon_days": 7, "time_limit_s": 10})
    assert done["outcome"] in ("optimal", "feasible"), done
    warnings = done["result"]["warnings"]
    assert [(w["plan"], w["rule"], w["severity"]) for w in warnings] == [
        (str(plan.public_id), "R1", "soft")]
