"""Solver runs (issue 14): a plan's proposal computed by a worker on the ``solver`` queue, stored
with its progress, and booked only while its inputs are unchanged.

- ``solver_run_start`` stores a queued run and enqueues ``scheduling.tasks.solver_run`` after
  commit (outbox). The request returns at once (202); nothing is solved inside it.
- ``solver_run_execute`` (the task) claims the run, builds the plan's problem as of the run's
  ``inputs_at``, fingerprints it (scheduling.domain.fingerprint), solves it within the run's time
  limit, writing the progress as better schedules come, and stores the result. If the problem
  built again from the same instant differs when the solver is done, the result is discarded.
- ``solver_run_apply`` books the result through plan_proposal_apply (booking_create: the same
  checks and database guarantee as a manual booking, all or nothing), after checking the
  fingerprint once more: a run whose inputs changed is discarded, not applied.

A redelivered message (a worker killed mid-run, core.taskonce) finds the run finished and does
nothing, or finds it running past its time limit plus a grace and takes it over.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.models import TreatmentPlan
from core.access import Principal
from core.dbretry import retry_on_conflict
from core.errors import RuleError
from core.outbox import outbox_enqueue
from scheduling import selectors
from scheduling.domain.fingerprint import fingerprint
from scheduling.domain.plan_solver import PlanProposal, ProposedBooking, propose_plan
from scheduling.domain.types import violation_body
from scheduling.models import Booking, SolverRun
from scheduling.services.proposals import plan_proposal_apply

logger = logging.getLogger(__name__)

RUN_TASK = "scheduling.tasks.solver_run"
# A run still "running" this long after its time limit lost its worker: a redelivery takes over.
TAKEOVER_GRACE = timedelta(seconds=60)
# Progress is written at most this often (seconds): better schedules can come every millisecond.
PROGRESS_EVERY = 0.5


def requester(principal: Principal | None) -> str:
    """Who asked, as the audit trail names them (user:<id>, client:<id>, system)."""
    if principal is None:
        return "system"
    kind, ident = principal.audit_actor
    return f"{kind}:{ident}"[:80]


@transaction.atomic
def solver_run_start(*, plan: TreatmentPlan, principal: Principal | None, horizon_days: int,
                     time_limit_s: float, now: datetime | None = None) -> SolverRun:
    """A queued run for the plan's unbooked procedures; the worker starts it after commit."""
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise RuleError("Only an active plan can be scheduled.", field="plan", rule="not_active")
    run = SolverRun.objects.create(
        plan=plan, requested_by=requester(principal), inputs_at=now or timezone.now(),
        horizon_days=horizon_days, time_limit_s=time_limit_s)
    outbox_enqueue(task_name=RUN_TASK, kwargs={"run_id": run.pk},
                   dedup_key=f"{RUN_TASK}:{run.pk}")
    return run


def _problem(run: SolverRun) -> Any:
    plan = TreatmentPlan.objects.select_related("case").get(pk=run.plan_id)
    return selectors.plan_problem_build(plan=plan, now=run.inputs_at,
                                        horizon_days=run.horizon_days)


def _claim(run_id: int, now: datetime) -> SolverRun | None:
    """Take the run for this worker: queued, or running past its limit and the grace (its
    worker died). None when it is finished, applied, or still in another worker's hands."""
    with transaction.atomic():
        run = SolverRun.objects.select_for_update(of=("self",)).filter(pk=run_id).first()
        if run is None:
            return None
        stale = (run.status == SolverRun.Status.RUNNING and run.started_at is not None
                 and run.started_at + timedelta(seconds=run.time_limit_s) + TAKEOVER_GRACE < now)
        if run.status != SolverRun.Status.QUEUED and not stale:
            return None
        run.status = SolverRun.Status.RUNNING
        run.started_at = now
        run.progress = {"elapsed_s": 0.0, "solutions": 0}
        run.save(update_fields=["status", "started_at", "progress"])
        return run


@dataclass
class _Reporter:
    """Writes the solver's progress to the run, at most every PROGRESS_EVERY seconds."""

    run_id: int
    last: float = 0.0

    def __call__(self, progress: dict[str, float]) -> None:
        moment = time.monotonic()
        if moment - self.last < PROGRESS_EVERY:
            return
        self.last = moment
        SolverRun.objects.filter(pk=self.run_id, status=SolverRun.Status.RUNNING).update(
            progress={**progress, "solutions": int(progress["solutions"])})


