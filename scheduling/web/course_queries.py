"""Page reads for the case clocks (R9-R11) and radiotherapy courses (R17) on the booking pages
(reads only; scheduling.services writes).

- the deadlines a booking must meet, shown with the rule check before confirming;
- the days and times a course would take (booking a course, moving a fraction and the rest of
  its course), planned as the service will plan them;
- the engine's before/after comparison with the clocks, ``now`` and the linac's closed days;
- "emergency" slots first: for a procedure with a running clock, today's and the earliest free
  slots across every suitable room, before the deadline when possible.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from cases.domain.codes import ProcedureType
from cases.models import PlannedProcedure, TreatmentPlan
from scheduling import engine_context, selectors
from scheduling.domain import engine
from scheduling.domain.clocks import Deadline
from scheduling.domain.engine import EngineContext
from scheduling.domain.errors import SlotTaken
from scheduling.domain.types import BookingView, Interval, TimingRuleSpec, Violation
from scheduling.models import Booking, Resource


def evaluate_change(*, before: list[BookingView], after: list[BookingView],
                    rules: Sequence[TimingRuleSpec], tz: str,
                    context: EngineContext) -> tuple[list[Violation], list[Violation]]:
    """The engine's violations before and after a change, judged with the clocks, ``now`` and
    the linac's closed days (``context``, built over both versions with
    ``engine_context.engine_context``), as the booking services judge it."""
    return (engine.evaluate(bookings=before, rules=rules, tz=tz, context=context),
            engine.evaluate(bookings=after, rules=rules, tz=tz, context=context))


def deadline_rows(*, plan: TreatmentPlan, procedure_type: str, start: datetime | None,
                  tz: str, context: EngineContext | None = None) -> list[dict[str, Any]]:
    """The clocks the procedure must meet, for the page: rule, severity now, the deadline
    sentence, and whether ``start`` (when given) meets it. ``context``: the engine context
    already built for the same page (its clocks and ``now``)."""
    now = context.now if context is not None and context.now is not None else timezone.now()
    rows = []
    clocks = context.clocks if context is not None else None
    for deadline in engine_context.plan_deadlines(plan=plan, clocks=clocks):
        if procedure_type not in deadline.procedure_types:
            continue
        rows.append(_deadline_row(deadline, start=start, tz=tz, now=now))
    return rows


def _deadline_row(deadline: Deadline, *, start: datetime | None, tz: str,
                  now: datetime) -> dict[str, Any]:
    meets = None if start is None else start <= deadline.due and (
        deadline.earliest is None or start >= deadline.earliest)
    late = start - deadline.due if start is not None and start > deadline.due else None
    return {
        "rule_id": deadline.rule_id, "rule_code": deadline.rule_code,
        "severity": deadline.severity_at(now).value, "due": deadline.due,
        "missed": deadline.missed(now), "meets": meets, "late": late,
        "message": deadline.describe(tz), "rationale": deadline.rationale,
        "source": deadline.source,
    }


def course_size(procedure: PlannedProcedure) -> int:
    """How many fractions the booking page books for a radiotherapy procedure: those planned
    and not booked yet (1 for any other procedure)."""
    if procedure.procedure_type != ProcedureType.RADIOTHERAPY:
        return 1
    booked = Booking.objects.filter(procedure=procedure, fraction_number__isnull=False).exclude(
        status=Booking.Status.CANCELLED).count()
    return max(1, (procedure.fractions or 1) - booked)


def booking_intervals(*, procedure: PlannedProcedure, resource: Resource, start: datetime,
                      end: datetime) -> tuple[list[Interval], str]:
    """The intervals booking ``procedure`` at [start, end) would write: one, or a whole course
    (planned as booking_create plans it); and the error that would refuse it ("" if none)."""
    count = course_size(procedure)
    if count == 1:
        return [Interval(start, end)], ""
    try:
        return engine_context.course_intervals(resource=resource, start=start, end=end,
                                               fractions=count), ""
    except SlotTaken as exc:
        return [Interval(start, end)], exc.message


def move_intervals(*, booking: Booking, resource: Resource, start: datetime,
                   end: datetime) -> tuple[list[tuple[Booking, Interval]], str]:
    """The bookings a move would write and where: the booking alone, or for a radiotherapy
    fraction the rest of its course (scheduling.services.courses.course_move); and the error
    that would refuse it ("" if none)."""
    if booking.fraction_number is None:
        return [(booking, Interval(start, end))], ""
    moving = [b for b in selectors.course_pending(booking)
              if (b.start, b.pk) >= (booking.start, booking.pk)]
    try:
        intervals = engine_context.course_intervals(
            resource=resource, start=start, end=end, fractions=len(moving),
            exclude_pks=[b.pk for b in moving])
    except SlotTaken as exc:
        return [(booking, Interval(start, end))], exc.message
    return list(zip(moving, intervals, strict=True)), ""


def moved_views(before: list[BookingView], moves: list[tuple[Booking, Interval]],
                resource: Resource) -> list[BookingView]:
    """``before`` with each moved booking at its new interval on ``resource``."""
    where = {str(b.public_id): i for b, i in moves}
    return [dataclasses.replace(v, start=where[v.booking_id].start, end=where[v.booking_id].end,
                                resource_id=str(resource.pk)) if v.booking_id in where else v
            for v in before]


def urgency(*, plan: TreatmentPlan, procedure: PlannedProcedure,
            tz: str) -> dict[str, Any] | None:
    """The clocks (R9-R11) the procedure must meet, or the MSCC emergency of its case: then the
    booking page opens on today and offers the earliest slots first. None otherwise."""
    rows = deadline_rows(plan=plan, procedure_type=procedure.procedure_type, start=None, tz=tz)
    mscc = any(c.mscc for c in engine_context.case_clocks(patient_id=plan.case.patient_id)
               if c.plan_id == str(plan.pk))
    if not rows and not mscc:
        return None
    return {"deadlines": rows, "mscc": mscc,
            "due": min((r["due"] for r in rows if not r["missed"]), default=None)}


def earliest_starts(*, groups: list[dict[str, Any]], due: datetime | None, tz: str,
                    limit: int = 8) -> list[dict[str, Any]]:
    """The earliest free starts across every room of the booking page's ``groups`` (today's
    first, as they come first), each marked whether it is today and meets the deadline."""
    zone = ZoneInfo(tz)
    today = timezone.now().astimezone(zone).date()
    starts = sorted(((moment, group["resource"]) for group in groups
                     for day in group["days"] for moment in day["starts"]),
                    key=lambda item: (item[0], item[1].name))
    return [{"start": moment, "resource": room, "today": moment.astimezone(zone).date() == today,
             "meets": due is None or moment <= due} for moment, room in starts[:limit]]


def first_start_today(now: datetime, step: timedelta = timedelta(minutes=15)) -> datetime:
    """``now`` rounded up to the next ``step`` (emergency slots start from the present)."""
    seconds = step.total_seconds()
    stamp = now.timestamp()
    rounded = -(-stamp // seconds) * seconds
    return datetime.fromtimestamp(rounded, tz=now.tzinfo)
