"""Reads the timing-rules engine needs beyond the bookings (scheduling.domain.engine):

- **case clocks** (R9-R11, domain/clocks.py), one per active plan of the patient:
  - the *suspicion* is the moment the referral arrived (``Case.submitted_at``), the earliest
    time the service knows of (boardsvc's emergency alerts use the same anchor);
  - the *decision to treat* is the MDT decision behind the plan (``Decision.recorded_at``,
    asked through the port ``settings.BOARDSVC_DECISION_CLOCK`` because scheduling never imports
    boardsvc); a plan with no recorded decision (made outside an MDT meeting) falls back to its
    own creation time, which is when the decision reached scheduling;
  - MSCC is the decision-support flag (cases.selectors.case_is_emergency: an emergency referral,
    a neurological deficit or high-grade epidural compression); "spinal" is a lesion in a
    vertebra or the sacrum;
- **the linacs' closed days** (R17, domain/courses.py): per room of the patient's radiotherapy
  bookings, the dates on which it has no open time (closures, public holidays, days without
  opening hours); a course skips the days none of its linacs opens and is still on consecutive
  working days;
- **a course's days and times** (``course_intervals``): the linac's free time over the course's
  span, read after the booking service has locked the linac, planned by domain/courses.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.module_loading import import_string

from cases.domain.codes import ProcedureType, SkeletalSite
from cases.models import Lesion, PlannedProcedure, TreatmentPlan
from cases.selectors import case_is_emergency, site_thresholds_effective
from core.timezones import zone_info, zone_name
from scheduling import selectors
from scheduling.domain import engine, slots
from scheduling.domain import rules as rules_engine
from scheduling.domain.clocks import CaseClock, Deadline, clock_verdicts, deadlines, window_bounds
from scheduling.domain.courses import (
    CourseDayFull,
    closed_days,
    course_span_days,
    free_between,
    plan_course,
)
from scheduling.domain.engine import EngineContext
from scheduling.domain.errors import SlotTaken
from scheduling.domain.pathway import StopEvent
from scheduling.domain.plan_solver import StartBy
from scheduling.domain.types import (
    BookingView,
    Interval,
    RuleKind,
    Severity,
    TimingRuleSpec,
    Violation,
)
from scheduling.domain.verdicts import RuleVerdict
from scheduling.models import Booking, Resource
from scheduling.selectors import pathway as pathway_selectors

SPINAL_SITES = frozenset({SkeletalSite.VERTEBRA.value, SkeletalSite.SACRUM.value})


class DecisionClock(Protocol):
    def __call__(self, *, decision_public_ids: Iterable[Any]) -> dict[str, datetime]: ...


@cache
def _decision_clock() -> DecisionClock | None:
    path = getattr(settings, "BOARDSVC_DECISION_CLOCK", "")
    return import_string(path) if path else None


def decision_times(plans: Sequence[TreatmentPlan]) -> dict[str, datetime]:
    """When the decision behind each plan was recorded, by plan pk (str)."""
    clock = _decision_clock()
    ids = [p.decision_public_id for p in plans if p.decision_public_id is not None]
    recorded = clock(decision_public_ids=ids) if clock is not None and ids else {}
    return {str(p.pk): recorded.get(str(p.decision_public_id), p.created_at) for p in plans}


def case_clocks(*, patient_id: int) -> tuple[CaseClock, ...]:
    """One CaseClock per active plan of the patient (five queries whatever the plan count)."""
    return _clocks(TreatmentPlan.objects.filter(case__patient_id=patient_id,
                                                status=TreatmentPlan.Status.ACTIVE))


def _clocks(plans_qs: QuerySet[TreatmentPlan]) -> tuple[CaseClock, ...]:
    """One CaseClock per plan of ``plans_qs`` (five queries whatever the plan count)."""
    plans = list(
        plans_qs.select_related("case")
        .prefetch_related(
            Prefetch("case__lesions", queryset=Lesion.objects.order_by("position", "id")),
            Prefetch("procedures", queryset=PlannedProcedure.objects.only(
                "id", "plan_id", "procedure_type")),
        )
        .order_by("pk")
    )
    if not plans:
        return ()
    thresholds = site_thresholds_effective()
    decided = decision_times(plans)
    out = []
    for plan in plans:
        case = plan.case
        out.append(CaseClock(
            plan_id=str(plan.pk),
            mscc=case_is_emergency(case=case, thresholds=thresholds),
            spinal=any(lesion.site in SPINAL_SITES for lesion in case.lesions.all()),
            suspected_at=case.submitted_at,
            decided_at=decided.get(str(plan.pk)),
            plan_procedures=frozenset(p.procedure_type for p in plan.procedures.all()),
        ))
    return tuple(out)


def problem_deadlines(*, plan_pks: Sequence[int], now: datetime,
                      rules: Sequence[TimingRuleSpec] | None = None,
                      ) -> dict[str, tuple[StartBy, ...]]:
    """The clocks each active plan's proposals must meet (plan_solver.StartBy), by plan pk
    (str), soonest first, in a fixed number of queries whatever the plan count:

    - the running case clocks (R9-R11), hard while they can still be met (``now`` before the
      due time; a missed one is soft: the earliest slot is best);
    - the pathway's first-treatment clocks (CWT-31/62, soft: waiting-time standards) while the
      case has no treatment booked.

    plan_problem_build drops a clock the plan's existing bookings already answer."""
    if not plan_pks:
        return {}
    plans_qs = TreatmentPlan.objects.filter(pk__in=list(plan_pks),
                                            status=TreatmentPlan.Status.ACTIVE)
    tz = zone_name("")
    out: dict[str, list[StartBy]] = {}
    specs = selectors.rule_specs() if rules is None else rules
    for d in deadlines(rules=specs, clocks=_clocks(plans_qs)):
        out.setdefault(d.plan_id, []).append(StartBy(
            code=d.rule_code, due=d.due, procedure_types=d.procedure_types,
            earliest=d.earliest, anchor=d.anchor,
            hard=d.severity_at(now) == Severity.HARD,
            label=f"{d.rule_id}: {d.describe(tz)}", emergency=d.severity == Severity.HARD))
    targets = [t for t in pathway_selectors.clock_targets()
               if t.stop_event == StopEvent.FIRST_TREATMENT]
    if targets:
        rows = pathway_selectors.with_clocks(plans_qs.order_by("pk"), targets=targets, now=now,
                                             case_path="case")
        for row in rows:
            if row.pc_treatment_at is not None:  # a treatment is booked: it stops them
                continue
            for reading in pathway_selectors.readings(row, targets=targets, now=now):
                if reading.due_at is None or reading.stopped_at is not None:
                    continue
                when = reading.due_at.astimezone(zone_info(tz)).strftime("%a %d %b %Y")
                out.setdefault(str(row.pk), []).append(StartBy(
                    code=reading.code, due=reading.due_at,
                    label=f"{reading.clock_id}: first treatment by {when}"))
    return {plan: tuple(sorted(found, key=lambda d: (d.due, d.code)))
            for plan, found in out.items()}


