"""Reads that judge a plan: free slots, the validation report (violations, verdicts, deadlines,
allowed windows) and the solver's input (scheduling.domain.solver).

The case clocks (R9-R11), the linac's closed days and the doses (R17) are not bookings: the
engine's context adds them (scheduling/engine_context.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Case, Exists, FloatField, Func, OuterRef, Value, When

from cases.domain.codes import Urgency
from cases.models import PlannedProcedure, TreatmentPlan
from cases.selectors import case_scope_q, site_thresholds_effective
from core.timezones import zone_info, zone_name
from scheduling.domain import courses, slots
from scheduling.domain import rules as rules_engine
from scheduling.domain.catalogue import PROCEDURE_DEFAULTS, STAFF_KINDS
from scheduling.domain.plan_solver import (
    PlanProblem,
    ProcedureToPlace,
    ResourceFreeTime,
    StartBy,
)
from scheduling.domain.types import (
    MAX_BOOKING_LENGTH,
    AvailabilityException,
    ExceptionKind,
    Interval,
    TimingRuleSpec,
)
from scheduling.domain.verdicts import RuleVerdict, assess
from scheduling.models import Booking, BookingStaff, Resource, ResourceException, Violation
from scheduling.selectors.records import resource_list
from scheduling.selectors.values import (
    catalogue_entry,
    patient_booking_views,
    placement_request,
    plan_procedures,
    planned_view,
    public_id_or_none,
    resource_busy,
    resource_exceptions,
    resource_hours,
    rule_specs,
)

CANCELLED = Booking.Status.CANCELLED
RADIOTHERAPY = "radiotherapy"


def resource_free_slots(*, resource: Resource, procedure_type: str, date_from: datetime,
                        date_to: datetime) -> list[Interval]:
    """Free periods of ``resource`` long enough for ``procedure_type`` (catalogue duration)."""
    window = Interval(date_from, date_to)
    entry = catalogue_entry(procedure_type)
    return slots.free_periods(
        hours=resource_hours(resource),
        exceptions=resource_exceptions(resource, window),
        busy=resource_busy(resource, window),
        tz=resource.timezone,
        window=window,
        min_duration=timedelta(minutes=entry.duration_minutes),
    )


@dataclass(frozen=True)
class ValidationReport:
    plan: TreatmentPlan
    violations: list[rules_engine.Violation]
    stored: list[Violation]
    windows: list[dict[str, Any]]
    verdicts: list[RuleVerdict]
    # The case clocks running for the plan (R9-R11: scheduling.domain.clocks.Deadline), and the
    # zone their times are told in.
    deadlines: list[Any] = field(default_factory=list)
    tz: str = ""  # empty: the site's zone (core.timezones)


def plan_validation_report(*, plan: TreatmentPlan, now: datetime,
                           horizon_days: int = 42) -> ValidationReport:
    """The plan's violations now (computed) and as stored, a verdict per rule (satisfied,
    violated, pending or not applicable with the reason: domain/verdicts.py), plus allowed start
    windows for each procedure not yet booked."""
    patient_id = plan.case.patient_id
    all_views = patient_booking_views(patient_id=patient_id)
    own = [v for v in all_views if v.plan_id == str(plan.pk)]
    specs = rule_specs()
    tz = plan_tz(plan)
    procedures = plan_procedures(plan)
    # The clocks (R9-R11), the linac's closed days and the doses (R17) are not bookings: the
    # engine's context adds them (scheduling/engine_context.py, which reads through this
    # module, hence the import here). The verdicts are read from the same violations.
    from scheduling import engine_context

    report = engine_context.plan_engine_report(plan=plan, own=own, views=all_views, rules=specs,
                                               tz=tz, now=now)
    violations = report.violations
    assessment = assess(bookings=own, rules=specs, history=all_views, tz=tz,
                        planned=[planned_view(p, patient_id=patient_id) for p in procedures],
                        violations=violations)
    verdicts = [v for v in assessment.verdicts if v.rule_code not in report.clock_codes]
    verdicts += report.clock_verdicts
    stored = list(
        Violation.objects.filter(plan=plan).exclude(status=Violation.Status.RESOLVED)
        .order_by("rule_id", "id")
    )
    booked = {v.procedure_id for v in own}
    windows = []
    # From now until ``horizon_days`` after the plan's last booking (plans are often booked
    # weeks ahead, and windows beyond the last booking are what a coordinator needs next).
    last_end = max((v.end for v in own), default=now)
    horizon = (now, max(now, last_end) + timedelta(days=horizon_days))
    for procedure in procedures:
        if str(procedure.public_id) in booked:
            continue
        placed = rules_engine.allowed_windows(
            request=placement_request(procedure, patient_id=patient_id), bookings=all_views,
            rules=specs, horizon=horizon,
        )
        placed = engine_context.clip_windows(placed, procedure_type=procedure.procedure_type,
                                             plan_id=str(plan.pk), running=report.deadlines,
                                             now=now)
        windows.append({"procedure": procedure, "windows": placed})
    return ValidationReport(plan=plan, violations=violations, stored=stored, windows=windows,
                            verdicts=verdicts, deadlines=report.deadlines, tz=tz)


def _session_partners(procedure: PlannedProcedure) -> list[str]:
    """Public ids of the procedures planned in the same session as this one (either side of
    the ``same_session_with`` link)."""
    out = [str(procedure.same_session_with.public_id)] if procedure.same_session_with else []
    out += [str(pid) for pid in PlannedProcedure.objects.filter(
        same_session_with=procedure).values_list("public_id", flat=True)]
    return out


def plan_tz(plan: TreatmentPlan) -> str:
    """The zone of the rooms the plan uses; the site's zone otherwise."""
    tz = (
        Booking.objects.filter(plan=plan).values_list("resource__timezone", flat=True).first()
    )
    return zone_name(tz)


