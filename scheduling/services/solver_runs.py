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
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.models import TreatmentPlan
from core.access import Principal, case_access_policy
from core.dbretry import retry_on_conflict
from core.errors import RuleError
from core.outbox import outbox_enqueue
from core.timezones import local_label
from scheduling import selectors
from scheduling.domain.fingerprint import fingerprint
from scheduling.domain.plan_solver import (
    PlanProposal,
    ProposedBooking,
    proposal_warnings,
    propose_plan,
)
from scheduling.domain.solver import solve
from scheduling.domain.types import CHANGEABLE_STATUSES, violation_body
from scheduling.domain.waitlist import WaitingPlan, waitlist_problem
from scheduling.models import Booking, SolverRun
from scheduling.selectors.plans import URGENCY_WEIGHT
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
    this plan's, not changeable, or a radiotherapy fraction (a course moves as a whole), or
    not a booking id at all (a form posted by hand)."""
    for public_id in public_ids:
        try:
            uuid.UUID(str(public_id))
        except ValueError:
            raise RuleError("Not a booking id.", field="replan", rule="invalid",
                            extra={"booking": str(public_id)[:40]}) from None
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
                     not_before: datetime | None = None,
                     now: datetime | None = None) -> SolverRun:
    """A queued run for the plan's unbooked procedures, or with ``replan`` (booking public
    ids) a repair of those bookings alone; the worker starts it after commit. ``not_before``:
    nothing is proposed to start earlier (the patient is unwell until then); it must fall
    inside the horizon."""
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise RuleError("Only an active plan can be scheduled.", field="plan", rule="not_active")
    slipped = _slipped(plan, replan)
    moment = now or timezone.now()
    if not_before is not None and not_before >= moment + timedelta(days=horizon_days):
        raise RuleError(f"not_before must fall inside the horizon of {horizon_days} days from "
                        "now: widen horizon_days.", field="not_before", rule="in_horizon")
    return _queue(principal, moment, plan=plan, horizon_days=horizon_days,
                  time_limit_s=time_limit_s, not_before=not_before,
                  kind=SolverRun.Kind.REPAIR if slipped else SolverRun.Kind.PLAN,
                  slipped=[{"id": str(b.public_id), "version": b.version} for b in slipped])


def _queue(principal: Principal | None, now: datetime | None, **fields: Any) -> SolverRun:
    """Store a queued run and enqueue its task after commit (outbox; the run's id only)."""
    run = SolverRun.objects.create(requested_by=requester(principal),
                                   inputs_at=now or timezone.now(), **fields)
    outbox_enqueue(task_name=RUN_TASK, kwargs={"run_id": run.pk},
                   dedup_key=f"{RUN_TASK}:{run.pk}")
    return run


@transaction.atomic
def solver_run_start_waitlist(*, principal: Principal, horizon_days: int, time_limit_s: float,
                              max_plans: int, now: datetime | None = None) -> SolverRun:
    """A queued run over the waiting list: the active plans with unbooked procedures, most
    urgent first (at most ``max_plans``). Only for callers who see every case (the run spans
    every board); RuleError otherwise, or when no plan is waiting."""
    if case_access_policy().case_filter(principal) is not None:
        raise RuleError("The waiting list spans every board: only callers who see every case "
                        "may plan it.", field="scope", rule="every_case", status=403)
    plans = selectors.waiting_plans(principal=principal, limit=max_plans)
    if not plans:
        raise RuleError("No plan is waiting for booking.", field="plans", rule="none_waiting",
                        status=409)
    return _queue(principal, now, plan=None, kind=SolverRun.Kind.WAITLIST,
                  plans=[str(p.public_id) for p in plans], horizon_days=horizon_days,
                  time_limit_s=time_limit_s)


def _waiting(run: SolverRun) -> list[WaitingPlan]:
    """A waiting-list run's plans as they stand (one no longer active is left out, which
    changes the fingerprint), each with its problem as of the run's ``inputs_at``."""
    plans = list(TreatmentPlan.objects.filter(
        public_id__in=run.plans, status=TreatmentPlan.Status.ACTIVE).select_related(
        "case").order_by("pk"))
    # The rules, the clocks, the catalogue and the rooms' and people's free time are read once
    # for all the plans (a few queries per plan instead of about twenty).
    shared = selectors.shared_inputs(plans=plans, now=run.inputs_at,
                                     horizon_days=run.horizon_days)
    return [WaitingPlan(plan_id=str(plan.public_id), weight=URGENCY_WEIGHT.get(
        plan.case.urgency, 1), problem=selectors.plan_problem_build(
        plan=plan, now=run.inputs_at, horizon_days=run.horizon_days, shared=shared))
        for plan in plans]


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
    move of one would not show in it); for the waiting list, its plans' problems."""
    if run.kind == SolverRun.Kind.WAITLIST:
        waiting = _waiting(run)
        return waiting, fingerprint([(w.plan_id, w.weight, w.problem) for w in waiting])
    plan = TreatmentPlan.objects.select_related("case").get(pk=run.plan_id)
    slipped = _slipped_now(run)
    problem = selectors.plan_problem_build(plan=plan, now=run.inputs_at,
                                           horizon_days=run.horizon_days, replan=slipped,
                                           not_before=run.not_before)
    versions = sorted((str(b.public_id), b.version) for b in slipped)
    return problem, fingerprint({"problem": problem, "slipped": versions})