def plan_deadlines(*, plan: TreatmentPlan,
                   clocks: Sequence[CaseClock] | None = None) -> list[Deadline]:
    """The clocks running for one plan (R9-R11), soonest first. ``clocks``: the patient's,
    already read (an engine context's), else read here."""
    if clocks is None:
        clocks = case_clocks(patient_id=plan.case.patient_id)
    clocks = [c for c in clocks if c.plan_id == str(plan.pk)]
    return deadlines(rules=selectors.rule_specs(), clocks=clocks)


def resource_closed_days(*, resources: Iterable[Resource], first: date,
                         last: date) -> dict[str, frozenset[date]]:
    """Per resource id: the local dates in [first, last] on which it has no open time."""
    out: dict[str, frozenset[date]] = {}
    for resource in resources:
        zone = zone_info(resource.timezone)
        window = Interval(datetime.combine(first, datetime.min.time(), tzinfo=zone),
                          datetime.combine(last + timedelta(days=1), datetime.min.time(),
                                           tzinfo=zone))
        out[str(resource.pk)] = closed_days(
            hours=selectors.resource_hours(resource),
            exceptions=selectors.resource_exceptions(resource, window),
            tz=zone_name(resource.timezone), first=first, last=last)
    return out


def _course_closed_days(bookings: Sequence[BookingView]) -> dict[str, frozenset[date]]:
    courses = [b for b in bookings if b.active and b.procedure_type == ProcedureType.RADIOTHERAPY]
    if not courses:
        return {}
    resources = list(Resource.objects.filter(pk__in={int(b.resource_id) for b in courses
                                                     if b.resource_id.isdigit()})
                     .prefetch_related("opening_hours"))
    if not resources:
        return {}
    zone = zone_info(resources[0].timezone)
    first = min(b.start for b in courses).astimezone(zone).date()
    last = max(b.end for b in courses).astimezone(zone).date()
    return resource_closed_days(resources=resources, first=first, last=last)


def engine_context(*, patient_id: int, bookings: Sequence[BookingView] = (),
                   now: datetime | None = None) -> EngineContext:
    """The clocks of the patient's active plans, ``now``, and the closed days of the linacs the
    radiotherapy among ``bookings`` uses (pass every version the caller compares, before and
    after a change, so both are judged alike)."""
    return EngineContext(clocks=case_clocks(patient_id=patient_id),
                         closed_days=_course_closed_days(bookings), now=now)


