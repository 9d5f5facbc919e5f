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
from collections.abc import Sequence
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
from scheduling.domain.types import CHANGEABLE_STATUSES, violation_body
from scheduling.models import Booking, SolverRun
from scheduling.services import bookings as bookings_service
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


def _slipped(plan: TreatmentPlan, public_ids: Sequence[str]) -> list[Booking]:
    """The plan's bookings a repair re-plans; RuleError naming ``replan`` for one that is not
    this plan's, not changeable, or a radiotherapy fraction (a course moves as a whole)."""
    found = {str(b.public_id): b for b in Booking.objects.filter(
        plan=plan, public_id__in=list(public_ids)).select_related("procedure")}
    slipped = []
    for public_id in dict.fromkeys(str(i) for i in public_ids):
        booking = found.get(public_id)
        if booking is None:
            raise RuleError("Not a booking of this plan.", field="replan", rule="not_in_plan",
                            extra={"booking": public_id})
        if booking.status not in CHANGEABLE_STATUSES:
            raise RuleError(f"A {booking.status} booking cannot be re-planned.", field="replan",
                            rule="not_changeable", extra={"booking": public_id})
        if booking.fraction_number is not None:
            raise RuleError("A radiotherapy fraction moves with its course: move the course.",
                            field="replan", rule="course_fraction", extra={"booking": public_id})
        slipped.append(booking)
    return slipped


@transaction.atomic
def solver_run_start(*, plan: TreatmentPlan, principal: Principal | None, horizon_days: int,
                     time_limit_s: float, replan: Sequence[str] = (),
                     now: datetime | None = None) -> SolverRun:
    """A queued run for the plan's unbooked procedures, or with ``replan`` (booking public
    ids) a repair of those bookings alone; the worker starts it after commit."""
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise RuleError("Only an active plan can be scheduled.", field="plan", rule="not_active")
    slipped = _slipped(plan, replan)
    run = SolverRun.objects.create(
        plan=plan, requested_by=requester(principal), inputs_at=now or timezone.now(),
        horizon_days=horizon_days, time_limit_s=time_limit_s,
        kind=SolverRun.Kind.REPAIR if slipped else SolverRun.Kind.PLAN,
        slipped=[{"id": str(b.public_id), "version": b.version} for b in slipped])
    outbox_enqueue(task_name=RUN_TASK, kwargs={"run_id": run.pk},
                   dedup_key=f"{RUN_TASK}:{run.pk}")
    return run


def _slipped_now(run: SolverRun) -> list[Booking]:
    """A repair's bookings as they are now (one cancelled meanwhile is left out, which changes
    the fingerprint)."""
    if not run.slipped:
        return []
    return list(Booking.objects.filter(
        plan_id=run.plan_id, public_id__in=[s["id"] for s in run.slipped],
        status__in=list(CHANGEABLE_STATUSES)).select_related("procedure", "resource"))


def _problem(run: SolverRun) -> tuple[Any, str]:
    """The run's problem as the data stand now, and its fingerprint: the problem itself and,
    for a repair, each slipped booking's version (the problem leaves those bookings out, so a
    move of one would not show in it)."""
    plan = TreatmentPlan.objects.select_related("case").get(pk=run.plan_id)
    slipped = _slipped_now(run)
    problem = selectors.plan_problem_build(plan=plan, now=run.inputs_at,
                                           horizon_days=run.horizon_days, replan=slipped)
    versions = sorted((str(b.public_id), b.version) for b in slipped)
    return problem, fingerprint({"problem": problem, "slipped": versions})


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


def _result(proposal: PlanProposal, slipped: Sequence[Booking]) -> dict[str, Any]:
    """The proposal as stored; a repair's items name the booking each replaces and where it
    was (the page shows each move before it is applied)."""
    was = {str(b.procedure.public_id): b for b in slipped}
    items = []
    for b in proposal.bookings:
        item: dict[str, Any] = {"procedure": b.procedure_id, "resource": b.resource_id,
                                "start": b.start.isoformat(), "end": b.end.isoformat(),
                                "fraction": b.fraction}
        old = was.get(b.procedure_id)
        if old is not None:
            item["replaces"] = {"booking": str(old.public_id),
                                "resource": str(old.resource.public_id),
                                "start": old.start.isoformat(), "end": old.end.isoformat()}
        items.append(item)
    return {"bookings": items, "warnings": [violation_body(w) for w in proposal.violations]}


def solver_run_execute(*, run_id: int) -> str:
    """Run the solver for a claimed run (the task's body); returns the run's final status, or
    "" when there was nothing to do. No transaction is held while the solver works."""
    now = timezone.now()
    run = _claim(run_id, now)
    if run is None:
        return ""
    began = time.monotonic()
    try:
        problem, before = _problem(run)
        SolverRun.objects.filter(pk=run.pk).update(fingerprint=before)
        proposal = propose_plan(problem, time_limit=run.time_limit_s, workers=1,
                                on_progress=_Reporter(run.pk))
        after = _problem(run)[1]
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
        progress=progress, result=_result(proposal, _slipped_now(run))
        if status == SolverRun.Status.FINISHED else {})
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
    if _problem(run)[1] != run.fingerprint:
        return None
    if run.kind == SolverRun.Kind.REPAIR:
        created = _apply_repair(run, principal)
    else:
        created = plan_proposal_apply(plan=run.plan, proposal=_proposal(run),
                                      principal=principal)
    run.status = SolverRun.Status.APPLIED
    run.applied_at = timezone.now()
    run.applied_bookings = [str(b.public_id) for b in created]
    run.save(update_fields=["status", "applied_at", "applied_bookings"])
    return created


def _apply_repair(run: SolverRun, principal: Principal | None) -> list[Booking]:
    """Move each slipped booking where the repair put it (booking_move: every check of a manual
    move; a booking changed since the run refuses with its version, and nothing moves)."""
    versions = {s["id"]: s["version"] for s in run.slipped}
    bookings = {str(b.public_id): b for b in _slipped_now(run)}
    rooms = selectors.resources_by_public_ids(
        {item["resource"] for item in run.result.get("bookings", [])})
    by_id = {str(r.public_id): r for r in rooms}
    moved: list[Booking] = []
    for item in run.result.get("bookings", []):
        target = item.get("replaces", {}).get("booking")
        booking = bookings.get(target or "")
        start, end = parse_datetime(item["start"]), parse_datetime(item["end"])
        if booking is None or start is None or end is None or item["resource"] not in by_id:
            raise RuleError("The repair names a booking or room that is gone.", field="run",
                            rule="inputs_changed", status=409)
        outcome = bookings_service.booking_move(
            booking=booking, start=start, end=end, resource=by_id[item["resource"]],
            expected_version=versions[target or ""], principal=principal)
        moved.extend(outcome.bookings)
    return moved


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
