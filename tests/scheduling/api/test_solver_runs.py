"""Solver runs (issue 14): POST /plans/{id}/solver-runs/ queues a run for a worker (202, nothing
solved in the request), the worker's service solves it writing progress and stores the result,
GET shows it, and apply books it through the booking service all or nothing, unless the inputs
changed meanwhile (409, discarded). A redelivered message does nothing twice; a run whose
worker died is taken over."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.models import AuditEvent, OutboxMessage
from scheduling import services
from scheduling.models import Booking, ResourceException, SolverRun
from scheduling.services import solver_runs
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import at, plan_with
from tests.support.scheduling import BASE, PREOP

pytestmark = pytest.mark.django_db


def spine_plan(*procedures):
    return plan_with(*procedures, case=CaseFactory(requested_board="bone-mets-spine"))


def start(client, plan, **body):
    return client.post(f"{BASE}/plans/{plan.public_id}/solver-runs/",
                       {"horizon_days": 14, "time_limit_s": 2, **body}, format="json")


def run_of(response) -> SolverRun:
    return SolverRun.objects.get(public_id=response.json()["id"])


def test_a_run_is_queued_not_solved_in_the_request(coordinator_client, rooms):
    plan, _ = spine_plan(PREOP, "surgery")
    response = start(coordinator_client, plan)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert body["result"] == {}
    assert response["Location"] == f"/api/v1/solver-runs/{body['id']}/"
    message = OutboxMessage.objects.get(task_name=solver_runs.RUN_TASK)
    assert message.kwargs == {"run_id": run_of(response).pk}  # an id, no patient data
    assert Booking.objects.filter(plan=plan).count() == 0


def test_the_worker_solves_writes_progress_and_the_result_is_shown(coordinator_client, rooms):
    plan, (emb, surgery) = spine_plan(PREOP, "surgery")
    run = run_of(start(coordinator_client, plan))
    assert services.solver_run_execute(run_id=run.pk) == "finished"
    body = coordinator_client.get(f"{BASE}/solver-runs/{run.public_id}/").json()
    assert body["status"] == "finished"
    assert body["outcome"] in {"optimal", "feasible"}
    assert body["progress"]["solutions"] >= 1
    assert "objective" in body["progress"]
    assert body["progress"]["elapsed_s"] >= 0
    by = {b["procedure"]: b for b in body["result"]["bookings"]}
    assert by[str(emb.public_id)]["end"] <= by[str(surgery.public_id)]["start"]
    assert len(SolverRun.objects.get(pk=run.pk).fingerprint) == 64
    # A redelivered message finds the run finished: nothing runs twice.
    assert services.solver_run_execute(run_id=run.pk) == ""
    listed = coordinator_client.get(f"{BASE}/solver-runs/", {"plan": str(plan.public_id)}).json()
    assert [r["id"] for r in listed["results"]] == [str(run.public_id)]


def test_apply_books_the_result_once_through_the_booking_service(coordinator_client, rooms):
    plan, _ = spine_plan(PREOP, "surgery")
    run = run_of(start(coordinator_client, plan))
    services.solver_run_execute(run_id=run.pk)
    response = coordinator_client.post(f"{BASE}/solver-runs/{run.public_id}/apply/")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "applied"
    assert len(body["applied_bookings"]) == 2
    assert set(Booking.objects.filter(plan=plan).values_list("status", flat=True)) == {"proposed"}
    again = coordinator_client.post(f"{BASE}/solver-runs/{run.public_id}/apply/")
    assert again.status_code == 409
    assert again.json()["errors"][0]["rule"] == "not_finished"
    assert Booking.objects.filter(plan=plan).count() == 2
    assert AuditEvent.objects.filter(object_type="solver_run", action="update").count() == 1


def test_a_result_whose_inputs_changed_is_discarded_not_applied(coordinator_client, rooms):
    plan, _ = spine_plan(PREOP, "surgery")
    run = run_of(start(coordinator_client, plan))
    services.solver_run_execute(run_id=run.pk)
    # The operating room closes for the whole horizon meanwhile.
    ResourceException.objects.create(resource=rooms["or1"], start=timezone.now(),
                                     end=timezone.now() + timedelta(days=30), kind="closure",
                                     reason="Maintenance")
    response = coordinator_client.post(f"{BASE}/solver-runs/{run.public_id}/apply/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["rule"] == "inputs_changed"
    assert SolverRun.objects.get(pk=run.pk).status == "discarded"
    assert Booking.objects.filter(plan=plan).count() == 0
    read = coordinator_client.get(f"{BASE}/solver-runs/{run.public_id}/").json()
    assert (read["status"], read["reason"]) == ("discarded", "inputs_changed")


@pytest.mark.parametrize("waiting_list", [False, True], ids=["one plan", "waiting list"])
def test_a_proposal_whose_first_booking_has_started_is_discarded_with_the_reason(
        coordinator_client, rooms, waiting_list, no_notice):
    """Run at 06:30, the proposal starts at 07:00 when the rooms open; the coordinator applies
    it at 07:05. Applying used to answer 400 asking for a retrospective reason, a field the
    apply endpoint does not have; now the run is out of date: 409, discarded with the reason,
    nothing booked."""
    import time_machine

    plan, _ = spine_plan("vertebroplasty")
    with time_machine.travel(at(0, 6, 30), tick=False):
        if waiting_list:
            response = coordinator_client.post(f"{BASE}/solver-runs/",
                                               {"horizon_days": 7, "time_limit_s": 2},
                                               format="json")
        else:
            response = start(coordinator_client, plan, horizon_days=7)
        run = run_of(response)
        assert services.solver_run_execute(run_id=run.pk) == "finished"
        first = min(parse_datetime(b["start"]) for b in SolverRun.objects.get(
            pk=run.pk).result["bookings"])
        assert first == at(0, 7)
        # The run says until when it can be applied.
        read = coordinator_client.get(f"{BASE}/solver-runs/{run.public_id}/").json()
        assert parse_datetime(read["apply_by"]) == first
    with time_machine.travel(at(0, 7, 5), tick=False):
        response = coordinator_client.post(f"{BASE}/solver-runs/{run.public_id}/apply/")
    assert response.status_code == 409, response.content
    error = response.json()["errors"][0]
    assert (error["field"], error["rule"]) == ("run", "proposal_passed")
    assert "Mon 07 Jan 2030 07:00 Europe/Rome" in error["message"]
    run.refresh_from_db()
    assert run.status == "discarded"
    assert "already started" in run.message
    assert Booking.objects.filter(plan=plan).count() == 0
    read = coordinator_client.get(f"{BASE}/solver-runs/{run.public_id}/").json()
    assert (read["status"], read["reason"]) == ("discarded", "proposal_passed")


def test_a_change_while_the_solver_works_discards_the_result(coordinator_client, rooms,
                                                             monkeypatch):
    plan, _ = spine_plan(PREOP, "surgery")
    run = run_of(start(coordinator_client, plan))
    solve = solver_runs.propose_plan

    def solve_while_someone_books(problem, **kwargs):
        result = solve(problem, **kwargs)
        ResourceException.objects.create(resource=rooms["angio"], start=timezone.now(),
                                         end=timezone.now() + timedelta(days=2), kind="closure")
        return result

    monkeypatch.setattr(solver_runs, "propose_plan", solve_while_someone_books)
    assert services.solver_run_execute(run_id=run.pk) == "discarded"
    stored = SolverRun.objects.get(pk=run.pk)
    assert stored.result == {}
    assert "changed while the solver worked" in stored.message
    assert stored.reason == "inputs_changed"


def test_a_run_whose_worker_died_is_taken_over_and_a_live_one_is_not(coordinator_client, rooms):
    plan, _ = spine_plan(PREOP)
    run = run_of(start(coordinator_client, plan))
    SolverRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now())
    assert services.solver_run_execute(run_id=run.pk) == ""  # another worker has it
    SolverRun.objects.filter(pk=run.pk).update(
        started_at=timezone.now() - timedelta(seconds=run.time_limit_s) - timedelta(minutes=2))
    assert services.solver_run_execute(run_id=run.pk) == "finished"


def test_bad_input_is_a_400_naming_the_field_and_nothing_is_queued(coordinator_client, rooms):
    plan, _ = spine_plan(PREOP)
    for body, field in (({"horizon_days": 0}, "horizon_days"),
                        ({"time_limit_s": 600}, "time_limit_s"),
                        ({"time_limit_s": "soon"}, "time_limit_s")):
        response = start(coordinator_client, plan, **body)
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == field
    assert not SolverRun.objects.exists()
    assert coordinator_client.get(f"{BASE}/solver-runs/", {"status": "later"}).status_code == 400
    assert coordinator_client.get(f"{BASE}/solver-runs/{uuid.uuid4()}/").status_code == 404


def test_another_boards_member_cannot_see_the_run(coordinator_client, sarcoma_client, rooms):
    plan, _ = spine_plan(PREOP)
    run = run_of(start(coordinator_client, plan))
    assert sarcoma_client.get(f"{BASE}/solver-runs/{run.public_id}/").status_code == 404
    assert sarcoma_client.get(f"{BASE}/solver-runs/").json()["count"] == 0


# --- repair: a booking slipped; re-plan it alone, everything else fixed --------------------
# The factories' bookings are in January 2030: these tests run the day before.


@pytest.fixture
def eve_of_2030():
    import time_machine

    with time_machine.travel(datetime(2030, 1, 6, 12, tzinfo=UTC), tick=True):
        yield


def test_a_repair_moves_only_the_slipped_booking_and_shows_where_it_was(coordinator_client,
                                                                       rooms, eve_of_2030):
    from tests.factories.scheduling import at

    plan, (emb, surgery) = spine_plan(PREOP, "surgery")
    kept = services.booking_create(procedure=emb, resource=rooms["angio"], start=at(2, 8),
                                   principal=None).booking
    slipped = services.booking_create(procedure=surgery, resource=rooms["or1"], start=at(2, 13),
                                      principal=None).booking
    # Theatre 1 closes that day: the surgery slipped.
    ResourceException.objects.create(resource=rooms["or1"], start=at(2, 0), end=at(3, 0),
                                     kind="closure", reason="Flooded")
    response = start(coordinator_client, plan, replan=[str(slipped.public_id)])
    assert response.status_code == 202, response.content
    run = run_of(response)
    assert (run.kind, run.slipped) == ("repair", [{"id": str(slipped.public_id), "version": 1}])
    assert services.solver_run_execute(run_id=run.pk) == "finished"
    body = coordinator_client.get(f"{BASE}/solver-runs/{run.public_id}/").json()
    (item,) = body["result"]["bookings"]
    assert item["procedure"] == str(surgery.public_id)
    assert item["replaces"]["booking"] == str(slipped.public_id)
    assert parse_datetime(item["replaces"]["start"]) == at(2, 13)
    new_start = parse_datetime(item["start"])
    assert not (at(2, 0) <= new_start < at(3, 0)
                and item["resource"] == str(rooms["or1"].public_id))

    applied = coordinator_client.post(f"{BASE}/solver-runs/{run.public_id}/apply/")
    assert applied.status_code == 201, applied.content
    slipped.refresh_from_db()
    kept.refresh_from_db()
    assert slipped.start == new_start
    assert str(slipped.resource.public_id) == item["resource"]
    assert slipped.version == 2
    assert (kept.start, kept.version) == (at(2, 8), 1)  # everything else stayed
    assert Booking.objects.filter(plan=plan).exclude(status="cancelled").count() == 2


def test_a_repair_of_a_booking_moved_meanwhile_moves_nothing(coordinator_client, rooms,
                                                           eve_of_2030):
    from tests.factories.scheduling import at

    plan, (emb,) = spine_plan(PREOP)
    booking = services.booking_create(procedure=emb, resource=rooms["angio"], start=at(2, 8),
                                      principal=None).booking
    run = run_of(start(coordinator_client, plan, replan=[str(booking.public_id)]))
    services.solver_run_execute(run_id=run.pk)
    services.booking_move(booking=booking, start=at(4, 8), expected_version=1, principal=None)
    response = coordinator_client.post(f"{BASE}/solver-runs/{run.public_id}/apply/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["rule"] == "inputs_changed"
    booking.refresh_from_db()
    assert (booking.start, booking.version) == (at(4, 8), 2)


def test_a_repair_names_only_changeable_bookings_of_this_plan(coordinator_client, rooms):
    from tests.factories.scheduling import at

    plan, (emb,) = spine_plan(PREOP)
    other_plan, (other,) = spine_plan(PREOP)
    booking = services.booking_create(procedure=other, resource=rooms["angio"], start=at(2, 8),
                                      principal=None).booking
    response = start(coordinator_client, plan, replan=[str(booking.public_id)])
    assert response.status_code == 400
    assert (response.json()["errors"][0]["field"],
            response.json()["errors"][0]["rule"]) == ("replan", "not_in_plan")
    assert emb.plan == plan
    assert other_plan != plan
    assert not SolverRun.objects.exists()


# --- the whole waiting list: every waiting plan at once over the shared rooms --------------


def test_the_waiting_list_is_planned_at_once_and_booked_all_or_nothing(coordinator_client,
                                                                      rooms):
    urgent, _ = plan_with(PREOP, "surgery",
                          case=CaseFactory(requested_board="bone-mets-spine", urgency="urgent"))
    routine, _ = spine_plan(PREOP, "surgery")
    response = coordinator_client.post(f"{BASE}/solver-runs/",
                                       {"horizon_days": 14, "time_limit_s": 5}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["kind"], body["plan"]) == ("waitlist", None)
    assert body["plans"][0] == str(urgent.public_id)  # most urgent first
    assert set(body["plans"]) == {str(urgent.public_id), str(routine.public_id)}
    run = run_of(response)
    assert services.solver_run_execute(run_id=run.pk) == "finished"
    done = coordinator_client.get(f"{BASE}/solver-runs/{run.public_id}/").json()
    assert done["outcome"] in {"optimal", "feasible"}
    assert done["progress"]["solutions"] >= 1  # written while the core worked
    by_plan = {}
    for item in done["result"]["bookings"]:
        by_plan.setdefault(item["plan"], []).append(item)
    assert set(by_plan) == {str(urgent.public_id), str(routine.public_id)}
    assert done["result"]["skipped"] == {}
    # The shared angio suite and theatre hold one procedure at a time.
    for room in (rooms["angio"], rooms["or1"]):
        spans = sorted((parse_datetime(i["start"]), parse_datetime(i["end"]))
                       for i in done["result"]["bookings"]
                       if i["resource"] == str(room.public_id))
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    applied = coordinator_client.post(f"{BASE}/solver-runs/{run.public_id}/apply/")
    assert applied.status_code == 201, applied.content
    assert Booking.objects.filter(plan__in=[urgent, routine], status="proposed").count() == 4
    audit = AuditEvent.objects.filter(object_type="solver_run", action="update").get()
    assert {pseudonym for _run, pseudonym in audit.entities} == {
        str(urgent.case.patient.public_id), str(routine.case.patient.public_id)}


def test_the_waiting_list_is_for_callers_who_see_every_case(spine_client, coordinator_client,
                                                           rooms):
    assert coordinator_client.post(f"{BASE}/solver-runs/", {}, format="json").status_code == 409
    spine_plan(PREOP)
    response = spine_client.post(f"{BASE}/solver-runs/", {}, format="json")
    assert response.status_code == 403
    assert not SolverRun.objects.exists()


def test_the_waiting_list_reads_what_plans_share_once(rooms, eve_of_2030,
                                                      django_assert_max_num_queries):
    """Building the waiting list's problems reads the rules, the clocks, the catalogue and every
    room's and person's free time once for all the plans (SharedInputs), and gives the very
    problems the plan-by-plan build gives."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scheduling import selectors

    plans = [spine_plan(PREOP, "surgery")[0] for _ in range(4)]
    plans += [spine_plan("vertebroplasty")[0] for _ in range(4)]
    now = timezone.now()
    with CaptureQueriesContext(connection) as one_by_one:
        alone = [selectors.plan_problem_build(plan=p, now=now, horizon_days=14) for p in plans]
    # What stays per plan: its procedures and links, its patient's bookings. Once: the rules,
    # the catalogue, the rooms, their free time, and every plan's clocks (about ten).
    with django_assert_max_num_queries(5 * len(plans) + 22) as counted:
        shared = selectors.shared_inputs(plans=plans, now=now, horizon_days=14)
        together = [selectors.plan_problem_build(plan=p, now=now, horizon_days=14,
                                                 shared=shared) for p in plans]
    assert together == alone
    assert len(counted.captured_queries) < len(one_by_one.captured_queries) - 3 * len(plans)
    with pytest.raises(ValueError, match="one window"):
        selectors.plan_problem_build(plan=plans[0], now=now, horizon_days=7, shared=shared)


def test_a_run_whose_solver_fails_says_so_with_a_reason(coordinator_client, rooms, monkeypatch):
    """A fault injected into the solver: the run fails, and says why as a code (the page words
    it in the reader's language) with nothing of the error in the run."""
    plan, _ = spine_plan(PREOP)
    run = run_of(start(coordinator_client, plan))

    def broken(problem, **kwargs):
        raise RuntimeError("injected fault")

    monkeypatch.setattr(solver_runs, "propose_plan", broken)
    assert services.solver_run_execute(run_id=run.pk) == "failed"
    read = coordinator_client.get(f"{BASE}/solver-runs/{run.public_id}/").json()
    assert (read["status"], read["reason"]) == ("failed", "solver_failed")
    assert "injected" not in read["message"]