def _exceptions_by_resource(ids: list[int], window: Interval
                            ) -> dict[int, list[AvailabilityException]]:
    """The closures and extra openings of these resources overlapping ``window``, by resource
    id (one query; as values.resource_exceptions reads them for one resource)."""
    out: dict[int, list[AvailabilityException]] = {}
    if not ids:
        return out
    rows = (ResourceException.objects.filter(resource_id__in=ids, start__lt=window.end,
                                             end__gt=window.start)
            .order_by("resource_id", "start", "pk")
            .values_list("resource_id", "kind", "start", "end"))
    for resource_id, kind, start, end in rows:
        out.setdefault(resource_id, []).append(
            AvailabilityException(ExceptionKind(kind), start, end))
    return out


class _EpochSeconds(Func):
    """A datetime column as seconds since 1970-01-01 UTC (a float). The solver's input reads
    tens of thousands of busy instants over its four-week horizon (about 17,000 bookings on 40
    rooms at the benchmark's scale 1); parsing each as a datetime in Python (the database
    drivers' text loaders) was most of plan_problem_build's time."""

    output_field = FloatField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection,
                              template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS "
                                       "double precision)", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # SQLite keeps datetimes as UTC text; julianday() reads it (about 50 µs resolution).
        return super().as_sql(compiler, connection,
                              template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
                              **extra)


def _instant(seconds: float) -> datetime:
    """An aware UTC datetime from ``_EpochSeconds``, to the millisecond (exact for the whole
    minutes bookings start and end on, so a start right after a booking stays free)."""
    return datetime.fromtimestamp(round(seconds, 3), tz=UTC)


