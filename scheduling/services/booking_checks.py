"""The steps every booking write shares (scheduling.services.bookings and .courses).

The recipe (each write is one transaction):

1. lock the resource row(s) with ``select_for_update(of=("self",))`` (in primary-key order, so two moves
   between the same rooms cannot deadlock). On PostgreSQL this serialises check-then-write per
   room; on SQLite every ``atomic()`` is already an IMMEDIATE transaction holding the database
   write lock;
2. check the slot, the opening hours and the timing rules (hard → refuse, soft → warn);
3. write, mapping the database's own no-overlap guard (exclusion constraint 23P01 on
   PostgreSQL, the ``booking_overlap`` trigger on SQLite) to SlotTaken: the guard is the
   arbiter, the check above only gives the friendly answer first;
4. record soft warnings, audit, history, and enqueue the plan re-checks after commit (outbox,
   scheduling.services.rechecks).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError
from django.utils import timezone

from cases.domain.codes import ProcedureType
from cases.models import PlannedProcedure
from core.access import Principal
from core.audit import audit_record
from core.dates import DateLimitError, check_instant
from core.errors import StaleVersion
from core.history import revision_record
from core.timezones import zone_name
from scheduling import selectors
from scheduling.domain import admission, slots
from scheduling.domain.engine import EngineContext
from scheduling.domain.errors import (
    BookingNotChangeable,
    InvalidBookingTime,
    OutsideDateWindow,
    OutsideOpeningHours,
    ProcedureAlreadyBooked,
    ResourceNotSuitable,
    RetrospectiveReasonRequired,
    SameSessionRequired,
    SlotTaken,
)
from scheduling.domain.types import (
    CHANGEABLE_STATUSES,
    MAX_BOOKING_LENGTH,
    BookingView,
    Interval,
    TimingRuleSpec,
)
from scheduling.domain.types import Violation as RuleViolation
from scheduling.models import (
    BOOKING_ONE_ACTIVE_CONSTRAINT,
    BOOKING_OVERLAP_CONSTRAINT,
    Booking,
    ProcedureCatalogueEntry,
    Resource,
)


@dataclass(frozen=True)
class BookingOutcome:
    """The booking(s) written and the soft warnings the change leaves in the plan."""

    bookings: tuple[Booking, ...]
    warnings: tuple[RuleViolation, ...]

    @property
    def booking(self) -> Booking:
        return self.bookings[0]


def is_overlap_error(exc: IntegrityError) -> bool:
    """Whether an IntegrityError is the no-overlap guard (PG 23P01 or the SQLite trigger)."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == "23P01" or getattr(cause, "pgcode", None) == "23P01":
        return True
    text = str(exc)
    return "booking_overlap" in text or BOOKING_OVERLAP_CONSTRAINT in text


def is_one_active_error(exc: IntegrityError) -> bool:
    """Whether an IntegrityError is "one active booking per planned procedure" (the partial
    unique index: PostgreSQL names it; SQLite names the indexed column)."""
    text = str(exc)
    return BOOKING_ONE_ACTIVE_CONSTRAINT in text or "scheduling_booking.procedure_id" in text


