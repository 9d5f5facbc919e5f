"""The notice before a first booking (SCH-NOTICE): a proposal books nothing for a routine case
sooner than ``notice_routine_hours`` (24 h) after it is made, for an urgent case sooner than
``notice_urgent_hours`` (0), and an emergency or a running hard clock gets none. Before, every
proposal started at the next quarter hour: a routine vertebroplasty asked for at 06:30 on a
Monday was proposed for 07:00 that morning. Rooms (tests/scheduling/conftest.py) are open
Monday to Friday, 07:00-20:00 Rome time."""

from __future__ import annotations

import pytest
import time_machine
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from cases.models import Case
from scheduling import services
from scheduling.models import Booking, SolverRun
from tests.factories.cases import CaseFactory, LesionFactory
from tests.factories.scheduling import at, plan_with
from tests.support.scheduling import BASE

pytestmark = pytest.mark.django_db
MONDAY_0630 = at(0, 6, 30)


def _run(client, url, body):
    response = client.post(url, {"horizon_days": 14, "time_limit_s": 2, **body}, format="json")
    assert response.status_code == 202, response.content
    run = SolverRun.objects.get(public_id=response.json()["id"])
    assert services.solver_run_execute(run_id=run.pk) == "finished"
    done = client.get(f"{BASE}/solver-runs/{run.public_id}/").json()
    assert done["outcome"] in ("optimal", "feasible"), done
    return done


def _starts(done, procedure):
    return sorted(parse_datetime(b["start"]) for b in done["result"]["bookings"]
                  if b["procedure"] == str(procedure.public_id))


@pytest.fixture
def site_admin(administrator) -> APIClient:
    client = APIClient()
    client.force_authenticate(administrator)
    return client


def _plan(urgency, *, deficit=False):
    case = CaseFactory(urgency=urgency, requested_board="bone-mets-spine")
    lesion = LesionFactory(case=case, neurological_deficit=deficit)
    return plan_with("vertebroplasty", case=case, lesion=lesion)


@time_machine.travel(MONDAY_0630, tick=False)
def test_a_routine_plan_is_proposed_a_day_ahead_and_books_there(coordinator_client, rooms):
    plan, (vert,) = _plan("routine")
    done = _run(coordinator_client, f"{BASE}/plans/{plan.public_id}/solver-runs/", {})
    assert _starts(done, vert) == [at(1, 7)]  # Tuesday 07:00, not Monday 07:00
    applied = coordinator_client.post(f"{BASE}/solver-runs/{done['id']}/apply/")
    assert applied.status_code == 201, applied.content
    assert Booking.objects.get(procedure=vert).start == at(1, 7)


@time_machine.travel(MONDAY_0630, tick=False)
def test_an_urgent_plan_takes_the_first_free_time(coordinator_client, rooms):
    plan, (vert,) = _plan("urgent")
    done = _run(coordinator_client, f"{BASE}/plans/{plan.public_id}/solver-runs/", {})
    assert _starts(done, vert) == [at(0, 7)]


@pytest.mark.parametrize(("referred", "asked", "proposed"), [
    # R9 (whole-spine MRI within 24 h) runs and is hard: Monday 07:00, not after the routine
    # notice (Monday 10:00 at the earliest, past R9's deadline).
    (at(-1, 10), at(-1, 10), at(0, 7)),
    # R9's deadline (Monday 07:00) has passed when the run is asked for at 08:00: the clock is
    # soft now (the earliest slot is best), and the MRI is proposed for 08:00, not a day later.
    (at(-1, 7), at(0, 8), at(0, 8)),
], ids=["running", "missed"])
def test_a_hard_clock_overrides_the_notice_running_or_missed(coordinator_client, rooms,
                                                             referred, asked, proposed):
    """A routine case with a neurological deficit (suspected MSCC), referred on Sunday."""
    case = CaseFactory(urgency="routine")
    Case.objects.filter(pk=case.pk).update(submitted_at=referred)
    plan, (mri,) = plan_with("mri_whole_spine", case=case,
                             lesion=LesionFactory(case=case, neurological_deficit=True))
    with time_machine.travel(asked, tick=False):
        done = _run(coordinator_client, f"{BASE}/plans/{plan.public_id}/solver-runs/", {})
    assert _starts(done, mri) == [proposed]