def _busy_by_resource(*, rooms: list[int], people: list[int], window: Interval,
                      ignore: Collection[int] = ()) -> dict[int, list[Interval]]:
    """The busy time of these rooms (their active bookings) and people (the bookings they are
    staffed on) inside ``window``, by resource id: one query for the rooms, one for the people,
    each bounded on the start index from both sides (a booking lasts at most
    MAX_BOOKING_LENGTH), as values.resource_busy reads one resource."""
    out: dict[int, list[Interval]] = {}
    since = window.start - MAX_BOOKING_LENGTH
    span = {"s": _EpochSeconds("start"), "e": _EpochSeconds("end")}
    if rooms:
        booked = (Booking.objects.filter(resource_id__in=rooms, start__lt=window.end,
                                         start__gte=since, end__gt=window.start)
                  .exclude(status=CANCELLED).exclude(pk__in=list(ignore))
                  .order_by().annotate(**span)
                  .values_list("resource_id", "s", "e"))
        for resource_id, start, end in booked:
            out.setdefault(resource_id, []).append(Interval(_instant(start), _instant(end)))
    if people:
        staffed = (BookingStaff.objects.filter(resource_id__in=people, active=True,
                                               start__lt=window.end, start__gte=since,
                                               end__gt=window.start)
                   .exclude(booking_id__in=list(ignore))
                   .order_by().annotate(**span).values_list("resource_id", "s", "e"))
        for resource_id, start, end in staffed:
            out.setdefault(resource_id, []).append(Interval(_instant(start), _instant(end)))
    return out


@dataclass
class SharedInputs:
    """What every plan of one waiting-list build reads alike (one window, nothing moving): the
    rules, the catalogue entries, each set of kinds' rooms and people and each one's free time,
    read and computed once for all the plans instead of once per plan. Fresh for each build:
    it holds the database as it was when first read."""

    window: Interval
    rules: tuple[TimingRuleSpec, ...] | None = None
    entries: dict[str, Any] = field(default_factory=dict)
    resources: dict[frozenset[str], list[Resource]] = field(default_factory=dict)
    free: dict[int, ResourceFreeTime] = field(default_factory=dict)
    # Each resource's local dates without any open time in the window (holidays, closures,
    # days without hours): a radiotherapy course's next working day skips them.
    closed_days: dict[int, frozenset[date]] = field(default_factory=dict)
    # The clocks of every plan of the build, by plan pk (str): engine_context.problem_deadlines
    # read for all of them at once; None reads them per plan.
    deadlines: dict[str, tuple[StartBy, ...]] | None = None
    # The site's effective thresholds (the notice before a first booking): read once.
    thresholds: dict[str, float] | None = None


def shared_inputs(*, plans: Sequence[TreatmentPlan], now: datetime,
                  horizon_days: int) -> SharedInputs:
    """What a waiting-list build of ``plans`` from ``now`` over ``horizon_days`` shares: its
    window, the rules, and every plan's clocks (engine_context.problem_deadlines: a few
    queries for all of them); rooms and free time are added as plan_problem_build reads them."""
    # The engine's context reads through this module (hence the import here).
    from scheduling import engine_context

    rules = tuple(rule_specs())
    return SharedInputs(
        window=Interval(now, now + timedelta(days=horizon_days)), rules=rules,
        deadlines=engine_context.problem_deadlines(plan_pks=[p.pk for p in plans], now=now,
                                                   rules=rules))