def lock_resources(*resources: Resource) -> dict[int, Resource]:
    """Lock the rooms' rows in primary-key order (step 1 of the recipe); returns them by pk."""
    ids = sorted({r.pk for r in resources})
    return {r.pk: r for r in Resource.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")}


def check_in_window(moment: datetime, *, now: datetime, field: str = "start") -> None:
    """The date window (core.dates): callers that skip the API's fields (web pages, tasks,
    scripts) get the same refusal, before any date arithmetic on ``moment`` can overflow."""
    if timezone.is_naive(moment):
        raise InvalidBookingTime("Start and end must carry a timezone.")
    try:
        check_instant(moment, now=now)
    except DateLimitError as exc:
        raise OutsideDateWindow(exc.message, field=field) from None


def check_interval(start: datetime, end: datetime, *, now: datetime) -> None:
    check_in_window(start, now=now)
    check_in_window(end, now=now, field="end")
    if not start < end:
        raise InvalidBookingTime("The booking must end after it starts.")
    if end - start > MAX_BOOKING_LENGTH:
        raise InvalidBookingTime("A booking lasts at most 24 hours (one procedure or one "
                                 "radiotherapy fraction).")


def check_retrospective(start: datetime, *, now: datetime, reason: str) -> str:
    """A start already past records work done (an emergency out of hours, a procedure booked
    late): allowed only with a reason, which is stored on the booking, in its history and in
    the audit row. Returns the reason to store ("" for a future start)."""
    if start >= now:
        return ""
    if not reason.strip():
        raise RetrospectiveReasonRequired(
            "The start is in the past: give a retrospective reason (why work already done is "
            "being recorded), or choose a future time.")
    return reason.strip()[:300]


def lock_booking(booking: Booking) -> Any:
    """Lock the booking's row alone (no join: on PostgreSQL a FOR UPDATE over joins re-checks
    the joined rows after waiting and can then find nothing while a concurrent move changed
    the room), then return a queryset that reads it with what the checks need."""
    Booking.objects.select_for_update(of=("self",)).filter(pk=booking.pk).values_list(
        "pk", flat=True).first()
    return Booking.objects.filter(pk=booking.pk)


def locked_changeable(booking: Booking, *, expected_version: int, verb: str) -> Booking:
    """The booking's row, locked (with what its checks read), after the If-Match and status
    checks every change makes: raises StaleVersion or BookingNotChangeable."""
    current = lock_booking(booking).select_related(
        "procedure", "plan", "plan__case", "patient", "resource").get(pk=booking.pk)
    if current.version != expected_version:
        raise StaleVersion(current.version, noun="booking")
    if current.status not in CHANGEABLE_STATUSES:
        raise BookingNotChangeable(f"A {current.status} booking cannot be {verb}.")
    return current


@dataclass(frozen=True)
class NewTimes:
    """Where a moved booking lands: its interval and the retrospective reason to store."""

    interval: Interval
    retrospective_reason: str


def check_new_times(current: Booking, *, start: datetime, end: datetime | None, now: datetime,
                    retrospective_reason: str) -> NewTimes:
    """The date checks of a move: ``start`` in the accepted window (before any arithmetic on
    it), ``end`` defaulting to the booking's length, a past start only with a reason."""
    check_in_window(start, now=now)
    if end is None:
        end = start + (current.end - current.start)
    check_interval(start, end, now=now)
    retrospective = check_retrospective(start, now=now, reason=retrospective_reason)
    return NewTimes(Interval(start, end), retrospective)


def check_not_booked(procedure: PlannedProcedure) -> None:
    """One active booking per planned procedure (the database's partial unique index is the
    arbiter; this gives the friendly answer first). Radiotherapy fractions are exempt."""
    if procedure.procedure_type == ProcedureType.RADIOTHERAPY:
        return
    if (Booking.objects.filter(procedure=procedure, fraction_number__isnull=True)
            .exclude(status=Booking.Status.CANCELLED).exists()):
        raise ProcedureAlreadyBooked()


def check_course_size(procedure: PlannedProcedure, *, existing: int, adding: int) -> None:
    """A radiotherapy course gets no more fractions than planned (R17): booking it twice (a
    double submission, a second tab) is refused like any procedure already booked. Fractions
    may still be booked one at a time (a solver proposal does) up to the planned count."""
    if procedure.procedure_type != ProcedureType.RADIOTHERAPY or not existing:
        return
    planned = procedure.fractions or 1
    if existing + adding > planned:
        raise ProcedureAlreadyBooked(
            f"This radiotherapy course is planned as {planned} fraction"
            f"{'s' if planned != 1 else ''} and {existing} {'are' if existing != 1 else 'is'} "
            "already booked: move or cancel the course instead of booking it again.")


def check_slot_free(resource: Resource, interval: Interval, *,
                    exclude_pks: Iterable[int] = ()) -> None:
    """No other active booking holds part of ``interval`` on ``resource`` (``exclude_pks``:
    the bookings being moved)."""
    qs = Booking.objects.filter(resource=resource, start__lt=interval.end, end__gt=interval.start,
                                start__gte=interval.start - MAX_BOOKING_LENGTH)
    qs = qs.exclude(status=Booking.Status.CANCELLED)
    excluded = list(exclude_pks)
    if excluded:
        qs = qs.exclude(pk__in=excluded)
    if qs.exists():
        raise SlotTaken()


def outside_hours(resource: Resource, intervals: Sequence[Interval]) -> Interval | None:
    """The first of ``intervals`` the resource (a room's opening hours, a person's working
    sessions, minus closures or leave) does not cover whole, or None."""
    hours = selectors.resource_hours(resource)
    for interval in intervals:
        window = Interval(interval.start - timedelta(days=1), interval.end + timedelta(days=1))
        exceptions = selectors.resource_exceptions(resource, window)
        if not slots.within_opening_hours(hours=hours, exceptions=exceptions,
                                          tz=resource.timezone, interval=interval):
            return interval
    return None


def check_opening_hours(resource: Resource, intervals: Sequence[Interval],
                        override_reason: str) -> None:
    if override_reason.strip():
        return  # a coordinator's recorded override (kept on the booking)
    interval = outside_hours(resource, intervals)
    if interval is not None:
        raise OutsideOpeningHours(
            f"{resource.name} is not open for the whole of "
            f"{interval.start.astimezone(ZoneInfo(resource.timezone)):%Y-%m-%d %H:%M}-"
            f"{interval.end.astimezone(ZoneInfo(resource.timezone)):%H:%M} "
            f"({resource.timezone}); give an override reason to book it anyway."
        )


def check_resource_kind(resource: Resource, procedure: PlannedProcedure) -> ProcedureCatalogueEntry:
    entry = selectors.catalogue_entry(procedure.procedure_type)
    if resource.kind not in entry.resource_kinds:
        raise ResourceNotSuitable(
            f"A {resource.get_kind_display().lower()} cannot host "
            f"{procedure.procedure_type.replace('_', ' ')}; suitable: "
            f"{', '.join(k.replace('_', ' ') for k in entry.resource_kinds)}."
        )
    if not resource.active:
        raise ResourceNotSuitable(f"{resource.name} is not in service.")
    return entry


def check_session_room(resource: Resource, procedure: PlannedProcedure) -> None:
    """Procedures planned for one session (issue 11, item 11) share a room: refuse a room that
    cannot host the partner too (embolization + ablation need the hybrid CT-angio room). That
    both end up back to back in it is admission's check (domain/sessions.py)."""
    partners = list(PlannedProcedure.objects.filter(same_session_with=procedure))
    if procedure.same_session_with_id is not None:
        partners.append(PlannedProcedure.objects.get(pk=procedure.same_session_with_id))
    for partner in partners:
        entry = selectors.catalogue_entry(partner.procedure_type)
        if resource.kind not in entry.resource_kinds:
            both = sorted(set(entry.resource_kinds) & set(
                selectors.catalogue_entry(procedure.procedure_type).resource_kinds))
            where = (", ".join(k.replace("_", " ") for k in both) if both
                     else "no room kind hosts both")
            raise SameSessionRequired(
                f"The {procedure.procedure_type.replace('_', ' ')} is planned for the same "
                f"session as the {partner.procedure_type.replace('_', ' ')}, which a "
                f"{resource.get_kind_display().lower()} cannot host; book both in one room "
                f"that hosts both ({where}).")


def check_rules(*, before: list[BookingView], after: list[BookingView], tz: str,
                context: EngineContext | None = None,
                rules: list[TimingRuleSpec] | None = None) -> list[RuleViolation]:
    """Refuse new hard violations; return the soft ones the change leaves (warnings). The slot
    itself is the database's job (no-overlap guard), so resources are not re-checked here.
    ``context``: the case clocks (R9-R11), ``now`` and the linac's closed days (R17)
    (scheduling.engine_context); without it, bookings alone are judged. ``rules``: the site's
    active rules when the caller has read them (it stores violations from the same), else read
    here."""
    return admission.admit(before=before, after=after,
                           rules=selectors.rule_specs() if rules is None else rules, tz=tz,
                           check_resources=False, context=context or EngineContext())


def booking_tz(resource: Resource) -> str:
    """The zone a booking's rules are judged in: its room's, else the site's."""
    return zone_name(resource.timezone)


def _snapshot(booking: Booking) -> dict[str, Any]:
    return {
        "public_id": str(booking.public_id),
        "procedure": str(booking.procedure.public_id),
        "resource": str(booking.resource.public_id),
        "start": booking.start.isoformat(),
        "end": booking.end.isoformat(),
        "status": booking.status,
        "fraction_number": booking.fraction_number,
        "override_reason": booking.override_reason,
        "retrospective_reason": booking.retrospective_reason,
    }


def record(booking: Booking, principal: Principal | None, action: str, reason: str = "") -> None:
    """The audit row and the history revision of one booking write."""
    # A retrospective booking is flagged in the audit row; its reason (free text) stays in the
    # booking's history, not in the audit detail.
    detail = {"retrospective": True} if booking.retrospective_reason else None
    audit_record(
        principal=principal, action=action, object_type="booking", object_id=booking.public_id,
        patient_pseudonym=booking.patient.public_id, detail=detail,
    )
    revision_record(object_type="booking", object_id=booking.public_id, version=booking.version,
                    snapshot=_snapshot(booking), principal=principal, reason=reason)
