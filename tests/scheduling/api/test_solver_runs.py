"""Solver runs (issue 14): POST /plans/{id}/solver-runs/ queues a run for a worker (202, nothing
solved in the request), the worker's service solves it writing progress and stores the result,
GET shows it, and apply books it through the booking service all or nothing, unless the inputs
changed meanwhile (409, discarded). A redelivered message does nothing twice; a run whose
worker died is taken over."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent, OutboxMessage
from scheduling import services
from scheduling.models import Booking, ResourceException, SolverRun
from scheduling.services import solver_runs
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import plan_with
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