@time_machine.travel(MONDAY_0630, tick=False)
def test_the_waiting_list_gives_each_plan_its_own_notice(coordinator_client, rooms):
    _routine, (routine_vert,) = _plan("routine")
    _urgent, (urgent_vert,) = _plan("urgent")
    done = _run(coordinator_client, f"{BASE}/solver-runs/", {"time_limit_s": 5})
    assert _starts(done, urgent_vert) == [at(0, 7)]
    (first,) = _starts(done, routine_vert)
    assert first >= at(1, 6, 30)  # 24 h after the run was asked for
    assert first == at(1, 7)


def test_the_site_sets_the_notice_and_a_run_follows_it(site_admin, coordinator_client,
                                                       rooms):
    for value, expected in ((48, at(2, 7)), (0, at(0, 7))):
        changed = site_admin.put("/api/v1/site-parameters/notice_routine_hours/",
                                   {"value": value, "reason": "Agreed with the ward, 2026-12."},
                                   format="json")
        assert changed.status_code == 200, changed.content
        plan, (vert,) = _plan("routine")
        with time_machine.travel(MONDAY_0630, tick=False):
            done = _run(coordinator_client, f"{BASE}/plans/{plan.public_id}/solver-runs/", {})
        assert _starts(done, vert) == [expected], value
        plan.delete()


def test_a_notice_outside_its_range_is_refused_naming_the_rule(site_admin):
    response = site_admin.put("/api/v1/site-parameters/notice_routine_hours/",
                                {"value": 200, "reason": "A week and more."}, format="json")
    assert response.status_code == 400
    assert "notice_routine_hours must be between 0 and 168 hours." in response.content.decode()


@time_machine.travel(MONDAY_0630, tick=False)
def test_a_repair_gives_the_moved_booking_the_same_notice(coordinator_client, rooms):
    """The patient calls in unwell at 06:30 for a vertebroplasty at 10:00: the repair moves it
    to Tuesday 07:00, not to 07:00 the same morning."""
    plan, (vert,) = _plan("routine")
    booking = services.booking_create(procedure=vert, resource=rooms["hybrid"], start=at(0, 10),
                                      principal=None).booking
    done = _run(coordinator_client, f"{BASE}/plans/{plan.public_id}/solver-runs/",
                {"replan": [str(booking.public_id)]})
    (item,) = done["result"]["bookings"]
    assert item["replaces"]["booking"] == str(booking.public_id)
    assert parse_datetime(item["start"]) == at(1, 7)


@time_machine.travel(MONDAY_0630, tick=False)
def test_the_interactive_proposal_keeps_the_notice_too(coordinator_client, rooms):
    plan, (vert,) = _plan("routine")
    response = coordinator_client.post(f"{BASE}/plans/{plan.public_id}/proposals/",
                                       {"horizon_days": 14, "time_limit_seconds": 2},
                                       format="json")
    assert response.status_code == 200, response.content
    (booking,) = response.json()["bookings"]
    assert booking["procedure"] == str(vert.public_id)
    assert parse_datetime(booking["start"]) == at(1, 7)


@time_machine.travel(MONDAY_0630, tick=False)
def test_a_horizon_inside_the_notice_says_so(coordinator_client, rooms):
    plan, _ = _plan("routine")
    response = coordinator_client.post(f"{BASE}/plans/{plan.public_id}/solver-runs/",
                                       {"horizon_days": 1, "time_limit_s": 2}, format="json")
    run = SolverRun.objects.get(public_id=response.json()["id"])
    assert services.solver_run_execute(run_id=run.pk) == "finished"
    done = coordinator_client.get(f"{BASE}/solver-runs/{run.public_id}/").json()
    assert done["outcome"] == "infeasible"
    assert "notice" in done["message"]
    listed = coordinator_client.post(f"{BASE}/solver-runs/", {"horizon_days": 1,
                                                              "time_limit_s": 2}, format="json")
    run = SolverRun.objects.get(public_id=listed.json()["id"])
    services.solver_run_execute(run_id=run.pk)
    done = coordinator_client.get(f"{BASE}/solver-runs/{run.public_id}/").json()
    assert done["result"]["bookings"] == []
    assert done["result"]["skipped"][str(plan.public_id)].startswith(
        "the site's notice before a first booking (SCH-NOTICE) leaves no time within the "
        "horizon")


