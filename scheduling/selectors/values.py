"""Model → domain-value mappings: what the pure engine (scheduling/domain) reads.

Timing rules, bookings, planned procedures, opening hours, exceptions and busy time as the
frozen values of scheduling.domain.types, with the joins each needs loaded (no N+1).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet

from cases.models import PlannedProcedure, TreatmentPlan
from scheduling.domain import rules as rules_engine
from scheduling.domain import slots
from scheduling.domain.catalogue import PROCEDURE_DEFAULTS, STAFF_KINDS
from scheduling.domain.types import (
    MAX_BOOKING_LENGTH,
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
from scheduling.domain.verdicts import PlannedView
from scheduling.models import (
    Booking,
    BookingStaff,
    ProcedureCatalogueEntry,
    Resource,
    ResourceException,
    TimingRule,
)

CANCELLED = Booking.Status.CANCELLED


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


def public_id_or_none(procedure: PlannedProcedure | None) -> str | None:
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
        prepares_id=public_id_or_none(procedure.prepares),
        same_session_with=public_id_or_none(procedure.same_session_with),
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
        prepares_id=public_id_or_none(procedure.prepares),
        same_session_with=public_id_or_none(procedure.same_session_with),
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
    """The busy intervals of a room (its bookings) or of a person (the bookings they are
    staffed on) within ``window``."""
    if resource.kind in STAFF_KINDS:
        staffed = BookingStaff.objects.filter(
            resource=resource, active=True, start__lt=window.end, end__gt=window.start,
            start__gte=window.start - MAX_BOOKING_LENGTH)
        if exclude_booking_id is not None:
            staffed = staffed.exclude(booking_id=exclude_booking_id)
        return [Interval(s, e) for s, e in staffed.values_list("start", "end")]
    # Bounded on both sides of the (resource, start, end) index: a booking lasts at most
    # MAX_BOOKING_LENGTH, so the read does not grow with the room's history (issue 15, item 7).
    qs = Booking.objects.filter(resource=resource, start__lt=window.end, end__gt=window.start,
                                start__gte=window.start - MAX_BOOKING_LENGTH)
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
        staff_kinds=list(default.staff_kinds),
    )



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
        prepares_id=public_id_or_none(procedure.prepares),
    )




def staff_free_time(*, procedure_type: str, window: Interval) -> dict[str, list[Interval]]:
    """For each kind of person ``procedure_type`` needs at this site (catalogue staff_kinds
    the site keeps calendars for), the free periods of each such person within ``window``
    (working hours minus leave minus their bookings), as {kind: [intervals of any person]}.
    Five queries whatever the number of people (catalogue, people, hours, leave, bookings). A start
    fits a kind when one of its intervals covers the whole procedure: ``staff_fits``."""
    wanted = [k for k in catalogue_entry(procedure_type).staff_kinds if k in STAFF_KINDS]
    if not wanted:
        return {}
    people = list(Resource.objects.filter(kind__in=wanted, active=True)
                  .prefetch_related("opening_hours").order_by("pk"))
    if not people:
        return {}
    ids = [p.pk for p in people]
    leave: dict[int, list[AvailabilityException]] = {}
    for x in ResourceException.objects.filter(resource_id__in=ids, start__lt=window.end,
                                              end__gt=window.start):
        leave.setdefault(x.resource_id, []).append(
            AvailabilityException(ExceptionKind(x.kind), x.start, x.end))
    busy: dict[int, list[Interval]] = {}
    for rid, start, end in BookingStaff.objects.filter(
            resource_id__in=ids, active=True, start__lt=window.end, end__gt=window.start,
            start__gte=window.start - MAX_BOOKING_LENGTH).values_list("resource_id", "start",
                                                                      "end"):
        busy.setdefault(rid, []).append(Interval(start, end))
    free: dict[str, list[Interval]] = {}
    for person in people:
        free.setdefault(person.kind, []).extend(slots.free_periods(
            hours=resource_hours(person), exceptions=leave.get(person.pk, []),
            busy=busy.get(person.pk, []), tz=person.timezone, window=window))
    return free


def staff_fits(free: dict[str, list[Interval]], interval: Interval) -> list[str]:
    """The kinds in ``free`` with nobody free for the whole of ``interval`` ([] when every
    needed kind has someone)."""
    return [kind for kind, periods in free.items()
            if not any(p.start <= interval.start and interval.end <= p.end for p in periods)]
