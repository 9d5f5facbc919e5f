"""Follow-up imaging after a done embolization (R8: CT at 3, 6 and 12 months).

Proposed as ``proposed`` bookings in the first free CT slot around each target date; a
follow-up with no free slot is not booked and coordinators are told instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases import selectors as case_selectors
from cases.domain.codes import Intent, ProcedureType
from cases.services import planned_procedure_add
from core.models import Notification
from core.notifications import notification_send
from scheduling import selectors
from scheduling.domain import rules as rules_engine
from scheduling.domain import slots
from scheduling.domain.types import Interval, RuleKind
from scheduling.models import Booking, FollowUpProposal, Resource, TimingRule
from scheduling.services import bookings


def follow_up_propose(*, source: Booking, now: datetime) -> list[Booking]:
    """R8: propose follow-up CTs at the template's months after a done embolization, each in the
    first free CT slot from the target date within ± the tolerance (later side first).

    Idempotent: one FollowUpProposal row per (embolization booking, months). A follow-up with no
    free slot is not booked; coordinators are notified instead.
    """
    rule = TimingRule.objects.filter(rule_id="R8", kind=RuleKind.FOLLOW_UP, active=True).first()
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
                recipients=selectors.coordinators(), kind=Notification.Kind.PLACEMENT_BLOCKED,
                subject=_no_slot_subject(months),
                body=_no_slot_body(label=case_selectors.case_label(source.plan.case),
                                   months=months, days=tolerance.days),
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
        outcome = bookings.booking_create(procedure=procedure, resource=room, start=fit.start,
                                          end=fit.end, principal=None,
                                          status=Booking.Status.PROPOSED)
        FollowUpProposal.objects.filter(pk=claim.pk).update(booking=outcome.booking)
        created.append(outcome.booking)
    if created:
        count, label = len(created), case_selectors.case_label(source.plan.case)
        notification_send(
            recipients=selectors.coordinators(), kind=Notification.Kind.FOLLOW_UP_PROPOSED,
            # Translators: {count} follow-up CT scans were proposed; R8 is the follow-up rule.
            subject=lambda: ngettext("{count} follow-up CT proposed (R8)",
                                     "{count} follow-up CTs proposed (R8)",
                                     count).format(count=count),
            body=lambda: ngettext(
                # Translators: {patient} is the patient's pseudonym or hospital number.
                "Patient {patient}: follow-up CT proposed after embolization; confirm or move "
                "it.",
                "Patient {patient}: follow-up CTs proposed after embolization; confirm or move "
                "them.",
                count).format(patient=label),
            link=f"/plans/{source.plan.public_id}/timeline/",
            dedup_key=f"follow-up-proposed:{source.public_id}",
        )
    return created


def _no_slot_subject(months: int) -> Callable[[], str]:
    # Translators: {months} is 3, 6 or 12: the follow-up CT due that many months after the
    # embolization; R8 is the follow-up rule.
    return lambda: _("No CT slot for the {months}-month follow-up (R8)").format(months=months)


def _no_slot_body(*, label: str, months: int, days: int) -> Callable[[], str]:
    def render() -> str:
        return ngettext(
            # Translators: {patient} is the patient's pseudonym or hospital number, {days} the
            # tolerance around the target date, {months} the follow-up (3, 6 or 12 months).
            "Patient {patient}: no free CT slot within ± {days} day of the {months}-month "
            "follow-up after embolization.",
            "Patient {patient}: no free CT slot within ± {days} days of the {months}-month "
            "follow-up after embolization.",
            days).format(patient=label, days=days, months=months)

    return render
