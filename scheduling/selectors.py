"""Reads for scheduling: scoped querysets and the model → domain-value mappings.

Selectors return querysets with their joins applied (no N+1), scoped to what the principal may
see: a board member sees bookings of the cases visible to them (core.access policy); coordinators,
administrators and scoped system clients see all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from cases.models import Case, PlannedProcedure, TreatmentPlan
from core.access import Principal, case_access_policy
from core.timezones import zone_name
from scheduling.domain import rules as rules_engine
from scheduling.domain import slots
from scheduling.domain.catalogue import PROCEDURE_DEFAULTS
from scheduling.domain.solver import PlanProblem, ProcedureToPlace, ResourceFreeTime
from scheduling.domain.types import (
    Anchor,
    AvailabilityException,
    BookingView,
    ExceptionKind,
    Interval,
    RuleKind,
    Scope,
    Severity,
    TimingRuleSpec,
    WeeklyHours,
)
from scheduling.domain.verdicts import PlannedView, RuleVerdict, assess
from scheduling.models import (
    Booking,
    ProcedureCatalogueEntry,
    Resource,
    ResourceException,
    TimingRule,
    Violation,
)

CANCELLED = Booking.Status.CANCELLED
RADIOTHERAPY = "radiotherapy"


# --- mapping to domain values --------------------------------------------------------------------


def _td(minutes: int | None) -> timedelta | None:
    return None if minutes is None else timedelta(minutes=minutes)


def rule_spec(rule: TimingRule) -> TimingRuleSpec:
    return TimingRuleSpec(
        code=rule.code,
        rule_id=rule.rule_id,
        kind=RuleKind(rule.kind),
        from_procedures=frozenset(rule.from_procedures),
        to_procedures=frozenset(rule.to_procedures),
        severity=Severity(rule.severity),
        scope=Scope(rule.scope),
        rationale=rule.rationale,
        source=rule.source,
        from_anchor=Anchor(rule.from_anchor),
        to_anchor=Anchor(rule.to_anchor),
        min_lag=_td(rule.min_lag_minutes),
        max_lag=_td(rule.max_lag_minutes),
        preferred_lag=_td(rule.preferred_lag_minutes),
        symmetric=rule.symmetric,
        from_purposes=frozenset(rule.from_purposes or []),
        template=dict(rule.template or {}),
        active=rule.active,
    )


def rule_specs() -> list[TimingRuleSpec]:
    """The site's active timing rules as domain values."""
    return [rule_spec(r) for r in TimingRule.objects.filter(active=True)]


PROCEDURE_LINKS = ("procedure__prepares", "procedure__same_session_with")


def _public(procedure: PlannedProcedure | None) -> str | None:
    return str(procedure.public_id) if procedure is not None else None


def planned_view(procedure: PlannedProcedure, *, patient_id: int) -> PlannedView:
    """A planned procedure as the verdicts see it (booked or not). Needs ``prepares`` and
    ``same_session_with`` loaded (select_related) to avoid a query each."""
    return PlannedView(
        procedure_id=str(procedure.public_id),
        procedure_type=procedure.procedure_type,
        patient_id=str(patient_id),
        lesion_id=str(procedure.target_lesion_id) if procedure.target_lesion_id else None,
        plan_id=str(procedure.plan_id),
        purpose=procedure.purpose or "",
        prepares_id=_public(procedure.prepares),
        same_session_with=_public(procedure.same_session_with),
    )


def plan_procedures(plan: TreatmentPlan) -> list[PlannedProcedure]:
    """The plan's procedures in order, with their links loaded."""
    return list(plan.procedures.select_related("prepares", "same_session_with")
                .order_by("sequence"))


def booking_view(booking: Booking) -> BookingView:
    """Needs ``procedure`` and its links (PROCEDURE_LINKS) loaded (select_related); ids are
    public UUID strings."""
    procedure = booking.procedure
    return BookingView(
        booking_id=str(booking.public_id),
        procedure_id=str(procedure.public_id),
        procedure_type=procedure.procedure_type,
        resource_id=str(booking.resource_id),
        start=booking.start,
        end=booking.end,
        status=booking.status,
        patient_id=str(booking.patient_id),
        lesion_id=str(procedure.target_lesion_id) if procedure.target_lesion_id else None,
        plan_id=str(booking.plan_id),
        purpose=procedure.purpose or "",
        planned_fractions=procedure.fractions,
        prepares_id=_public(procedure.prepares),
        same_session_with=_public(procedure.same_session_with),
        planned_dose_gy=float(procedure.dose_gy) if procedure.dose_gy is not None else None,
    )


