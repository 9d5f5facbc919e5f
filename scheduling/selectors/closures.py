"""Closures and absences (ResourceException) and the bookings they fall on.

A closure does not move the bookings it covers: they stay where they are, listed here for the
coordinator to re-plan (a repair run per plan: scheduling.services.solver_runs). The worklist
lists every future booking inside closed time, whoever added the closure (a coordinator, a
hospital system through the API, the admin).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

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
    return ResourceException.objects.filter(resource=resource, public_id=public_id).first()


def _on(resource_pk: int, start: datetime, end: datetime) -> Q:
    """Bookings that use the resource (as their room, or as one of their people) and overlap
    [start, end); the start bounded on both sides for the indexes on (resource, start, end)."""
    staffed = BookingStaff.objects.filter(booking=OuterRef("pk"), resource_id=resource_pk,
                                          active=True, start__lt=end, end__gt=start)
    return ((Q(resource_id=resource_pk, end__gt=start) | Q(Exists(staffed)))
            & Q(start__gte=start - MAX_BOOKING_LENGTH, start__lt=end))


def bookings_in(closure: ResourceException, *, principal: Principal,
                now: datetime) -> QuerySet[Booking]:
    """The changeable bookings (proposed, booked) that a closing exception falls on and that
    have not started at ``now``, in the caller's case scope, soonest first."""
    if closure.kind not in CLOSING_KINDS:
        return Booking.objects.none()
    return (Booking.objects.filter(_on(closure.resource_id, closure.start, closure.end),
                                   status__in=CHANGEABLE_STATUSES, start__gt=now)
            .filter(case_scope_q(principal, "plan__case"))
            .select_related("plan__case__patient", "procedure", "resource")
            .order_by("start", "pk"))


def bookings_in_closed_time(*, principal: Principal, now: datetime) -> QuerySet[Booking]:
    """Every changeable booking not yet started that falls in closed time of its room or of
    one of its people (a closure or maintenance added after it was booked), soonest first, in
    the caller's case scope. The booking service refuses closed time, so each one is a booking
    that slipped and waits for a repair."""
    closes_room = ResourceException.objects.filter(
        resource_id=OuterRef("resource_id"), kind__in=CLOSING_KINDS,
        end__gt=OuterRef("start"), start__lt=OuterRef("end"))
    closed_person = ResourceException.objects.filter(
        resource_id=OuterRef("resource_id"), kind__in=CLOSING_KINDS,
        end__gt=OuterRef("start"), start__lt=OuterRef("end"))
    closes_person = BookingStaff.objects.filter(booking=OuterRef("pk"), active=True).filter(
        Exists(closed_person))
    return (Booking.objects.filter(status__in=CHANGEABLE_STATUSES, start__gt=now)
            .filter(Q(Exists(closes_room)) | Q(Exists(closes_person)))
            .filter(case_scope_q(principal, "plan__case"))
            .select_related("plan__case__patient", "procedure", "resource")
            .order_by("start", "pk"))