def course_intervals(*, resource: Resource, start: datetime, end: datetime, fractions: int,
                     override_reason: str = "",
                     exclude_pks: Iterable[int] = ()) -> list[Interval]:
    """The fractions of a course on ``resource`` whose first is [start, end) (R17): the next
    working days (weekends and the linac's closed days skipped), each at the same local time
    when free, else the nearest free time that day (domain/courses.plan_course). With an
    ``override_reason`` the opening hours do not bound the times, only other bookings do.
    ``exclude_pks``: bookings that do not count as busy (the course's own, when it moves).
    Raises SlotTaken naming the fraction and day that has no free time."""
    tz = zone_name(resource.timezone)
    zone = ZoneInfo(tz)
    first = start.astimezone(zone).date()
    last = first + timedelta(days=course_span_days(first, fractions))
    window = Interval(datetime.combine(first, datetime.min.time(), tzinfo=zone),
                      datetime.combine(last, datetime.min.time(), tzinfo=zone))
    busy_qs = (Booking.objects.filter(resource=resource, start__lt=window.end,
                                      end__gt=window.start)
               .exclude(status=Booking.Status.CANCELLED).exclude(pk__in=list(exclude_pks)))
    busy = [Interval(s, e) for s, e in busy_qs.values_list("start", "end")]
    exceptions = selectors.resource_exceptions(resource, window)
    hours = selectors.resource_hours(resource)
    closed = closed_days(hours=hours, exceptions=exceptions, tz=tz, first=first, last=last)
    if override_reason.strip():
        free = free_between(window, busy)
    else:
        free = slots.free_periods(hours=hours, exceptions=exceptions, busy=busy, tz=tz,
                                  window=window)
    try:
        return plan_course(start=start, duration=end - start, fractions=fractions, tz=tz,
                           closed=closed, free=free)
    except CourseDayFull as exc:
        raise SlotTaken(
            f"{resource.name} has no free time on {exc.day:%a %d %b %Y} for fraction "
            f"{exc.fraction} of the course: choose another start or linac.") from None


@dataclass(frozen=True)
class PlanEngineReport:
    """What the engine says of one plan with its context: every violation (bookings, clocks,
    courses), the running deadlines, and one verdict per clock rule."""

    violations: list[Violation]
    deadlines: list[Deadline]
    clock_verdicts: list[RuleVerdict]
    clock_codes: frozenset[str]


def plan_engine_report(*, plan: TreatmentPlan, own: Sequence[BookingView],
                       views: Sequence[BookingView], rules: Sequence[TimingRuleSpec], tz: str,
                       now: datetime, context: EngineContext | None = None,
                       ) -> PlanEngineReport:
    """The plan's bookings (``own``) judged against the patient's (``views``) with the clocks,
    ``now`` and the linac's closed days (for the validation report and the timeline).
    ``context``: one already built over ``views`` (and perhaps more) at ``now``, so a caller
    that judged the bookings already does not read the clocks again."""
    if context is None:
        context = engine_context(patient_id=plan.case.patient_id, bookings=views, now=now)
    violations = engine.evaluate(bookings=own, rules=rules, history=views, tz=tz,
                                 context=context)
    clock = next((c for c in context.clocks if c.plan_id == str(plan.pk)),
                 CaseClock(plan_id=str(plan.pk)))
    occurrences = rules_engine.occurrences_from_bookings(views)
    return PlanEngineReport(
        violations=violations,
        deadlines=deadlines(rules=rules, clocks=[clock]),
        clock_verdicts=clock_verdicts(rules=rules, clock=clock, occurrences=occurrences,
                                      violations=violations, tz=tz, now=now),
        clock_codes=frozenset(r.code for r in rules if r.kind == RuleKind.CLOCK),
    )


def clip_windows(placed: rules_engine.PlacementWindows, *, procedure_type: str, plan_id: str,
                 running: Sequence[Deadline],
                 now: datetime | None) -> rules_engine.PlacementWindows:
    """``placed`` narrowed to the running clocks' deadlines for ``procedure_type`` (a missed
    deadline narrows nothing: the earliest slot is best)."""
    lo, hi, codes = window_bounds(procedure_type=procedure_type, plan_id=plan_id,
                                  deadlines_=running, now=now)
    if not codes:
        return placed

    def clip(windows: Sequence[rules_engine.StartWindow]) -> tuple[rules_engine.StartWindow, ...]:
        out = []
        for w in windows:
            start = w.earliest if lo is None else max(w.earliest, lo)
            end = w.latest if hi is None else min(w.latest, hi)
            if start <= end:
                out.append(rules_engine.StartWindow(start, end))
        return tuple(out)

    return rules_engine.PlacementWindows(hard=clip(placed.hard), preferred=clip(placed.preferred),
                                         reasons=tuple(dict.fromkeys([*placed.reasons, *codes])))
