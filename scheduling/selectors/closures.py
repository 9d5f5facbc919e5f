"""Closures and absences (ResourceException) and the bookings they fall on.

A closure does not move the bookings it covers: they stay where they are, listed here for the
coordinator to re-plan (a repair run per plan: scheduling.services.solver_runs). The worklist
lists every future booking inside closed time, whoever added the closure (a coordinator, a
hospital system through the API, the admin).

Both reads start from the closures, which are few, and reach the bookings through the indexes
on (resource, start, end) of the rooms' and the people's bookings; the bookings' ids come back
in one query (a UNION), then the page. Starting from the bookings instead would test every
future booking against every closure (two correlated subqueries per booking).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet

from cases.selectors import case_scope_q
from core.access import Principal
from scheduling.domain.types import CHANGEABLE_STATUSES, MAX_BOOKING_LENGTH, ExceptionKind
from scheduling.models import Booking, BookingStaff, Resource, ResourceException

# Kinds that take time away (an extra session adds it).
CLOSING_KINDS = (ExceptionKind.CLOSURE.value, ExceptionKind.MAINTENANCE.value)


def closure_list(*, resource: Resource, since: datetime) -> QuerySet[ResourceException]:
    """The resource's closures, maintenance and extra sessions not yet over at ``since``, the
    soonest first (resource_exc_span_idx serves the filter)."""
    return (ResourceException.objects.filter(resource=resource, end__gt=since)
            .order_by("start", "pk"))


def closure_get(*, resource: Resource, public_id: object) -> ResourceException | None:
    found: ResourceException | None = ResourceException.objects.filter(
        resource=resource, public_id=public_id).first()
    return found


def _bookings(ids: list[int], *, principal: Principal) -> QuerySet[Booking]:
    return (Booking.objects.filter(pk__in=ids).filter(case_scope_q(principal, "plan__case"))
            .select_related("plan__case__patient", "procedure", "resource")
            .order_by("start", "pk"))


def bookings_in(closure: ResourceException, *, principal: Principal,
                now: datetime) -> QuerySet[Booking]:
    """The changeable bookings (proposed, booked) that a closing exception falls on and that
    have not started at ``now``, using its resource as their room or as one of their people,
    in the caller's case scope, soonest first. None for an extra session."""
    return _bookings(booking_ids_in(closure, now=now), principal=principal).filter(
        start__gt=now)


def booking_ids_in(closure: ResourceException, *, now: datetime) -> list[int]:
    """The ids of bookings_in, every case's (one UNION query; none for an extra session)."""
    if closure.kind not in CLOSING_KINDS:
        return []
    start, end = closure.start, closure.end
    lower = max(start - MAX_BOOKING_LENGTH, now)
    rooms = Booking.objects.filter(
        resource_id=closure.resource_id, start__gte=lower, start__lt=end, end__gt=start,
        start__gt=now, status__in=CHANGEABLE_STATUSES).order_by().values_list("pk", flat=True)
    people = BookingStaff.objects.filter(
        resource_id=closure.resource_id, active=True, start__gte=lower, start__lt=end,
        end__gt=start, start__gt=now, booking__status__in=CHANGEABLE_STATUSES,
    ).order_by().values_list("booking_id", flat=True)
    return list(rooms.union(people))


def _after_booking(prefix: str, booking: str) -> Q:
    """The closure (reached through ``prefix``) came after the booking: its booking service
    refuses closed time unless told otherwise (``override_reason``), so a booking without one
    inside closed time has slipped, and one with one slipped only if the closure is newer than
    its last change (older closures without a date count as newer)."""
    return (Q(**{f"{booking}override_reason": ""})
            | Q(**{f"{prefix}created_at__isnull": True})
            | Q(**{f"{prefix}created_at__gt": F(f"{booking}updated_at")}))


def bookings_in_closed_time(*, principal: Principal, now: datetime) -> QuerySet[Booking]:
    """Every changeable booking not yet started that falls in closed time of its room or of
    one of its people, added after it was booked (a closure, maintenance or absence: the
    booking slipped and waits for a repair), soonest first, in the caller's case scope."""
    # start > now again: with ORDER BY start LIMIT 20, PostgreSQL may walk the start index from
    # the oldest booking looking for the listed ids (bench/closed_time.py: 122 ms without it).
    return _bookings(list(closed_time_booking_ids(now=now)),
                     principal=principal).filter(start__gt=now)


def closed_time_booking_ids(*, now: datetime) -> QuerySet[Any]:
    """The ids of bookings_in_closed_time (every case), as one UNION query."""
    ex = "resource__exceptions__"
    overlap = {f"{ex}kind__in": CLOSING_KINDS, f"{ex}end__gt": now}
    rooms = Booking.objects.filter(
        _after_booking(ex, ""), status__in=CHANGEABLE_STATUSES, start__gt=now,
        start__gte=F(f"{ex}start") - MAX_BOOKING_LENGTH, start__lt=F(f"{ex}end"),
        end__gt=F(f"{ex}start"), **overlap).order_by().values_list("pk", flat=True)
    people = BookingStaff.objects.filter(
        _after_booking(ex, "booking__"), active=True, start__gt=now,
        booking__status__in=CHANGEABLE_STATUSES,
        start__gte=F(f"{ex}start") - MAX_BOOKING_LENGTH, start__lt=F(f"{ex}end"),
        end__gt=F(f"{ex}start"), **overlap).order_by().values_list("booking_id", flat=True)
    return rooms.union(people)
