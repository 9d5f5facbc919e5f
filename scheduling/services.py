"""Every write of scheduling (STYLE.md §3): bookings, violations, rules and the catalogue.

Booking writes follow one recipe:
1. lock the resource row(s) with select_for_update() (in primary-key order, so two moves between
   the same rooms cannot deadlock). On PostgreSQL this serialises check-then-write per room; on
   SQLite every atomic() is already an IMMEDIATE transaction holding the database write lock;
2. check the slot, the opening hours and the timing rules (hard → refuse, soft → warn);
3. write, mapping the database's own no-overlap guard (exclusion constraint 23P01 on PostgreSQL,
   the 'booking_overlap' trigger on SQLite) to SlotTaken: the guard is the arbiter, the check
   above only gives the friendly answer first;
4. record soft warnings, audit, history, and enqueue the plan re-checks after commit (outbox).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cases.domain.codes import CaseStatus, Intent, ProcedureType
from cases.domain.lifecycle import allowed_transitions
from cases.models import PlannedProcedure, TreatmentPlan
from cases.services import StaleVersion, case_transition, planned_procedure_add
from core.access import GROUP_COORDINATOR, Principal
from core.audit import audit_record
from core.dates import DateLimitError, check_instant
from core.history import revision_record
from core.models import AuditEvent, Notification
from core.notifications import notification_send
from core.outbox import outbox_enqueue
from core.timezones import zone_name
from scheduling import engine_context, selectors
from scheduling.domain import admission, engine, rule_limits, slots
from scheduling.domain import rules as rules_engine
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
from scheduling.domain.types import BookingView, Interval, Severity
from scheduling.domain.types import Violation as RuleViolation
from scheduling.models import (
    BOOKING_ONE_ACTIVE_CONSTRAINT,
    BOOKING_OVERLAP_CONSTRAINT,
    Booking,
    FollowUpProposal,
    ProcedureCatalogueEntry,
    Resource,
    TimingRule,
    Violation,
)

logger = logging.getLogger(__name__)

PLAN_RECHECK_TASK = "scheduling.tasks.plan_recheck"
SWEEP_TASK = "scheduling.tasks.booking_sweep_recheck"
ACTIVE_CHANGEABLE = (Booking.Status.PROPOSED, Booking.Status.BOOKED)

__all__ = [
    "BookingOutcome",
    "StaleVersion",
    "booking_cancel",
    "booking_create",
    "booking_mark_done",
    "booking_move",
    "booking_sweep_recheck",
    "catalogue_entry_update",
    "follow_up_propose",
    "plan_proposal_apply",
    "plan_recheck",
    "timing_rule_update",
    "violation_acknowledge",
]


@dataclass(frozen=True)
class BookingOutcome:
    """The booking(s) written and the soft warnings the change leaves in the plan."""

    bookings: tuple[Booking, ...]
    warnings: tuple[RuleViolation, ...]

    @property
    def booking(self) -> Booking:
        return self.bookings[0]


# --- helpers ---------------------------------------------------------------------------------------


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


def _lock_resources(*resources: Resource) -> dict[int, Resource]:
    ids = sorted({r.pk for r in resources})
    return {r.pk: r for r in Resource.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _actor_fields(principal: Principal | None) -> dict[str, Any]:
    if principal is None:
        return {"created_by": None, "created_by_client": ""}
    if principal.is_client:
        return {"created_by": None, "created_by_client": principal.client_id[:100]}
    return {"created_by": principal.user if principal.is_user else None, "created_by_client": ""}


def _check_in_window(moment: datetime, *, now: datetime, field: str = "start") -> None:
    """The date window (core.dates): callers that skip the API's fields (web pages, tasks,
    scripts) get the same refusal, before any date arithmetic on ``moment`` can overflow."""
    if timezone.is_naive(moment):
        raise InvalidBookingTime("Start and end must carry a timezone.")
    try:
        check_instant(moment, now=now)
    except DateLimitError as exc:
        error = OutsideDateWindow(exc.message)
        error.field = field
        raise error from None


def _check_interval(start: datetime, end: datetime, *, now: datetime) -> None:
    _check_in_window(start, now=now)
    _check_in_window(end, now=now, field="end")
    if not start < end:
        raise InvalidBookingTime("The booking must end after it starts.")


def _check_retrospective(start: datetime, *, now: datetime, reason: str) -> str:
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


def _check_not_booked(procedure: PlannedProcedure) -> None:
    """One active booking per planned procedure (the database's partial unique index is the
    arbiter; this gives the friendly answer first). Radiotherapy fractions are exempt."""
    if procedure.procedure_type == ProcedureType.RADIOTHERAPY:
        return
    if (Booking.objects.filter(procedure=procedure, fraction_number__isnull=True)
            .exclude(status=Booking.Status.CANCELLED).exists()):
        raise ProcedureAlreadyBooked()


def _check_course_size(procedure: PlannedProcedure, *, existing: int, adding: int) -> None:
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


def _check_slot_free(resource: Resource, interval: Interval, *, exclude_pk: int | None = None) -> None:
    qs = Booking.objects.filter(resource=resource, start__lt=interval.end, end__gt=interval.start)
    qs = qs.exclude(status=Booking.Status.CANCELLED)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise SlotTaken()


def _check_opening_hours(resource: Resource, intervals: Sequence[Interval], override_reason: str) -> None:
    if override_reason.strip():
        return  # a coordinator's recorded override (kept on the booking)
    hours = selectors.resource_hours(resource)
    for interval in intervals:
        window = Interval(interval.start - timedelta(days=1), interval.end + timedelta(days=1))
        exceptions = selectors.resource_exceptions(resource, window)
        if not slots.within_opening_hours(hours=hours, exceptions=exceptions,
                                          tz=resource.timezone, interval=interval):
            raise OutsideOpeningHours(
                f"{resource.name} is not open for the whole of "
                f"{interval.start.astimezone(ZoneInfo(resource.timezone)):%Y-%m-%d %H:%M}-"
                f"{interval.end.astimezone(ZoneInfo(resource.timezone)):%H:%M} "
                f"({resource.timezone}); give an override reason to book it anyway."
            )


def _check_resource_kind(resource: Resource, procedure: PlannedProcedure) -> ProcedureCatalogueEntry:
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


def _check_session_room(resource: Resource, procedure: PlannedProcedure) -> None:
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


def _check_rules(*, before: list[BookingView], after: list[BookingView], tz: str,
                 context: EngineContext | None = None) -> list[RuleViolation]:
    """Refuse new hard violations; return the soft ones the change leaves (warnings). The slot
    itself is the database's job (no-overlap guard), so resources are not re-checked here.
    ``context``: the case clocks (R9-R11), ``now`` and the linac's closed days (R17)
    (scheduling.engine_context); without it, bookings alone are judged."""
    return admission.admit(before=before, after=after, rules=selectors.rule_specs(), tz=tz,
                           check_resources=False, context=context or EngineContext())


def _bookings_key(booking_ids: Iterable[str]) -> str:
    return hashlib.sha256(",".join(sorted(booking_ids)).encode()).hexdigest()[:40]


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


def _record(booking: Booking, principal: Principal | None, action: str, reason: str = "") -> None:
    # A retrospective booking is flagged in the audit row; its reason (free text) stays in the
    # booking's history, not in the audit detail.
    detail = {"retrospective": True} if booking.retrospective_reason else None
    audit_record(
        principal=principal, action=action, object_type="booking", object_id=booking.public_id,
        patient_pseudonym=booking.patient.public_id, detail=detail,
    )
    revision_record(object_type="booking", object_id=booking.public_id, version=booking.version,
                    snapshot=_snapshot(booking), principal=principal, reason=reason)


def _enqueue_rechecks(patient_id: int) -> None:
    """Re-check every active plan of the patient after commit: a moved embolization can break
    another procedure's window, and R7/R18 read across plans."""
    plan_ids = TreatmentPlan.objects.filter(
        case__patient_id=patient_id, status=TreatmentPlan.Status.ACTIVE
    ).values_list("pk", flat=True)
    for plan_id in plan_ids:
        outbox_enqueue(task_name=PLAN_RECHECK_TASK, kwargs={"plan_id": plan_id},
                       dedup_key=f"{PLAN_RECHECK_TASK}:{plan_id}")