def _notice(run: SolverRun, problem: Any) -> dict[str, Any]:
    """The notice the run's problem keeps (SolverRun.notice): the site's hours by urgency and,
    for one plan, its earliest new start. A change of the site's notice while the solver works
    changes the problem built again at the end, and the result is discarded."""
    hours = selectors.proposal_notice_hours()
    notice: dict[str, Any] = {f"{urgency}_hours": value for urgency, value in hours.items()}
    if run.kind != SolverRun.Kind.WAITLIST:
        notice["not_before"] = (problem.not_before.isoformat()
                                if problem.not_before is not None else None)
    return notice


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


def _stored(b: ProposedBooking) -> dict[str, Any]:
    """A proposed booking as a run's result stores it (``_booking_items`` reads it back)."""
    return {"procedure": b.procedure_id, "resource": b.resource_id,
            "start": b.start.isoformat(), "end": b.end.isoformat(), "fraction": b.fraction,
            "staff": list(b.staff)}


def _result(proposal: PlanProposal, slipped: Sequence[Booking]) -> dict[str, Any]:
    """The proposal as stored; a repair's items name the booking each replaces and where it
    was (the page shows each move before it is applied)."""
    was = {str(b.procedure.public_id): b for b in slipped}
    items = []
    for b in proposal.bookings:
        item = _stored(b)
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
        SolverRun.objects.filter(pk=run.pk).update(fingerprint=before,
                                                   notice=_notice(run, problem))
        if run.kind == SolverRun.Kind.WAITLIST:
            proposal, result = _solve_waitlist(run, problem)
        else:
            proposal = propose_plan(problem, time_limit=run.time_limit_s, workers=1,
                                    on_progress=_Reporter(run.pk))
            result = _result(proposal, _slipped_now(run))
        after = _problem(run)[1]
    except Exception:
        logger.exception("solver run %s failed", run.public_id)
        SolverRun.objects.filter(pk=run.pk).update(
            status=SolverRun.Status.FAILED, finished_at=timezone.now(),
            message="The solver failed; the error is in the worker's log.",
            reason=SolverRun.Reason.SOLVER_FAILED)
        return SolverRun.Status.FAILED
    elapsed = round(time.monotonic() - began, 3)
    progress = {**SolverRun.objects.values_list("progress", flat=True).get(pk=run.pk),
                "elapsed_s": elapsed}
    if "objective" in proposal.details:
        progress["objective"] = float(proposal.details["objective"])  # type: ignore[arg-type]
    status = SolverRun.Status.FINISHED
    message, reason = proposal.message, ""
    if after != before:
        status, reason = SolverRun.Status.DISCARDED, SolverRun.Reason.INPUTS_CHANGED
        message = ("The plan, its bookings or the rooms' free time changed while the solver "
                   "worked: the result was discarded. Start a new run.")
    SolverRun.objects.filter(pk=run.pk, status=SolverRun.Status.RUNNING).update(
        status=status, finished_at=timezone.now(), outcome=proposal.status, message=message,
        reason=reason,
        progress=progress, result=result if status == SolverRun.Status.FINISHED else {})
    return status