def patient_active_bookings(*, patient_id: int) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(patient_id=patient_id)
        .exclude(status=CANCELLED)
        .select_related("procedure", *PROCEDURE_LINKS)
        .order_by("start", "id")
    )


def patient_booking_views(*, patient_id: int) -> list[BookingView]:
    return [booking_view(b) for b in patient_active_bookings(patient_id=patient_id)]


def resource_hours(resource: Resource) -> list[WeeklyHours]:
    return [WeeklyHours(h.weekday, h.opens, h.closes) for h in resource.opening_hours.all()]


def resource_exceptions(resource: Resource, window: Interval) -> list[AvailabilityException]:
    rows = ResourceException.objects.filter(
        resource=resource, start__lt=window.end, end__gt=window.start
    )
    return [AvailabilityException(ExceptionKind(x.kind), x.start, x.end) for x in rows]


def resource_busy(resource: Resource, window: Interval, *,
                  exclude_booking_id: int | None = None) -> list[Interval]:
    qs = Booking.objects.filter(resource=resource, start__lt=window.end, end__gt=window.start)
    qs = qs.exclude(status=CANCELLED)
    if exclude_booking_id is not None:
        qs = qs.exclude(pk=exclude_booking_id)
    return [Interval(s, e) for s, e in qs.values_list("start", "end")]