def test_a_run_keeps_the_notice_it_was_built_with(site_admin, coordinator_client, rooms):
    """The run says which notice its proposal keeps, as it was when the worker built the
    problem: a later change of the site's notice does not rewrite an old run's (before, the run
    page showed the site's current notice for every run, old ones too)."""
    routine, _ = _plan("routine")
    urgent, _ = _plan("urgent")
    with time_machine.travel(MONDAY_0630, tick=False):
        queued = coordinator_client.post(f"{BASE}/plans/{routine.public_id}/solver-runs/",
                                         {"horizon_days": 14, "time_limit_s": 2}, format="json")
        assert queued.json()["notice"] == {}  # read by the worker, when it builds the problem
        done = _run(coordinator_client, f"{BASE}/plans/{routine.public_id}/solver-runs/", {})
        urgent_done = _run(coordinator_client, f"{BASE}/plans/{urgent.public_id}/solver-runs/",
                           {})
    notice = done["notice"]
    assert (notice["routine_hours"], notice["urgent_hours"]) == (24, 0)
    assert parse_datetime(notice["not_before"]) == at(1, 6, 30)  # 24 h after it was asked
    assert urgent_done["notice"]["not_before"] is None  # urgent: 0 h, from the run's instant
    changed = site_admin.put("/api/v1/site-parameters/notice_routine_hours/",
                             {"value": 48, "reason": "Agreed with the ward, 2026-12."},
                             format="json")
    assert changed.status_code == 200, changed.content
    again = coordinator_client.get(f"{BASE}/solver-runs/{done['id']}/").json()
    assert again["notice"] == done["notice"]


@pytest.mark.parametrize("urgency", ["routine", "emergency"])
@time_machine.travel(MONDAY_0630, tick=False)
def test_a_patient_unwell_until_thursday_is_re_planned_from_thursday(coordinator_client, rooms,
                                                                     urgency):
    """The patient calls in unwell for Tuesday's vertebroplasty and can come from Thursday:
    the repair asked with ``not_before`` proposes Thursday 07:00, an emergency too (before,
    a repair could only start from the notice: Tuesday 07:00 again, or Monday for an
    emergency, when the patient cannot come)."""
    plan, (vert,) = _plan(urgency)
    booking = services.booking_create(procedure=vert, resource=rooms["hybrid"], start=at(1, 10),
                                      principal=None).booking
    done = _run(coordinator_client, f"{BASE}/plans/{plan.public_id}/solver-runs/",
                {"replan": [str(booking.public_id)], "not_before": at(3, 0).isoformat()})
    (item,) = done["result"]["bookings"]
    assert parse_datetime(item["start"]) == at(3, 7)
    assert parse_datetime(done["not_before"]) == at(3, 0)
    assert parse_datetime(done["notice"]["not_before"]) == at(3, 0)


@time_machine.travel(MONDAY_0630, tick=False)
def test_an_earliest_start_past_the_horizon_or_without_a_zone_is_refused(coordinator_client,
                                                                         rooms):
    plan, _ = _plan("routine")
    url = f"{BASE}/plans/{plan.public_id}/solver-runs/"
    for value, rule in ((at(20, 0).isoformat(), "in_horizon"),
                        ("2030-01-10T00:00:00", "timezone_required")):
        response = coordinator_client.post(url, {"horizon_days": 14, "not_before": value},
                                           format="json")
        assert response.status_code == 400, response.content
        (error,) = response.json()["errors"]
        assert (error["field"], error["rule"]) == ("not_before", rule)
    assert not SolverRun.objects.exists()