def plan_problem_build(*, plan: TreatmentPlan, now: datetime, horizon_days: int = 28,
                       granularity_minutes: int = 15,
                       replan: Collection[Booking] = (),
                       shared: SharedInputs | None = None,
                       not_before: datetime | None = None) -> PlanProblem:
    """The solver's input for the plan's procedures that have no active booking yet; with
    ``replan`` (a repair: bookings of this plan that slipped), for those bookings' procedures
    only, as if those bookings did not exist, every other booking fixed. ``shared`` (the
    waiting list: many plans, the same window, no replan) reuses what the plans read alike.
    ``not_before``: the coordinator's earliest start (the patient is unwell until then, or
    asked for a later date), kept whatever the urgency, on top of the site's notice."""
    patient_id = plan.case.patient_id
    moving = {b.pk for b in replan}
    moving_ids = {str(b.public_id) for b in replan}
    views = [v for v in patient_booking_views(patient_id=patient_id)
             if v.booking_id not in moving_ids]
    booked = {v.procedure_id for v in views}
    only = {str(b.procedure.public_id) for b in replan}
    window = Interval(now, now + timedelta(days=horizon_days))
    if shared is None:
        shared = SharedInputs(window=window)
    elif moving or shared.window != window:
        raise ValueError("shared inputs serve one window and no replan")
    procedures = []
    needed_kinds: set[str] = set()
    for procedure in plan_procedures(plan):
        if str(procedure.public_id) in booked or procedure.procedure_type not in PROCEDURE_DEFAULTS:
            continue
        if only and str(procedure.public_id) not in only:
            continue
        entry = shared.entries.get(procedure.procedure_type)
        if entry is None:
            entry = shared.entries[procedure.procedure_type] = catalogue_entry(
                procedure.procedure_type)
        needed_kinds.update(entry.resource_kinds)
        needed_kinds.update(k for k in entry.staff_kinds if k in STAFF_KINDS)
        procedures.append((procedure, entry))
    key = frozenset(needed_kinds)
    if key not in shared.resources:
        shared.resources[key] = list(resource_list().filter(kind__in=needed_kinds, active=True))
    resources = shared.resources[key]
    # People a procedure needs, per kind (a kind nobody has a calendar for is not asked for:
    # scheduling.services.staffing.staff_need).
    people: dict[str, tuple[str, ...]] = {}
    for r in resources:
        if r.kind in STAFF_KINDS:
            people[r.kind] = (*people.get(r.kind, ()), str(r.public_id))
    # One query each for every resource's closures and busy time (rooms, then people), grouped
    # here: the solver's input costs the same number of queries for 6 rooms or 46 (and, with
    # ``shared``, nothing for a resource an earlier plan read).
    unread = [r for r in resources if r.pk not in shared.free]
    if unread:
        exceptions = _exceptions_by_resource([r.pk for r in unread], window)
        busy = _busy_by_resource(rooms=[r.pk for r in unread if r.kind not in STAFF_KINDS],
                                 people=[r.pk for r in unread if r.kind in STAFF_KINDS],
                                 window=window, ignore=moving)
        for resource in unread:
            if resource.kind not in STAFF_KINDS:  # a course's days off are its rooms'
                zone = zone_info(resource.timezone)
                shared.closed_days[resource.pk] = courses.closed_days(
                    hours=resource_hours(resource), exceptions=exceptions.get(resource.pk, []),
                    tz=zone_name(resource.timezone), first=window.start.astimezone(zone).date(),
                    last=window.end.astimezone(zone).date())
            shared.free[resource.pk] = ResourceFreeTime(
                resource_id=str(resource.public_id),
                free=tuple(slots.free_periods(
                    hours=resource_hours(resource),
                    exceptions=exceptions.get(resource.pk, []),
                    busy=busy.get(resource.pk, []),
                    tz=resource.timezone, window=window,
                )),
            )
    free = [shared.free[r.pk] for r in resources]
    # A procedure whose same-session partner is already booked goes in the partner's room.
    partner_room = {
        str(b.procedure.public_id): str(b.resource.public_id)
        for b in Booking.objects.filter(plan=plan).exclude(status=CANCELLED)
        .exclude(pk__in=moving).select_related("procedure", "resource")
    }
    to_place = []
    for procedure, entry in procedures:
        fractions = 1
        if procedure.procedure_type == RADIOTHERAPY:
            fractions = procedure.fractions or 1
        partners = _session_partners(procedure)
        hosts = [r for r in resources if r.kind in entry.resource_kinds]
        rooms = tuple(str(r.public_id) for r in hosts)
        # A course's days off: the dates none of its rooms opens (every room's, together).
        off = (frozenset.intersection(*(shared.closed_days[r.pk] for r in hosts))
               if fractions > 1 and hosts else frozenset())
        fixed_rooms = {partner_room[p] for p in partners if p in partner_room}
        if fixed_rooms:
            rooms = tuple(r for r in rooms if r in fixed_rooms)
        to_place.append(ProcedureToPlace(
            procedure_id=str(procedure.public_id),
            procedure_type=procedure.procedure_type,
            duration=timedelta(minutes=entry.duration_minutes),
            resource_ids=rooms,
            patient_id=str(patient_id),
            lesion_id=str(procedure.target_lesion_id) if procedure.target_lesion_id else None,
            purpose=procedure.purpose or "",
            fractions=fractions,
            prepares_id=public_id_or_none(procedure.prepares),
            same_session_with=public_id_or_none(procedure.same_session_with),
            staff=tuple(people[k] for k in entry.staff_kinds if k in people),
            closed_days=off,
        ))
    room_list = [r for r in resources if r.kind not in STAFF_KINDS]
    tz = zone_name(room_list[0].timezone if room_list else "")
    if shared.rules is None:
        shared.rules = tuple(rule_specs())
    if shared.thresholds is None:
        shared.thresholds = site_thresholds_effective()
    deadlines = _clocks(plan, now, shared, views)
    return PlanProblem(
        now=now, horizon_end=window.end, procedures=tuple(to_place), resources=tuple(free),
        rules=shared.rules, fixed=tuple(views), tz=tz,
        granularity=timedelta(minutes=granularity_minutes),
        deadlines=deadlines,
        not_before=_latest(proposal_not_before(urgency=plan.case.urgency, deadlines=deadlines,
                                               now=now, thresholds=shared.thresholds),
                           not_before if not_before is not None and not_before > now else None),
    )


