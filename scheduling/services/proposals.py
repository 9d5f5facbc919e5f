"""Solver proposals for a plan: compute one (CP-SAT, scheduling.domain.solver) and book it.

A proposal places the plan's procedures that have no active booking yet in the rooms' free
time within the horizon, keeping every timing rule; booking it writes ``proposed`` bookings
through booking_create, so every check applies and a slot taken meanwhile refuses the whole
proposal.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cases.domain.codes import ProcedureType
from cases.models import TreatmentPlan
from core.access import Principal
from core.dbretry import retry_on_conflict
from core.errors import RuleError
from scheduling import selectors
from scheduling.domain.plan_solver import PlanProposal, ProposedBooking, propose_plan
from scheduling.models import Booking
from scheduling.services import bookings


def plan_proposal_make(*, plan: TreatmentPlan, horizon_days: int, time_limit: float,
                       now: datetime | None = None) -> PlanProposal:
    """A proposal for the plan's unbooked procedures within ``horizon_days`` from ``now``,
    solved in at most ``time_limit`` seconds. Writes nothing; never raises for an impossible
    plan (the proposal's status says ``infeasible``, with the reason)."""
    problem = selectors.plan_problem_build(plan=plan, now=now or timezone.now(),
                                           horizon_days=horizon_days)
    return propose_plan(problem, time_limit=time_limit)


@retry_on_conflict
@transaction.atomic
def plan_proposal_apply(*, plan: TreatmentPlan, proposal: PlanProposal,
                        principal: Principal | None) -> list[Booking]:
    """Book a solver proposal as ``proposed`` bookings, all or nothing (every check of
    booking_create applies: a slot taken meanwhile raises SlotTaken and nothing is kept).
    Each booking takes the room and the people the proposal names for it (``staff``: one per
    needed kind), so the people the solver planned are those booked; booking_create still checks
    them (StaffNotSuitable, StaffUnavailable). A refusal carries the refused procedure's public
    id in ``extra["procedure"]``."""
    by_proc: dict[str, list[ProposedBooking]] = {}
    for item in proposal.bookings:
        by_proc.setdefault(item.procedure_id, []).append(item)
    procedures = {str(p.public_id): p for p in plan.procedures.all()}
    # The rooms and the people the proposal names, in one query.
    resources = {str(r.public_id): r for r in selectors.resources_by_public_ids(
        {i.resource_id for i in proposal.bookings}
        | {pid for i in proposal.bookings for pid in i.staff})}
    created: list[Booking] = []
    for procedure_id, items in by_proc.items():
        items.sort(key=lambda i: i.start)
        procedure = procedures.get(procedure_id)
        if procedure is None:
            raise RuleError("The proposal names a procedure that is not in this plan.",
                            field="procedure", rule="not_in_plan",
                            extra={"procedure": procedure_id})
        for item in items:
            resource = resources.get(item.resource_id)
            if resource is None:
                raise RuleError("The proposal names a room that does not exist.",
                                field="resource", rule="unknown_resource",
                                extra={"procedure": procedure_id})
            staff = [resources[pid] for pid in item.staff if pid in resources]
            if len(staff) != len(item.staff):
                raise RuleError("The proposal names a person who does not exist.",
                                field="staff", rule="unknown_resource",
                                extra={"procedure": procedure_id})
            try:
                outcome = bookings.booking_create(
                    procedure=procedure, resource=resource, start=item.start, end=item.end,
                    principal=principal, status=Booking.Status.PROPOSED,
                    fractions=(1 if procedure.procedure_type == ProcedureType.RADIOTHERAPY
                               else None),
                    # The people the solver planned (booking_create checks them); none named
                    # (an old proposal) lets booking_create choose.
                    staff=staff,
                )
            except RuleError as exc:
                # Name the refused procedure for the caller; the transaction undoes the rest.
                exc.extra.setdefault("procedure", procedure_id)
                raise
            created.extend(outcome.bookings)
    return created