def _plan_tz(resource: Resource) -> str:
    return zone_name(resource.timezone)


def _courses() -> Any:
    """scheduling/courses.py, which builds on this module's helpers (imported when first used,
    as the two modules depend on each other)."""
    from scheduling import courses

    return courses


# --- bookings ------------------------------------------------------------------------------------


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
) -> BookingOutcome:
    """Book ``procedure`` on ``resource`` from ``start`` (end defaults to the catalogue duration).

    A radiotherapy procedure with ``fractions`` > 1 (default: its planned fractions) books the
    whole course, all or nothing (R17): fraction 1 at ``start``, then one fraction on each next
    working day (weekends and the linac's closed days skipped) at the same local time when the
    linac is free, else at the nearest free time that day (scheduling.engine_context
    .course_intervals). More fractions than planned are refused (ProcedureAlreadyBooked); moving
    or cancelling a fraction moves or cancels the course (scheduling/courses.py).
    Raises InvalidBookingTime (OutsideDateWindow outside the date window), ResourceNotSuitable,
    BookingNotChangeable (plan not active), ProcedureAlreadyBooked (one active booking per
    planned procedure, RT fractions aside), RetrospectiveReasonRequired (a start before ``now``
    without ``retrospective_reason``), SlotTaken, OutsideOpeningHours (unless
    ``override_reason``), HardRuleViolation.
    Soft violations are stored and returned as warnings. The first booking of a plan moves its
    case to plan_scheduled when the lifecycle allows it.
    """
    if status not in ACTIVE_CHANGEABLE:
        raise BookingNotChangeable("A new booking is either proposed or booked.")
    procedure = PlannedProcedure.objects.select_related(
        "plan", "plan__case", "prepares", "same_session_with").get(pk=procedure.pk)
    plan = procedure.plan
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise BookingNotChangeable("Only procedures of the active plan can be booked.")
    entry = _check_resource_kind(resource, procedure)
    _check_session_room(resource, procedure)
    now = now or timezone.now()
    _check_in_window(start, now=now)  # before any arithmetic on start
    if end is None:
        end = start + timedelta(minutes=entry.duration_minutes)
    _check_interval(start, end, now=now)
    retrospective = _check_retrospective(start, now=now, reason=retrospective_reason)
    _check_not_booked(procedure)
    count = 1
    if procedure.procedure_type == ProcedureType.RADIOTHERAPY:
        count = fractions if fractions is not None else (procedure.fractions or 1)
        if count < 1 or count > 40:
            raise InvalidBookingTime("A radiotherapy course has between 1 and 40 fractions.")
    elif fractions not in (None, 1):
        raise InvalidBookingTime("Only radiotherapy is booked as several fractions.")

    locked = _lock_resources(resource)[resource.pk]
    # The course's days and times are read from the linac's free time after the lock, so no
    # concurrent booking can take them between the plan and the write.
    intervals = (engine_context.course_intervals(resource=locked, start=start, end=end,
                                                 fractions=count,
                                                 override_reason=override_reason)
                 if count > 1 else [Interval(start, end)])
    for interval in intervals:
        _check_slot_free(locked, interval)
    _check_opening_hours(locked, intervals, override_reason)

    patient_id = plan.case.patient_id
    before = selectors.patient_booking_views(patient_id=patient_id)
    had_bookings = any(v.plan_id == str(plan.pk) for v in before)
    existing_fractions = sum(1 for v in before if v.procedure_id == str(procedure.public_id))
    _check_course_size(procedure, existing=existing_fractions, adding=len(intervals))
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
    _check_rules(before=before, after=before + new_views, tz=_plan_tz(locked), context=context)

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
                    retrospective_reason=retrospective, **_actor_fields(principal),
                )
                booking.save()
                created.append(booking)
    except IntegrityError as exc:
        if is_overlap_error(exc):
            raise SlotTaken() from None
        if is_one_active_error(exc):
            # A concurrent request booked the same procedure on another room first.
            raise ProcedureAlreadyBooked() from None
        raise

    for booking in created:
        _record(booking, principal, AuditEvent.Action.CREATE)
    stored = violations_store(plan=plan, now=timezone.now())
    if not had_bookings:
        _case_advance(plan, CaseStatus.PLAN_SCHEDULED, principal, "First procedure booked.")
    _enqueue_rechecks(patient_id)
    return BookingOutcome(bookings=tuple(created), warnings=tuple(stored))


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
) -> BookingOutcome:
    """Move a proposed or booked booking (and optionally change its room), keeping its length
    unless ``end`` is given. Raises StaleVersion (If-Match), BookingNotChangeable, the same
    checks as booking_create (a new start before ``now`` needs ``retrospective_reason``), and
    leaves the version bumped by one. A radiotherapy fraction moves with the rest of its course
    (scheduling/courses.py): the outcome then lists every fraction moved."""
    if booking.fraction_number is not None:
        return _courses().course_move(
            booking=booking, start=start, expected_version=expected_version,
            principal=principal, end=end, resource=resource, override_reason=override_reason,
            retrospective_reason=retrospective_reason, now=now)
    target = resource or booking.resource
    _lock_resources(booking.resource, target)
    current = Booking.objects.select_for_update().select_related(
        "procedure", "plan", "plan__case", "patient", "resource"
    ).get(pk=booking.pk)
    if current.version != expected_version:
        raise StaleVersion(current.version)
    if current.status not in ACTIVE_CHANGEABLE:
        raise BookingNotChangeable(f"A {current.status} booking cannot be moved.")
    target = Resource.objects.get(pk=target.pk)
    _check_resource_kind(target, current.procedure)
    _check_session_room(target, current.procedure)
    now = now or timezone.now()
    _check_in_window(start, now=now)  # before any arithmetic on start
    if end is None:
        end = start + (current.end - current.start)
    _check_interval(start, end, now=now)
    retrospective = _check_retrospective(start, now=now, reason=retrospective_reason)
    interval = Interval(start, end)
    _check_slot_free(target, interval, exclude_pk=current.pk)
    reason = override_reason.strip() or (current.override_reason if target == current.resource
                                         and (current.start, current.end) == (start, end) else "")
    _check_opening_hours(target, [interval], reason)

    before = selectors.patient_booking_views(patient_id=current.patient_id)
    me = str(current.public_id)
    after = [
        replace(v, start=start, end=end, resource_id=str(target.pk)) if v.booking_id == me else v
        for v in before
    ]
    context = engine_context.engine_context(patient_id=current.patient_id,
                                            bookings=[*before, *after], now=now)
    _check_rules(before=before, after=after, tz=_plan_tz(target), context=context)

    try:
        with transaction.atomic():
            updated = Booking.objects.filter(pk=current.pk, version=expected_version).update(
                start=start, end=end, resource=target, version=F("version") + 1,
                override_reason=reason[:300], retrospective_reason=retrospective,
                updated_at=timezone.now(),
            )
    except IntegrityError as exc:
        if is_overlap_error(exc):
            raise SlotTaken() from None
        raise
    if updated != 1:  # pragma: no cover - the row lock above makes this unreachable
        raise StaleVersion(Booking.objects.get(pk=current.pk).version)
    current.refresh_from_db()
    _record(current, principal, AuditEvent.Action.UPDATE, reason="moved")
    stored = violations_store(plan=current.plan, now=timezone.now())
    _enqueue_rechecks(current.patient_id)
    return BookingOutcome(bookings=(current,), warnings=tuple(stored))


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
    is cancelled with its whole course (scheduling/courses.py); the named fraction is returned."""
    if booking.fraction_number is not None:
        cancelled = _courses().course_cancel(booking=booking, principal=principal, reason=reason,
                                             expected_version=expected_version)
        return next(b for b in cancelled if b.pk == booking.pk)
    current = Booking.objects.select_for_update().select_related(
        "procedure", "plan", "patient", "resource"
    ).get(pk=booking.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current.version)
    if current.status not in ACTIVE_CHANGEABLE:
        raise BookingNotChangeable(f"A {current.status} booking cannot be cancelled.")
    # Removing a booking can move a course's anchor (e.g. its last RT fraction), so the same
    # gate applies: a cancellation never leaves a new hard violation behind.
    before = selectors.patient_booking_views(patient_id=current.patient_id)
    me = str(current.public_id)
    after = [v for v in before if v.booking_id != me]
    context = engine_context.engine_context(patient_id=current.patient_id, bookings=before,
                                            now=timezone.now())
    _check_rules(before=before, after=after, tz=_plan_tz(current.resource), context=context)
    Booking.objects.filter(pk=current.pk).update(
        status=Booking.Status.CANCELLED, cancel_reason=reason.strip()[:300],
        version=F("version") + 1, updated_at=timezone.now(),
    )
    current.refresh_from_db()
    _record(current, principal, AuditEvent.Action.UPDATE, reason=f"cancelled: {reason}"[:300])
    violations_store(plan=current.plan, now=timezone.now())
    _enqueue_rechecks(current.patient_id)
    return current


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
    current = Booking.objects.select_for_update().select_related(
        "procedure", "plan", "plan__case", "patient", "resource"
    ).get(pk=booking.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current.version)
    if current.status != Booking.Status.BOOKED:
        raise BookingNotChangeable(f"Only a booked procedure can be marked done (it is {current.status}).")
    if current.start > now:
        raise BookingNotChangeable("A procedure cannot be marked done before it starts.")
    Booking.objects.filter(pk=current.pk).update(
        status=Booking.Status.DONE, version=F("version") + 1, updated_at=timezone.now()
    )
    current.refresh_from_db()
    _record(current, principal, AuditEvent.Action.UPDATE, reason="done")
    _case_advance(current.plan, CaseStatus.IN_TREATMENT, principal, "First procedure performed.")
    if current.procedure.procedure_type == ProcedureType.EMBOLIZATION:
        follow_up_propose(source=current, now=now)
    _enqueue_rechecks(current.patient_id)
    return current


def _case_advance(plan: TreatmentPlan, to: CaseStatus, principal: Principal | None, reason: str) -> None:
    case = plan.case
    case.refresh_from_db(fields=["status", "version"])
    if to.value in allowed_transitions(case.status):
        case_transition(case=case, to_status=to, principal=principal, reason=reason)


def _coordinators() -> list[Any]:
    return list(get_user_model().objects.filter(groups__name=GROUP_COORDINATOR, is_active=True)
                .distinct())


def follow_up_propose(*, source: Booking, now: datetime) -> list[Booking]:
    """R8: propose follow-up CTs at the template's months after a done embolization, each in the
    first free CT slot from the target date within ± the tolerance (later side first).

    Idempotent: one FollowUpProposal row per (embolization booking, months). A follow-up with no
    free slot is not booked; coordinators are notified instead.
    """
    rule = TimingRule.objects.filter(rule_id="R8", kind="follow_up", active=True).first()
    template = rule.template if rule is not None else {"offsets_months": [3, 6, 12],
                                                       "tolerance_days": 14}
    months_list = [int(m) for m in template.get("offsets_months", [])]
    tolerance = timedelta(days=int(template.get("tolerance_days", 14)))
    entry = selectors.catalogue_entry(ProcedureType.FOLLOW_UP_CT)
    duration = timedelta(minutes=entry.duration_minutes)
    rooms = list(Resource.objects.filter(kind__in=entry.resource_kinds, active=True)
                 .prefetch_related("opening_hours").order_by("name", "pk"))
    created: list[Booking] = []
    for months in months_list:
        try:
            with transaction.atomic():
                claim = FollowUpProposal.objects.create(source_booking=source, months=months)
        except IntegrityError:
            continue  # already proposed for this embolization
        tz = ZoneInfo(source.resource.timezone)
        base = source.end.astimezone(tz)
        target = datetime.combine(rules_engine.add_months(base.date(), months), datetime.min.time(),
                                  tzinfo=tz).astimezone(UTC)
        # The target date or later first (imaging too early shows less), then the days before.
        spans = [(max(target, now), target + tolerance), (max(target - tolerance, now), target)]
        windows = [Interval(a, b) for a, b in spans if b - a >= duration]
        placed = None
        for window in windows:
            for room in rooms:
                fit = slots.first_fit(
                    hours=selectors.resource_hours(room),
                    exceptions=selectors.resource_exceptions(room, window),
                    busy=selectors.resource_busy(room, window), tz=room.timezone,
                    window=window, duration=duration,
                )
                if fit is not None and (placed is None or fit.start < placed[1].start):
                    placed = (room, fit)
            if placed is not None:
                break
        if placed is None:
            notification_send(
                recipients=_coordinators(), kind=Notification.Kind.PLACEMENT_BLOCKED,
                subject=f"No CT slot for the {months}-month follow-up (R8)",
                body=f"Plan {source.plan.public_id}: no free CT slot within ± {tolerance.days} "
                     f"days of the {months}-month follow-up after embolization.",
                link=f"/plans/{source.plan.public_id}/timeline/",
                dedup_key=f"follow-up-blocked:{source.public_id}:{months}",
            )
            continue
        room, fit = placed
        procedure = planned_procedure_add(
            plan=source.plan, procedure_type=ProcedureType.FOLLOW_UP_CT,
            intent=Intent.FOLLOW_UP, target_lesion=source.procedure.target_lesion,
            notes=f"R8 follow-up CT at {months} months after embolization",
        )
        outcome = booking_create(procedure=procedure, resource=room, start=fit.start,
                                 end=fit.end, principal=None, status=Booking.Status.PROPOSED)
        FollowUpProposal.objects.filter(pk=claim.pk).update(booking=outcome.booking)
        created.append(outcome.booking)
    if created:
        notification_send(
            recipients=_coordinators(), kind=Notification.Kind.FOLLOW_UP_PROPOSED,
            subject=f"{len(created)} follow-up CT(s) proposed (R8)",
            body=f"Plan {source.plan.public_id}: follow-up CTs proposed after embolization; "
                 "confirm or move them.",
            link=f"/plans/{source.plan.public_id}/timeline/",
            dedup_key=f"follow-up-proposed:{source.public_id}",
        )
    return created


# --- violations and re-checks ---------------------------------------------------------------------


def violations_store(*, plan: TreatmentPlan, now: datetime) -> list[RuleViolation]:
    """Evaluate the plan against the patient's bookings and sync the Violation rows.

    New ones are created, existing ones refreshed (re-opened if they had been resolved),
    vanished ones resolved. Acknowledged ones stay acknowledged while they persist. Returns the
    current violations (domain values).
    """
    patient_id = plan.case.patient_id
    views = selectors.patient_booking_views(patient_id=patient_id)
    own = [v for v in views if v.plan_id == str(plan.pk)]
    tz = selectors._plan_tz(plan)
    context = engine_context.engine_context(patient_id=patient_id, bookings=views, now=now)
    current = engine.evaluate(bookings=own, rules=selectors.rule_specs(), history=views, tz=tz,
                              context=context)
    rules_by_code = {r.code: r for r in TimingRule.objects.filter(
        code__in={v.rule_code for v in current})}
    existing = {(v.rule_code, v.bookings_key): v for v in Violation.objects.filter(plan=plan)}
    seen = set()
    for v in current:
        key = (v.rule_code, _bookings_key(v.booking_ids))
        seen.add(key)
        fields = {
            "rule_id": v.rule_id, "severity": v.severity.value, "message": v.message,
            "off_by_minutes": int(v.off_by.total_seconds() // 60),
            "booking_public_ids": sorted(v.booking_ids), "last_seen_at": now,
            "timing_rule": rules_by_code.get(v.rule_code),
        }
        row = existing.get(key)
        if row is None:
            try:
                with transaction.atomic():
                    Violation.objects.create(plan=plan, rule_code=v.rule_code, bookings_key=key[1],
                                             first_seen_at=now, **fields)
            except IntegrityError:
                # A concurrent re-check inserted it first; refresh it instead.
                Violation.objects.filter(plan=plan, rule_code=key[0], bookings_key=key[1]).update(**fields)
            continue
        if row.status == Violation.Status.RESOLVED:
            fields.update(status=Violation.Status.OPEN, resolved_at=None,
                          occurrences=F("occurrences") + 1)
        Violation.objects.filter(pk=row.pk).update(**fields)
    gone = [row.pk for key, row in existing.items()
            if key not in seen and row.status != Violation.Status.RESOLVED]
    if gone:
        Violation.objects.filter(pk__in=gone).update(status=Violation.Status.RESOLVED, resolved_at=now)
    return [v for v in current if v.severity == Severity.SOFT]


@transaction.atomic
def plan_recheck(*, plan_id: int, now: datetime | None = None) -> dict[str, int]:
    """Re-evaluate one plan, store its violations and notify coordinators of each open one once
    (dedup key: violation id + how many times it opened). Safe to run twice."""
    now = now or timezone.now()
    plan = TreatmentPlan.objects.select_related("case").filter(pk=plan_id).first()
    if plan is None:
        return {"open": 0, "notified": 0}
    # Serialise concurrent re-checks of one plan (two workers after a redelivery).
    TreatmentPlan.objects.select_for_update().filter(pk=plan.pk).first()
    violations_store(plan=plan, now=now)
    open_rows = list(Violation.objects.filter(plan=plan, status=Violation.Status.OPEN))
    notified = 0
    coordinators = _coordinators() if open_rows else []
    for row in open_rows:
        notified += notification_send(
            recipients=coordinators, kind=Notification.Kind.RULE_VIOLATION,
            subject=f"{row.rule_id} {row.severity} timing rule broken in plan "
                    f"{str(plan.public_id)[:8]}",
            body=row.message,
            link=f"/plans/{plan.public_id}/timeline/",
            dedup_key=f"violation:{row.public_id}:{row.occurrences}",
        )
    return {"open": len(open_rows), "notified": notified}


def booking_sweep_recheck(*, now: datetime | None = None) -> int:
    """Enqueue a re-check of every active plan with a future active booking (nightly, and after
    a rule change). Returns how many plans were enqueued."""
    now = now or timezone.now()
    plan_ids = list(
        Booking.objects.filter(end__gt=now, plan__status=TreatmentPlan.Status.ACTIVE)
        .exclude(status=Booking.Status.CANCELLED)
        .values_list("plan_id", flat=True).distinct().order_by("plan_id")
    )
    with transaction.atomic():
        for plan_id in plan_ids:
            outbox_enqueue(task_name=PLAN_RECHECK_TASK, kwargs={"plan_id": plan_id},
                           dedup_key=f"{PLAN_RECHECK_TASK}:{plan_id}")
    return len(plan_ids)


@transaction.atomic
def violation_acknowledge(*, violation: Violation, principal: Principal, reason: str) -> Violation:
    """A coordinator accepts a soft violation with a reason (kept until it resolves).
    Raises ValueError for a hard or resolved violation or an empty reason."""
    if not reason.strip():
        raise ValueError("An acknowledgement needs a reason.")
    locked = Violation.objects.select_for_update().get(pk=violation.pk)
    if locked.severity != Severity.SOFT or locked.status == Violation.Status.RESOLVED:
        raise ValueError("Only an open soft violation can be acknowledged.")
    Violation.objects.filter(pk=locked.pk).update(
        status=Violation.Status.ACKNOWLEDGED, acknowledged_at=timezone.now(),
        acknowledged_by=principal.user if principal.is_user else None,
        acknowledged_reason=reason.strip()[:300],
    )
    locked.refresh_from_db()
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE, object_type="violation",
                 object_id=locked.public_id, detail={"acknowledged": locked.rule_code})
    return locked


# --- rules and catalogue -------------------------------------------------------------------------

RULE_EDITABLE = ("min_lag_minutes", "max_lag_minutes", "preferred_lag_minutes", "severity",
                 "active", "rationale", "source", "template")


class RuleValueError(ValueError):
    """A timing-rule value outside its allowed range or order; names the field and the rule
    (``lag_range``, ``lag_order``, ``template_range``), and the message gives the range."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.rule = rule
        self.message = message