def catalogue_entry(procedure_type: str) -> ProcedureCatalogueEntry:
    """The site's entry, or the domain default when the site has none (never None)."""
    entry = ProcedureCatalogueEntry.objects.filter(procedure_type=procedure_type).first()
    if entry is not None:
        return entry
    default = PROCEDURE_DEFAULTS[procedure_type]
    return ProcedureCatalogueEntry(
        procedure_type=procedure_type,
        duration_minutes=int(default.duration.total_seconds() // 60),
        resource_kinds=sorted(default.resource_kinds),
        fraction_options=list(default.fraction_options),
    )


# --- what other apps read (boards show a case's timing problems before deciding) --------------


def open_violations_by_case(case_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Open or acknowledged timing-rule violations of the cases' plans, by case id, in one
    query: ``{case_id: [{"rule_id", "severity", "message", "status"}]}``."""
    ids = list(case_ids)
    if not ids:
        return {}
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = (
        Violation.objects.filter(plan__case_id__in=ids, status__in=["open", "acknowledged"])
        .values("plan__case_id", "rule_id", "severity", "message", "status")
        .order_by("plan__case_id", "rule_id", "pk")
    )
    for row in rows:
        out[row["plan__case_id"]].append({
            "rule_id": row["rule_id"], "severity": row["severity"],
            "message": row["message"], "status": row["status"],
        })
    return dict(out)


# --- scoped querysets ------------------------------------------------------------------------------


def visible_cases(principal: Principal) -> QuerySet[Case]:
    q = case_access_policy().case_filter(principal)
    return Case.objects.all() if q is None else Case.objects.filter(q)


def _scope_filter(principal: Principal, prefix: str) -> Q:
    q = case_access_policy().case_filter(principal)
    if q is None:
        return Q()
    return Q(**{f"{prefix}__in": Case.objects.filter(q).values("pk")})


def resource_list(*, kind: str | None = None, active: bool | None = True) -> QuerySet[Resource]:
    qs = Resource.objects.all().prefetch_related("opening_hours")
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("kind", "name", "id")


def resource_get(*, public_id: UUID | str) -> Resource:
    return get_object_or_404(Resource.objects.prefetch_related("opening_hours"), public_id=public_id)


def booking_list(
    *,
    principal: Principal,
    resource: UUID | str | None = None,
    patient: UUID | str | None = None,
    plan: UUID | str | None = None,
    status: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> QuerySet[Booking]:
    """Bookings the principal may see, filtered; each filter is backed by an index."""
    qs = Booking.objects.filter(_scope_filter(principal, "plan__case")).select_related(
        "resource", "patient", "plan", "procedure"
    )
    if resource:
        qs = qs.filter(resource__public_id=resource)
    if patient:
        qs = qs.filter(patient__public_id=patient)
    if plan:
        qs = qs.filter(plan__public_id=plan)
    if status:
        qs = qs.filter(status=status)
    if date_from:
        qs = qs.filter(end__gt=date_from)
    if date_to:
        qs = qs.filter(start__lt=date_to)
    return qs.order_by("start", "id")


def booking_get(*, principal: Principal, public_id: UUID | str) -> Booking:
    """404 for an unknown id and for a booking of a case the principal cannot see (no leak)."""
    qs = Booking.objects.filter(_scope_filter(principal, "plan__case")).select_related(
        "resource", "patient", "plan", "procedure"
    )
    return get_object_or_404(qs, public_id=public_id)


def plan_get(*, principal: Principal, public_id: UUID | str) -> TreatmentPlan:
    qs = TreatmentPlan.objects.filter(_scope_filter(principal, "case")).select_related(
        "case", "case__patient"
    )
    return get_object_or_404(qs, public_id=public_id)


def procedure_get(*, principal: Principal, public_id: UUID | str) -> PlannedProcedure:
    qs = PlannedProcedure.objects.filter(_scope_filter(principal, "plan__case")).select_related(
        "plan", "plan__case", "target_lesion"
    )
    return get_object_or_404(qs, public_id=public_id)


def timing_rule_list() -> QuerySet[TimingRule]:
    return TimingRule.objects.all().order_by("rule_id", "code")


def catalogue_list() -> QuerySet[ProcedureCatalogueEntry]:
    return ProcedureCatalogueEntry.objects.all().order_by("procedure_type")


# --- free slots, validation report, solver input -------------------------------------------------


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
    tz = _plan_tz(plan)
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


def placement_request(procedure: PlannedProcedure, *,
                      patient_id: int) -> rules_engine.PlacementRequest:
    """The engine's view of a procedure to place (needs ``prepares`` loaded)."""
    entry = catalogue_entry(procedure.procedure_type)
    return rules_engine.PlacementRequest(
        procedure_id=str(procedure.public_id),
        procedure_type=procedure.procedure_type,
        duration=timedelta(minutes=entry.duration_minutes),
        patient_id=str(patient_id),
        lesion_id=str(procedure.target_lesion_id) if procedure.target_lesion_id else None,
        purpose=procedure.purpose or "",
        prepares_id=_public(procedure.prepares),
    )


def _session_partners(procedure: PlannedProcedure) -> list[str]:
    """Public ids of the procedures planned in the same session as this one (either side of
    the ``same_session_with`` link)."""
    out = [str(procedure.same_session_with.public_id)] if procedure.same_session_with else []
    out += [str(pid) for pid in PlannedProcedure.objects.filter(
        same_session_with=procedure).values_list("public_id", flat=True)]
    return out


def _plan_tz(plan: TreatmentPlan) -> str:
    # The zone of the rooms the plan uses; the site's zone otherwise.
    tz = (
        Booking.objects.filter(plan=plan).values_list("resource__timezone", flat=True).first()
    )
    return zone_name(tz)


def plan_problem_build(*, plan: TreatmentPlan, now: datetime, horizon_days: int = 28,
                       granularity_minutes: int = 15) -> PlanProblem:
    """The solver's input for the plan's procedures that have no active booking yet."""
    patient_id = plan.case.patient_id
    views = patient_booking_views(patient_id=patient_id)
    booked = {v.procedure_id for v in views}
    window = Interval(now, now + timedelta(days=horizon_days))
    procedures = []
    needed_kinds: set[str] = set()
    for procedure in plan_procedures(plan):
        if str(procedure.public_id) in booked or procedure.procedure_type not in PROCEDURE_DEFAULTS:
            continue
        entry = catalogue_entry(procedure.procedure_type)
        needed_kinds.update(entry.resource_kinds)
        procedures.append((procedure, entry))
    resources = list(resource_list().filter(kind__in=needed_kinds))
    free = []
    for resource in resources:
        free.append(ResourceFreeTime(
            resource_id=str(resource.public_id),
            free=tuple(slots.free_periods(
                hours=resource_hours(resource),
                exceptions=resource_exceptions(resource, window),
                busy=resource_busy(resource, window),
                tz=resource.timezone, window=window,
            )),
        ))
    # A procedure whose same-session partner is already booked goes in the partner's room.
    partner_room = {
        str(b.procedure.public_id): str(b.resource.public_id)
        for b in Booking.objects.filter(plan=plan).exclude(status=CANCELLED)
        .select_related("procedure", "resource")
    }
    to_place = []
    for procedure, entry in procedures:
        fractions = 1
        if procedure.procedure_type == RADIOTHERAPY:
            fractions = procedure.fractions or 1
        partners = _session_partners(procedure)
        rooms = tuple(str(r.public_id) for r in resources if r.kind in entry.resource_kinds)
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
            prepares_id=_public(procedure.prepares),
            same_session_with=_public(procedure.same_session_with),
        ))
    tz = zone_name(resources[0].timezone if resources else "")
    return PlanProblem(
        now=now, horizon_end=window.end, procedures=tuple(to_place), resources=tuple(free),
        rules=tuple(rule_specs()), fixed=tuple(views), tz=tz,
        granularity=timedelta(minutes=granularity_minutes),
    )