def _solve_waitlist(run: SolverRun, waiting: list[WaitingPlan]
                    ) -> tuple[PlanProposal, dict[str, Any]]:
    """Every waiting plan at once on the generic core (scheduling.domain.waitlist); the result's
    bookings name their plan, and ``skipped`` says which plans are left to their own runs."""
    end = run.inputs_at + timedelta(days=run.horizon_days)
    waitlist = waitlist_problem(waiting, now=run.inputs_at, horizon_end=end)
    began = time.monotonic()
    # With hard clocks as deadlines, half the time: if they cannot all be met together there
    # is no schedule, and the list is planned again with every clock a cost (the plans that
    # still miss theirs get no proposal and say why: Waitlist.proposals).
    first = run.time_limit_s / 2 if waitlist.clock_limits else run.time_limit_s
    solution = solve(waitlist.problem, time_limit_s=first, workers=1,
                     on_progress=_Reporter(run.pk))
    if waitlist.clock_limits and solution.status in ("infeasible", "unknown"):
        waitlist = waitlist_problem(waiting, now=run.inputs_at, horizon_end=end,
                                    clock_limits=False)
        solution = solve(waitlist.problem,
                         time_limit_s=max(1.0, run.time_limit_s - (time.monotonic() - began)),
                         workers=1, on_progress=_Reporter(run.pk))
    per_plan = waitlist.proposals(solution)
    items = [{"plan": plan_id, **_stored(b)}
             for plan_id, bookings in sorted(per_plan.items()) for b in bookings]
    # What the rules engine still finds in each plan's proposal (soft rules), as for one plan.
    problems = {w.plan_id: w.problem for w in waiting}
    warnings = [{**violation_body(v), "plan": plan_id}
                for plan_id, bookings in sorted(per_plan.items())
                for v in proposal_warnings(problems[plan_id], bookings)]
    message = {"infeasible": "No schedule of the waiting list keeps every hard rule within the "
                             "horizon: plan the plans one by one to find which.",
               "unknown": "The solver found no schedule within its time limit."}.get(
        solution.status, "")
    details = {"objective": solution.objective} if solution.objective is not None else {}
    proposal = PlanProposal(status=solution.status, message=message, details=details)
    return proposal, {"bookings": items, "warnings": warnings, "skipped": waitlist.skipped,
                      "bound": solution.bound}


def _booking_items(items: Sequence[dict[str, Any]]) -> list[ProposedBooking]:
    bookings = []
    for item in items:
        start, end = parse_datetime(item["start"]), parse_datetime(item["end"])
        if start is None or end is None:
            raise RuleError("The run's result is unreadable.", field="run", rule="corrupt")
        bookings.append(ProposedBooking(procedure_id=item["procedure"],
                                        resource_id=item["resource"], start=start, end=end,
                                        fraction=item.get("fraction"),
                                        # A run stored before people were carried names none.
                                        staff=tuple(item.get("staff", []))))
    return bookings


def _proposal(run: SolverRun) -> PlanProposal:
    return PlanProposal(status=run.outcome,
                        bookings=tuple(_booking_items(run.result.get("bookings", []))))