@transaction.atomic
def timing_rule_update(*, rule: TimingRule, principal: Principal, expected_version: int,
                       changes: dict[str, Any], reason: str = "") -> TimingRule:
    """Edit a site's timing rule (administrators). Bumps the version (StaleVersion on mismatch),
    validates each lag against the rule id's allowed range, min ≤ preferred ≤ max and the
    template's ranges (scheduling.domain.rule_limits; RuleValueError naming the field, rule and
    range), and enqueues the sweep so every future plan is re-checked against the new rule."""
    locked = TimingRule.objects.select_for_update().get(pk=rule.pk)
    if locked.version != expected_version:
        raise StaleVersion(locked.version)
    unknown = set(changes) - set(RULE_EDITABLE)
    if unknown:
        raise RuleValueError(sorted(unknown)[0], "not_editable", "this field cannot be edited")
    for name, value in changes.items():
        setattr(locked, name, value)
    if locked.severity not in {s.value for s in Severity}:
        raise RuleValueError("severity", "choice", "must be hard or soft")
    problems = rule_limits.lag_problems(
        rule_id=locked.rule_id, min_lag=locked.min_lag_minutes, max_lag=locked.max_lag_minutes,
        preferred_lag=locked.preferred_lag_minutes,
    ) + rule_limits.template_problems(kind=locked.kind, template=locked.template)
    if problems:
        raise RuleValueError(*problems[0])
    locked.version = F("version") + 1
    locked.updated_by = principal.user if principal.is_user else None
    locked.change_reason = reason.strip()[:300]
    locked.save(update_fields=[*changes, "version", "updated_by", "change_reason", "updated_at"])
    locked.refresh_from_db()
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE, object_type="timing_rule",
                 object_id=locked.public_id, detail={"fields": sorted(changes)})
    outbox_enqueue(task_name=SWEEP_TASK, kwargs={}, dedup_key=SWEEP_TASK)
    return locked


