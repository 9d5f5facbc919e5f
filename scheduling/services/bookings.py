"""Booking writes: create, move, cancel, mark done.

Each follows the booking recipe of scheduling.services.booking_checks (lock the rooms; check
the slot, opening hours and timing rules; write under the database's no-overlap guard; audit,
history and plan re-checks after commit). A radiotherapy fraction is moved and cancelled with
its course (scheduling.services.courses); a done embolization gets its follow-up CTs proposed
(scheduling.services.follow_ups).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cases.domain.codes import CaseStatus, ProcedureType
from cases.domain.lifecycle import allowed_transitions
from cases.models import PlannedProcedure, TreatmentPlan
from cases.services import case_transition
from core.access import Principal, actor_fields
from core.dbretry import retry_on_conflict
from core.errors import StaleVersion
from core.models import AuditEvent
from scheduling import engine_context, selectors
from scheduling.domain.errors import (
    BookingNotChangeable,
    InvalidBookingTime,
    ProcedureAlreadyBooked,
    SlotTaken,
)
from scheduling.domain.types import CHANGEABLE_STATUSES, BookingView, Interval
from scheduling.models import Booking, Resource
from scheduling.services import booking_checks as checks
from scheduling.services import courses, follow_ups, rechecks, staffing
from scheduling.services.booking_checks import BookingOutcome

BOOKING = "booking"  # the noun of a stale If-Match message


@retry_on_conflict
@transaction.atomic
def booking_create(
    *,
    procedure: PlannedProcedure,
    resource: Resource,
    start: datetime,
    principal: Principal | None,
    end: datetime | None = None,
    status: str = Booking.Status.BOOKED,
    override_reason: str = "",
    fractions: int | None = None,
    retrospective_reason: str = "",
    now: datetime | None = None,
    staff: Sequence[Resource] = (),
) -> BookingOutcome:
    """Book ``procedure`` on ``resource`` from ``start`` (end defaults to the catalogue duration).

    The people the procedure needs (catalogue ``staff_kinds``: operator, anaesthesia) are booked
    with it for the same interval: those named in ``staff``, else the first free and working
    person of each kind (scheduling.services.staffing); StaffNotSuitable / StaffUnavailable
    otherwise.

    A radiotherapy procedure with ``fractions`` > 1 (default: its planned fractions) books the
    whole course, all or nothing (R17): fraction 1 at ``start``, then one fraction on each next
    working day (weekends and the linac's closed days skipped) at the same local time when the
    linac is free, else at the nearest free time that day (scheduling.engine_context
    .course_intervals). More fractions than planned are refused (ProcedureAlreadyBooked); moving
    or cancelling a fraction moves or cancels the course (scheduling.services.courses).
    Raises InvalidBookingTime (OutsideDateWindow outside the date window), ResourceNotSuitable,
    BookingNotChangeable (plan not active), ProcedureAlreadyBooked (one active booking per
    planned procedure, RT fractions aside), RetrospectiveReasonRequired (a start before ``now``
    without ``retrospective_reason``), SlotTaken, OutsideOpeningHours (unless
    ``override_reason``), HardRuleViolation.
    Soft violations are stored and returned as warnings. The first booking of a plan moves its
    case to plan_scheduled when the lifecycle allows it.
    """
    if status not in CHANGEABLE_STATUSES:
        raise BookingNotChangeable("A new booking is either proposed or booked.")
    procedure = PlannedProcedure.objects.select_related(
        "plan", "plan__case", "prepares", "same_session_with").get(pk=procedure.pk)
    plan = procedure.plan
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise BookingNotChangeable("Only procedures of the active plan can be booked.")
    entry = checks.check_resource_kind(resource, procedure)
    checks.check_session_room(resource, procedure)
    now = now or timezone.now()
    checks.check_in_window(start, now=now)  # before any arithmetic on start
    if end is None:
        end = start + timedelta(minutes=entry.duration_minutes)
    checks.check_interval(start, end, now=now)
    retrospective = checks.check_retrospective(start, now=now, reason=retrospective_reason)
    checks.check_not_booked(procedure)
    count = 1
    if procedure.procedure_type == ProcedureType.RADIOTHERAPY:
        count = fractions if fractions is not None else (procedure.fractions or 1)
        if count < 1 or count > 40:
            raise InvalidBookingTime("A radiotherapy course has between 1 and 40 fractions.")
    elif fractions not in (None, 1):
        raise InvalidBookingTime("Only radiotherapy is booked as several fractions.")

    need = staffing.staff_need(entry)
    staffing.check_named(staff, need, procedure.procedure_type)
    locked = checks.lock_resources(resource, *need.pool, *staff)[resource.pk]
    # The course's days and times are read from the linac's free time after the lock, so no
    # concurrent booking can take them between the plan and the write.
    intervals = (engine_context.course_intervals(resource=locked, start=start, end=end,
                                                 fractions=count,
                                                 override_reason=override_reason)
                 if count > 1 else [Interval(start, end)])
    for interval in intervals:
        checks.check_slot_free(locked, interval)
    checks.check_opening_hours(locked, intervals, override_reason)

    patient_id = plan.case.patient_id
    before = selectors.patient_booking_views(patient_id=patient_id)
    had_bookings = any(v.plan_id == str(plan.pk) for v in before)
    existing_fractions = sum(1 for v in before if v.procedure_id == str(procedure.public_id))
    checks.check_course_size(procedure, existing=existing_fractions, adding=len(intervals))
    new_views = [
        BookingView(
            booking_id=f"new:{k}", procedure_id=str(procedure.public_id),
            procedure_type=procedure.procedure_type, resource_id=str(locked.pk),
            start=i.start, end=i.end, status=status, patient_id=str(patient_id),
            lesion_id=str(procedure.target_lesion_id) if procedure.target_lesion_id else None,
            plan_id=str(plan.pk), purpose=procedure.purpose or "",
            planned_fractions=procedure.fractions,
            prepares_id=str(procedure.prepares.public_id) if procedure.prepares else None,
            same_session_with=(str(procedure.same_session_with.public_id)
                               if procedure.same_session_with else None),
            planned_dose_gy=float(procedure.dose_gy) if procedure.dose_gy is not None else None,
        )
        for k, i in enumerate(intervals)
    ]
    context = engine_context.engine_context(patient_id=patient_id,
                                            bookings=before + new_views, now=now)
    rules = selectors.rule_specs()
    checks.check_rules(before=before, after=before + new_views, tz=checks.booking_tz(locked),
                       context=context, rules=rules)
    people = staffing.staff_choose(need=need, named=staff, intervals=intervals,
                                   procedure_type=procedure.procedure_type,
                                   override_reason=override_reason)

    created = []
    try:
        with transaction.atomic():
            for k, interval in enumerate(intervals):
                booking = Booking(
                    procedure=procedure, plan=plan, patient_id=patient_id, resource=locked,
                    start=interval.start, end=interval.end, status=status,
                    fraction_number=(existing_fractions + k + 1)
                    if procedure.procedure_type == ProcedureType.RADIOTHERAPY else None,
                    override_reason=override_reason.strip()[:300],
                    retrospective_reason=retrospective,
                    **actor_fields(principal, user="created_by", client="created_by_client"),
                )
                booking.save()
                created.append(booking)
            staffing.staff_write(created, people)
    except IntegrityError as exc:
        if checks.is_overlap_error(exc):
            raise SlotTaken() from None
        if checks.is_one_active_error(exc):
            # A concurrent request booked the same procedure on another room first.
            raise ProcedureAlreadyBooked() from None
        raise

    for booking in created:
        checks.record(booking, principal, AuditEvent.Action.CREATE)
    written = [replace(view, booking_id=str(booking.public_id))
               for view, booking in zip(new_views, created, strict=True)]
    stored = rechecks.violations_store(plan=plan, now=timezone.now(), judged=rechecks.Judged(
        views=sorted(before + written, key=lambda v: v.start), context=context, rules=rules))
    if not had_bookings:
        _case_advance(plan, CaseStatus.PLAN_SCHEDULED, principal, "First procedure booked.")
    rechecks.plan_rechecks_enqueue(patient_id)
    return BookingOutcome(bookings=tuple(created), warnings=tuple(stored))


@retry_on_conflict
@transaction.atomic
def booking_move(
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
    staff: Sequence[Resource] = (),
) -> BookingOutcome:
    """Move a proposed or booked booking (and optionally change its room), keeping its length
    unless ``end`` is given. Raises StaleVersion (If-Match), BookingNotChangeable, the same
    checks as booking_create (a new start before ``now`` needs ``retrospective_reason``), and
    leaves the version bumped by one. A radiotherapy fraction moves with the rest of its course
    (scheduling.services.courses): the outcome then lists every fraction moved. ``staff`` names
    the people for the new time (a repair run's plan; checked as in booking_create); without
    it the booked people stay when still free, else others of their kind are chosen."""
    if booking.fraction_number is not None:
        return courses.course_move(
            booking=booking, start=start, expected_version=expected_version,
            principal=principal, end=end, resource=resource, override_reason=override_reason,
            retrospective_reason=retrospective_reason, now=now)
    target = resource or booking.resource
    need = staffing.staff_need(selectors.catalogue_entry(booking.procedure.procedure_type))
    staffing.check_named(staff, need, booking.procedure.procedure_type)
    checks.lock_resources(booking.resource, target, *need.pool, *staff)
    current = checks.locked_changeable(booking, expected_version=expected_version, verb="moved")
    target = Resource.objects.get(pk=target.pk)
    checks.check_resource_kind(target, current.procedure)
    checks.check_session_room(target, current.procedure)
    now = now or timezone.now()
    times = checks.check_new_times(current, start=start, end=end, now=now,
                                   retrospective_reason=retrospective_reason)
    interval, retrospective = times.interval, times.retrospective_reason
    start, end = interval.start, interval.end
    checks.check_slot_free(target, interval, exclude_pks=[current.pk])
    reason = override_reason.strip() or (current.override_reason if target == current.resource
                                         and (current.start, current.end) == (start, end) else "")
    checks.check_opening_hours(target, [interval], reason)

    before = selectors.patient_booking_views(patient_id=current.patient_id)
    me = str(current.public_id)
    after = [
        replace(v, start=start, end=end, resource_id=str(target.pk)) if v.booking_id == me else v
        for v in before
    ]
    context = engine_context.engine_context(patient_id=current.patient_id,
                                            bookings=[*before, *after], now=now)
    rules = selectors.rule_specs()
    checks.check_rules(before=before, after=after, tz=checks.booking_tz(target), context=context,
                       rules=rules)
    # The people move with the booking: the same ones when still free and working, else others
    # of the same kind (the outcome's booking lists who).
    people = staffing.staff_choose(
        need=need, named=tuple(staff), intervals=[interval],
        procedure_type=current.procedure.procedure_type, exclude_booking_pks=[current.pk],
        override_reason=reason, keep=staffing.booked_people(current, need))

    try:
        with transaction.atomic():
            updated = Booking.objects.filter(pk=current.pk, version=expected_version).update(
                start=start, end=end, resource=target, version=F("version") + 1,
                override_reason=reason[:300], retrospective_reason=retrospective,
                updated_at=timezone.now(),
            )
            current.start, current.end = start, end
            staffing.staff_replace(current, people)
    except IntegrityError as exc:
        if checks.is_overlap_error(exc):
            raise SlotTaken() from None
        raise
    if updated != 1:  # pragma: no cover - the row lock above makes this unreachable
        raise StaleVersion(Booking.objects.get(pk=current.pk).version, noun=BOOKING)
    current.refresh_from_db()
    checks.record(current, principal, AuditEvent.Action.UPDATE, reason="moved")
    stored = rechecks.violations_store(plan=current.plan, now=timezone.now(), judged=rechecks.Judged(
        views=sorted(after, key=lambda v: v.start), context=context, rules=rules))
    rechecks.plan_rechecks_enqueue(current.patient_id)
    return BookingOutcome(bookings=(current,), warnings=tuple(stored))


@retry_on_conflict
@transaction.atomic
def booking_cancel(
    *,
    booking: Booking,
    principal: Principal | None,
    reason: str = "",
    expected_version: int | None = None,
) -> Booking:
    """Cancel a proposed or booked booking; its slot is free again at once (the no-overlap guard
    ignores cancelled rows). Raises StaleVersion, BookingNotChangeable. A radiotherapy fraction
    is cancelled with its whole course (scheduling.services.courses); the named fraction is
    returned."""
    if booking.fraction_number is not None:
        cancelled = courses.course_cancel(booking=booking, principal=principal, reason=reason,
                                          expected_version=expected_version)
        return next(b for b in cancelled if b.pk == booking.pk)
    current = checks.lock_booking(booking).select_related(
        "procedure", "plan", "patient", "resource"
    ).get(pk=booking.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current.version, noun=BOOKING)
    if current.status not in CHANGEABLE_STATUSES:
        raise BookingNotChangeable(f"A {current.status} booking cannot be cancelled.")
    # Removing a booking can move a course's anchor (e.g. its last RT fraction), so the same
    # gate applies: a cancellation never leaves a new hard violation behind.
    before = selectors.patient_booking_views(patient_id=current.patient_id)
    me = str(current.public_id)
    after = [v for v in before if v.booking_id != me]
    context = engine_context.engine_context(patient_id=current.patient_id, bookings=before,
                                            now=timezone.now())
    rules = selectors.rule_specs()
    checks.check_rules(before=before, after=after, tz=checks.booking_tz(current.resource),
                       context=context, rules=rules)
    Booking.objects.filter(pk=current.pk).update(
        status=Booking.Status.CANCELLED, cancel_reason=reason.strip()[:300],
        version=F("version") + 1, updated_at=timezone.now(),
    )
    staffing.staff_release([current.pk])
    current.refresh_from_db()
    checks.record(current, principal, AuditEvent.Action.UPDATE, reason=f"cancelled: {reason}"[:300])
    rechecks.violations_store(plan=current.plan, now=timezone.now(), judged=rechecks.Judged(
        views=after, context=context, rules=rules))
    rechecks.plan_rechecks_enqueue(current.patient_id)
    return current


@retry_on_conflict
@transaction.atomic
def booking_mark_done(
    *,
    booking: Booking,
    principal: Principal | None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Booking:
    """Record that a booked procedure was performed. An embolization then gets its follow-up CTs
    proposed (R8: 3, 6 and 12 months). Raises StaleVersion, BookingNotChangeable."""
    now = now or timezone.now()
    current = checks.lock_booking(booking).select_related(
        "procedure", "plan", "plan__case", "patient", "resource"
    ).get(pk=booking.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current.version, noun=BOOKING)
    if current.status != Booking.Status.BOOKED:
        raise BookingNotChangeable(f"Only a booked procedure can be marked done (it is {current.status}).")
    if current.start > now:
        raise BookingNotChangeable("A procedure cannot be marked done before it starts.")
    Booking.objects.filter(pk=current.pk).update(
        status=Booking.Status.DONE, version=F("version") + 1, updated_at=timezone.now()
    )
    current.refresh_from_db()
    checks.record(current, principal, AuditEvent.Action.UPDATE, reason="done")
    _case_advance(current.plan, CaseStatus.IN_TREATMENT, principal, "First procedure performed.")
    if current.procedure.procedure_type == ProcedureType.EMBOLIZATION:
        follow_ups.follow_up_propose(source=current, now=now)
    rechecks.plan_rechecks_enqueue(current.patient_id)
    return current


def _case_advance(plan: TreatmentPlan, to: CaseStatus, principal: Principal | None, reason: str) -> None:
    case = plan.case
    case.refresh_from_db(fields=["status", "version"])
    if to.value in allowed_transitions(case.status):
        case_transition(case=case, to_status=to, principal=principal, reason=reason)