class _ProposalPassed(Exception):
    """A proposed booking starts before now: the proposal is out of date (the run may be
    applied only while every proposed start is still ahead)."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start.isoformat())
        self.start = start


def solver_run_first_start(run: SolverRun) -> datetime | None:
    """The earliest start the run proposes (None when it proposes nothing): the run can be
    applied until then, and is out of date after."""
    starts = [parse_datetime(item.get("start", "")) for item in run.result.get("bookings", [])]
    return min((t for t in starts if t is not None), default=None)


def solver_run_passed_start(run: SolverRun, *, now: datetime) -> datetime | None:
    """The run's first proposed start when it is already past (the run is out of date: it
    cannot be applied), else None."""
    first = solver_run_first_start(run)
    return first if first is not None and first < now else None


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
    passed = solver_run_passed_start(run, now=timezone.now())
    if passed is not None:
        raise _ProposalPassed(passed)
    if run.kind == SolverRun.Kind.REPAIR:
        created = _apply_repair(run, principal)
    elif run.kind == SolverRun.Kind.WAITLIST:
        created = _apply_waitlist(run, principal)
    else:
        created = plan_proposal_apply(plan=run.plan, proposal=_proposal(run),
                                      principal=principal)
    run.status = SolverRun.Status.APPLIED
    run.applied_at = timezone.now()
    run.applied_bookings = [str(b.public_id) for b in created]
    run.save(update_fields=["status", "applied_at", "applied_bookings"])
    return created


def _apply_waitlist(run: SolverRun, principal: Principal | None) -> list[Booking]:
    """Book every plan's proposal (plan_proposal_apply each, inside the caller's transaction:
    all plans or none)."""
    by_plan: dict[str, list[dict[str, Any]]] = {}
    for item in run.result.get("bookings", []):
        by_plan.setdefault(item["plan"], []).append(item)
    plans = {str(p.public_id): p for p in TreatmentPlan.objects.filter(
        public_id__in=list(by_plan), status=TreatmentPlan.Status.ACTIVE)}
    created: list[Booking] = []
    for plan_id, items in sorted(by_plan.items()):
        plan = plans.get(plan_id)
        if plan is None:
            raise RuleError("A plan of the run is no longer active.", field="run",
                            rule="inputs_changed", status=409)
        created += plan_proposal_apply(plan=plan, proposal=PlanProposal(
            status=run.outcome, bookings=tuple(_booking_items(items))), principal=principal)
    return created


def _apply_repair(run: SolverRun, principal: Principal | None) -> list[Booking]:
    """Move each slipped booking where the repair put it (booking_move: every check of a manual
    move; a booking changed since the run refuses with its version, and nothing moves)."""
    versions = {s["id"]: s["version"] for s in run.slipped}
    bookings = {str(b.public_id): b for b in _slipped_now(run)}
    items = run.result.get("bookings", [])
    # The rooms and the people the repair planned, in one query.
    rooms = selectors.resources_by_public_ids(
        {item["resource"] for item in items} | {pid for item in items
                                                 for pid in item.get("staff", [])})
    by_id = {str(r.public_id): r for r in rooms}
    moved: list[Booking] = []
    for item in items:
        target = item.get("replaces", {}).get("booking")
        booking = bookings.get(target or "")
        start, end = parse_datetime(item["start"]), parse_datetime(item["end"])
        named = item.get("staff", [])
        if (booking is None or start is None or end is None or item["resource"] not in by_id
                or any(pid not in by_id for pid in named)):
            raise RuleError("The repair names a booking, room or person that is gone.",
                            field="run", rule="inputs_changed", status=409)
        # A fraction moves with its course (course_move), which keeps its own people.
        staff = [by_id[pid] for pid in named] if booking.fraction_number is None else []
        outcome = bookings_service.booking_move(
            booking=booking, start=start, end=end, resource=by_id[item["resource"]],
            expected_version=versions[target or ""], principal=principal, staff=staff)
        moved.extend(outcome.bookings)
    return moved


def solver_run_apply(*, run: SolverRun, principal: Principal | None) -> list[Booking]:
    """Book a finished run's proposal as ``proposed`` bookings, all or nothing, if its inputs
    are unchanged; RuleError (409) otherwise, and the run is then marked discarded."""
    try:
        created = _apply_if_unchanged(run_id=run.pk, principal=principal)
    except _ProposalPassed as passed:
        when = local_label(passed.start)
        message = (f"The proposal is out of date: a booking it proposed for {when} has already "
                   "started. Its result was discarded, not applied. Start a new run.")
        _discard(run, message, SolverRun.Reason.PROPOSAL_PASSED)
        raise RuleError(message, field="run", rule="proposal_passed", status=409) from None
    if created is not None:
        return created
    _discard(run, "The plan, its bookings or the rooms' free time changed since the run: the "
                  "result was discarded, not applied. Start a new run.",
             SolverRun.Reason.INPUTS_CHANGED)
    raise RuleError("The inputs changed since the run: its result was discarded. Start a new "
                    "run.", field="run", rule="inputs_changed", status=409)


def _discard(run: SolverRun, message: str, reason: str) -> None:
    """A finished run that must not be applied: discarded, with why (the page shows it)."""
    SolverRun.objects.filter(pk=run.pk, status=SolverRun.Status.FINISHED).update(
        status=SolverRun.Status.DISCARDED, message=message, reason=reason)