def _latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


NOTICE_KEYS = {Urgency.ROUTINE.value: "notice_routine_hours",
               Urgency.URGENT.value: "notice_urgent_hours"}


def proposal_notice_hours() -> dict[str, float]:
    """The site's notice before a proposal's first booking, in hours, by urgency (routine,
    urgent; an emergency has none)."""
    thresholds = site_thresholds_effective()
    return {urgency: thresholds[key] for urgency, key in NOTICE_KEYS.items()}


def proposal_not_before(*, urgency: str, deadlines: Sequence[StartBy], now: datetime,
                        thresholds: Mapping[str, float]) -> datetime | None:
    """The earliest start of a proposal's new bookings: ``now`` plus the site's notice for the
    case's urgency (SCH-NOTICE, cases/domain/thresholds.py). None (from ``now``) for an
    emergency, for a plan with a running hard clock (R9, R10: its clock decides; a missed one
    too, whose earliest slot is best), or when the notice is 0."""
    key = NOTICE_KEYS.get(urgency)
    if key is None or any(d.hard or d.emergency for d in deadlines):
        return None
    hours = thresholds.get(key, 0.0)
    return now + timedelta(hours=hours) if hours > 0 else None


URGENCY_WEIGHT = {"emergency": 8, "urgent": 4, "routine": 1}


def _clocks(plan: TreatmentPlan, now: datetime, shared: SharedInputs,
            views: Collection[Any]) -> tuple[StartBy, ...]:
    """The clocks the plan's proposals must meet (R9-R11, CWT-31/62), less those the plan's
    bookings (``views``, a repair's slipped ones left out) already answer."""
    clocks = shared.deadlines
    if clocks is None:
        # The engine's context reads through this module (hence the import here).
        from scheduling import engine_context

        clocks = engine_context.problem_deadlines(plan_pks=[plan.pk], now=now,
                                                  rules=shared.rules)
    booked = [v.procedure_type for v in views if v.plan_id == str(plan.pk) and v.active]
    return tuple(d for d in clocks.get(str(plan.pk), ())
                 if not any(d.measures(t) for t in booked))


def waiting_plans(*, principal: Any, limit: int) -> list[TreatmentPlan]:
    """Active plans in the principal's scope with a procedure of the catalogue that has no
    active booking, most urgent first, then oldest (at most ``limit``; cases and patients
    loaded). Indexes: plan (status), booking (procedure, status)."""
    unbooked = PlannedProcedure.objects.filter(
        plan=OuterRef("pk"), procedure_type__in=list(PROCEDURE_DEFAULTS)).exclude(
        Exists(Booking.objects.filter(procedure=OuterRef("pk")).exclude(status=CANCELLED)))
    order = Case(*(When(case__urgency=u, then=Value(k)) for k, u in enumerate(
        ("emergency", "urgent", "routine"))), default=Value(3))
    return list(TreatmentPlan.objects.filter(case_scope_q(principal, "case"),
                                             status=TreatmentPlan.Status.ACTIVE)
                .filter(Exists(unbooked)).select_related("case__patient")
                .annotate(rank=order).order_by("rank", "created_at", "pk")[:limit])
