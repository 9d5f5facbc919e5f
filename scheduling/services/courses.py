"""Writes of a radiotherapy course as one (R17, issue 11 item 7): move and cancel together.

A course is the fractions of one radiotherapy PlannedProcedure: bookings numbered
``fraction_number`` 1..N on consecutive working days (booking_create books them all or none;
scheduling.engine_context.course_intervals chooses the days and times). The booking services
send every move or cancel of a fraction here:

- **moving** a fraction moves it *and the rest of the course*: fraction k and every later
  fraction not yet done are planned again from the new start on the next working days, each at
  the new time of day when the linac is free then, else at the nearest free time that day.
  Moving fraction 1 shifts the whole course; fractions already done never move;
- **cancelling** any fraction cancels every fraction not yet done.

Both follow the booking recipe of scheduling.services.booking_checks (lock the linacs, then the
rows; check; write; audit and history per fraction; re-check the plans after commit), all or
nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.access import Principal
from core.errors import StaleVersion
from core.models import AuditEvent
from scheduling import engine_context, selectors
from scheduling.domain.errors import BookingNotChangeable, SlotTaken
from scheduling.domain.types import CHANGEABLE_STATUSES
from scheduling.models import Booking, BookingStaff, Resource
from scheduling.services import booking_checks as checks
from scheduling.services import rechecks, staffing
from scheduling.services.booking_checks import BookingOutcome

BOOKING = "booking"  # the noun of a stale If-Match message


@transaction.atomic
def course_move(
    *,
    booking: Booking,
    start: datetime,
    expected_version: int,
    principal: Principal | None,
    end: datetime | None = None,
    resource: Resource | None = None,
    override_reason: str = "",
    retrospective_reason: str = "",
    now: datetime | None = None,
) -> BookingOutcome:
    """Move fraction ``booking`` to ``start`` (optionally another linac and length) and the
    course's later fractions with it. Raises StaleVersion (``expected_version`` is the named
    fraction's), BookingNotChangeable, ResourceNotSuitable, InvalidBookingTime,
    RetrospectiveReasonRequired, SlotTaken (also when a working day of the course has no free
    time), OutsideOpeningHours, HardRuleViolation. Every moved fraction's version goes up by
    one; the outcome lists them in time order."""
    target = resource or booking.resource
    need = staffing.staff_need(selectors.catalogue_entry(booking.procedure.procedure_type))
    checks.lock_resources(target, *(b.resource for b in selectors.course_fractions(booking)),
                          *need.pool)
    current = checks.locked_changeable(booking, expected_version=expected_version, verb="moved")
    # Read the course again under the locks (rows locked too): what a concurrent change
    # committed before we got them is what moves.
    fractions = list(Booking.objects.select_for_update(of=("self",)).filter(
        pk__in=[b.pk for b in selectors.course_fractions(current)]).order_by("start", "pk"))
    moving = [b for b in fractions if b.status in CHANGEABLE_STATUSES
              and (b.start, b.pk) >= (current.start, current.pk)]
    target = Resource.objects.get(pk=target.pk)
    checks.check_resource_kind(target, current.procedure)
    now = now or timezone.now()
    times = checks.check_new_times(current, start=start, end=end, now=now,
                                   retrospective_reason=retrospective_reason)
    first, retrospective = times.interval, times.retrospective_reason
    start, end = first.start, first.end
    own = [b.pk for b in moving]
    checks.check_slot_free(target, first, exclude_pks=own)
    reason = override_reason.strip()
    checks.check_opening_hours(target, [first], reason)
    intervals = engine_context.course_intervals(
        resource=target, start=start, end=end, fractions=len(moving), override_reason=reason,
        exclude_pks=own)

    before = selectors.patient_booking_views(patient_id=current.patient_id)
    new_times = {str(b.public_id): i for b, i in zip(moving, intervals, strict=True)}
    after = [
        replace(v, start=new_times[v.booking_id].start, end=new_times[v.booking_id].end,
                resource_id=str(target.pk)) if v.booking_id in new_times else v
        for v in before
    ]
    context = engine_context.engine_context(patient_id=current.patient_id,
                                            bookings=[*before, *after], now=now)
    checks.check_rules(before=before, after=after, tz=checks.booking_tz(target), context=context)
    # People the site books with a fraction (none by default) move with the course.
    people = staffing.staff_choose(
        need=need, named=(), intervals=intervals,
        procedure_type=current.procedure.procedure_type, exclude_booking_pks=[b.pk for b in moving],
        override_reason=reason, keep=staffing.booked_people(current, need))

    stamp = timezone.now()
    try:
        with transaction.atomic():
            # The fractions trade places (a course shifted by a day lands fraction k on the old
            # day of fraction k+1), and the no-overlap guard checks every row as it is written.
            # So the moving rows are first set aside (cancelled rows do not count for the
            # guard), then written one by one with their own status back: inside this
            # transaction only, nobody else ever sees them cancelled.
            Booking.objects.filter(pk__in=own).update(status=Booking.Status.CANCELLED)
            for fraction, interval in zip(moving, intervals, strict=True):
                Booking.objects.filter(pk=fraction.pk).update(
                    start=interval.start, end=interval.end, resource=target,
                    status=fraction.status, version=F("version") + 1,
                    override_reason=reason[:300],
                    retrospective_reason=retrospective if fraction.pk == current.pk else "",
                    updated_at=stamp,
                )
    except IntegrityError as exc:
        if checks.is_overlap_error(exc):
            raise SlotTaken() from None
        raise
    moved = list(Booking.objects.filter(pk__in=own).select_related(
        "procedure", "plan", "patient", "resource").order_by("start", "pk"))
    if need.kinds:
        BookingStaff.objects.filter(booking_id__in=own).delete()
        staffing.staff_write(moved, people)
    for fraction in moved:
        label = "moved" if fraction.pk == current.pk else "moved with its course"
        checks.record(fraction, principal, AuditEvent.Action.UPDATE, reason=label)
    stored = rechecks.violations_store(plan=current.plan, now=timezone.now())
    rechecks.plan_rechecks_enqueue(current.patient_id)
    return BookingOutcome(bookings=tuple(moved), warnings=tuple(stored))


@transaction.atomic
def course_cancel(
    *,
    booking: Booking,
    principal: Principal | None,
    reason: str = "",
    expected_version: int | None = None,
) -> list[Booking]:
    """Cancel the course ``booking`` belongs to: every fraction not yet done (done ones stay).
    The linac is free again at once. Raises StaleVersion (the named fraction's version),
    BookingNotChangeable, HardRuleViolation (a cancellation never leaves a new hard violation).
    Returns the cancelled fractions in time order, the named one among them."""
    current = checks.lock_booking(booking).select_related(
        "procedure", "plan", "patient", "resource").get(pk=booking.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current.version, noun=BOOKING)
    if current.status not in CHANGEABLE_STATUSES:
        raise BookingNotChangeable(f"A {current.status} booking cannot be cancelled.")
    # The rows locked, then their status read: a fraction marked done meanwhile stays done.
    cancelling = [b for b in Booking.objects.select_for_update(of=("self",)).filter(
        pk__in=[b.pk for b in selectors.course_fractions(current)]).order_by("start", "pk")
        if b.status in CHANGEABLE_STATUSES]
    ids = [b.pk for b in cancelling]
    before = selectors.patient_booking_views(patient_id=current.patient_id)
    gone = {str(b.public_id) for b in cancelling}
    after = [v for v in before if v.booking_id not in gone]
    context = engine_context.engine_context(patient_id=current.patient_id, bookings=before,
                                            now=timezone.now())
    checks.check_rules(before=before, after=after, tz=checks.booking_tz(current.resource),
                       context=context)
    Booking.objects.filter(pk__in=ids).update(
        status=Booking.Status.CANCELLED, cancel_reason=reason.strip()[:300],
        version=F("version") + 1, updated_at=timezone.now(),
    )
    staffing.staff_release(ids)
    cancelled = list(Booking.objects.filter(pk__in=ids).select_related(
        "procedure", "plan", "patient", "resource").order_by("start", "pk"))
    note = f"cancelled with its course: {reason}" if reason else "cancelled with its course"
    for fraction in cancelled:
        text = f"cancelled: {reason}" if fraction.pk == current.pk else note
        checks.record(fraction, principal, AuditEvent.Action.UPDATE, reason=text[:300])
    rechecks.violations_store(plan=current.plan, now=timezone.now())
    rechecks.plan_rechecks_enqueue(current.patient_id)
    return cancelled
