"""A solver run through the real broker and a real worker consuming the ``solver`` queue
(.ci/run integration phase): the request only queues it; the worker solves it, its progress
and result are readable while the request that started it is long gone, and applying it books
the proposal."""

from __future__ import annotations

from rest_framework.test import APIClient

from core.models import OutboxMessage, TaskReceipt
from scheduling.models import Booking, SolverRun
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import plan_with
from tests.support.scheduling import BASE, PREOP
from tests.support.worker import REAL_WORKER, poll

pytestmark = REAL_WORKER


def test_the_solver_queue_worker_runs_it_and_the_result_is_applied(worker_rooms,
                                                                  coordinator):
    plan, _ = plan_with(PREOP, "surgery", case=CaseFactory(requested_board="bone-mets-spine"))
    client = APIClient()
    client.force_authenticate(coordinator)
    response = client.post(f"{BASE}/plans/{plan.public_id}/solver-runs/",
                           {"horizon_days": 14, "time_limit_s": 3}, format="json")
    assert response.status_code == 202, response.content
    run_id = response.json()["id"]

    assert poll(lambda: SolverRun.objects.get(public_id=run_id).status == "finished",
                timeout=90), SolverRun.objects.get(public_id=run_id).status
    body = client.get(f"{BASE}/solver-runs/{run_id}/").json()
    assert body["outcome"] in {"optimal", "feasible"}
    assert body["progress"]["solutions"] >= 1
    applied = client.post(f"{BASE}/solver-runs/{run_id}/apply/")
    assert applied.status_code == 201, applied.content
    assert Booking.objects.filter(plan=plan, status="proposed").count() == 2

    # The bookings queued their plan re-checks: let the shared worker finish them before the
    # test's database is emptied (a TRUNCATE racing a running task deadlocks).
    def settled() -> bool:
        queued = {str(i) for i in OutboxMessage.objects.exclude(
            task_name="scheduling.tasks.solver_run").values_list("id", flat=True)}
        return queued <= set(TaskReceipt.objects.values_list("task_id", flat=True))

    assert poll(settled, timeout=60), "the worker did not finish the re-checks"