def _result(proposal: PlanProposal) -> dict[str, Any]:
    return {
        "bookings": [{"procedure": b.procedure_id, "resource": b.resource_id,
                      "start": b.start.isoformat(), "end": b.end.isoformat(),
                      "fraction": b.fraction} for b in proposal.bookings],
        "warnings": [violation_body(w) for w in proposal.violations],
    }


def solver_run_execute(*, run_id: int) -> str:
    """Run the solver for a claimed run (the task's body); returns the run's final status, or
    "" when there was nothing to do. No transaction is held while the solver works."""
    now = timezone.now()
    run = _claim(run_id, now)
    if run is None:
        return ""
    began = time.monotonic()
    try:
        problem = _problem(run)
        before = fingerprint(problem)
        SolverRun.objects.filter(pk=run.pk).update(fingerprint=before)
        proposal = propose_plan(problem, time_limit=run.time_limit_s, workers=1,
                                on_progress=_Reporter(run.pk))
        after = fingerprint(_problem(run))
    except Exception:
        logger.exception("solver run %s failed", run.public_id)
        SolverRun.objects.filter(pk=run.pk).update(
            status=SolverRun.Status.FAILED, finished_at=timezone.now(),
            message="The solver failed; the error is in the worker's log.")
        return SolverRun.Status.FAILED
    elapsed = round(time.monotonic() - began, 3)
    progress = {**SolverRun.objects.values_list("progress", flat=True).get(pk=run.pk),
                "elapsed_s": elapsed}
    if "objective" in proposal.details:
        progress["objective"] = float(proposal.details["objective"])  # type: ignore[arg-type]
    status = SolverRun.Status.FINISHED
    message = proposal.message
    if after != before:
        status = SolverRun.Status.DISCARDED
        message = ("The plan, its bookings or the rooms' free time changed while the solver "
                   "worked: the result was discarded. Start a new run.")
    SolverRun.objects.filter(pk=run.pk, status=SolverRun.Status.RUNNING).update(
        status=status, finished_at=timezone.now(), outcome=proposal.status, message=message,
        progress=progress, result=_result(proposal) if status == SolverRun.Status.FINISHED
        else {})
    return status


def _proposal(run: SolverRun) -> PlanProposal:
    bookings = []
    for item in run.result.get("bookings", []):
        start, end = parse_datetime(item["start"]), parse_datetime(item["end"])
        if start is None or end is None:
            raise RuleError("The run's result is unreadable.", field="run", rule="corrupt")
        bookings.append(ProposedBooking(procedure_id=item["procedure"],
                                        resource_id=item["resource"], start=start, end=end,
                                        fraction=item.get("fraction")))
    return PlanProposal(status=run.outcome, bookings=tuple(bookings))


@retry_on_conflict
@transaction.atomic
def _apply_if_unchanged(*, run_id: int, principal: Principal | None) -> list[Booking] | None:
    run = (SolverRun.objects.select_for_update(of=("self",)).select_related("plan__case")
           .get(pk=run_id))
    if run.status != SolverRun.Status.FINISHED:
        raise RuleError(f"A {run.status} run cannot be applied.", field="run",
                        rule="not_finished", status=409)
    if run.outcome not in ("optimal", "feasible") or not run.result.get("bookings"):
        raise RuleError("The run found no schedule to book.", field="run",
                        rule="no_schedule", status=409)
    if fingerprint(_problem(run)) != run.fingerprint:
        return None
    created = plan_proposal_apply(plan=run.plan, proposal=_proposal(run), principal=principal)
    run.status = SolverRun.Status.APPLIED
    run.applied_at = timezone.now()
    run.applied_bookings = [str(b.public_id) for b in created]
    run.save(update_fields=["status", "applied_at", "applied_bookings"])
    return created


def solver_run_apply(*, run: SolverRun, principal: Principal | None) -> list[Booking]:
    """Book a finished run's proposal as ``proposed`` bookings, all or nothing, if its inputs
    are unchanged; RuleError (409) otherwise, and the run is then marked discarded."""
    created = _apply_if_unchanged(run_id=run.pk, principal=principal)
    if created is not None:
        return created
    SolverRun.objects.filter(pk=run.pk, status=SolverRun.Status.FINISHED).update(
        status=SolverRun.Status.DISCARDED,
        message="The plan, its bookings or the rooms' free time changed since the run: the "
                "result was discarded, not applied. Start a new run.")
    raise RuleError("The inputs changed since the run: its result was discarded. Start a new "
                    "run.", field="run", rule="inputs_changed", status=409)