@transaction.atomic
def catalogue_entry_update(*, entry: ProcedureCatalogueEntry, principal: Principal,
                           expected_version: int, changes: dict[str, Any]) -> ProcedureCatalogueEntry:
    """Edit a procedure's default duration / room kinds / fraction options (administrators)."""
    locked = ProcedureCatalogueEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.version != expected_version:
        raise StaleVersion(locked.version)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.version = F("version") + 1
    locked.save(update_fields=[*changes, "version", "updated_at"])
    locked.refresh_from_db()
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE,
                 object_type="procedure_catalogue", object_id=locked.procedure_type,
                 detail={"fields": sorted(changes)})
    return locked


# --- solver proposals -----------------------------------------------------------------------------


@transaction.atomic
def plan_proposal_apply(*, plan: TreatmentPlan, proposal: Any, principal: Principal | None
                        ) -> list[Booking]:
    """Book a solver proposal as ``proposed`` bookings, all or nothing (every check of
    booking_create applies: a slot taken meanwhile raises SlotTaken and nothing is kept)."""
    by_proc: dict[str, list[Any]] = {}
    for item in proposal.bookings:
        by_proc.setdefault(item.procedure_id, []).append(item)
    procedures = {str(p.public_id): p for p in plan.procedures.all()}
    resources = {str(r.public_id): r for r in Resource.objects.filter(
        public_id__in={i.resource_id for i in proposal.bookings})}
    created: list[Booking] = []
    for procedure_id, items in by_proc.items():
        items.sort(key=lambda i: i.start)
        procedure = procedures[procedure_id]
        for item in items:
            outcome = booking_create(
                procedure=procedure, resource=resources[item.resource_id], start=item.start,
                end=item.end, principal=principal, status=Booking.Status.PROPOSED,
                fractions=1 if procedure.procedure_type == ProcedureType.RADIOTHERAPY else None,
            )
            created.extend(outcome.bookings)
    return created
