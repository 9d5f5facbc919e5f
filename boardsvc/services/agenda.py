"""Agendas: freezing at the cut-off and circulation (R13), and the chair's actions on an
agenda: reorder, standard of care, defer, add a case by hand (late additions, R13/R14)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from boardsvc.domain import agenda as agenda_rules
from boardsvc.domain import placement as placement_rules
from boardsvc.domain.errors import BoardRuleError
from boardsvc.models import AgendaItem, Meeting, PlacementRecord
from cases.domain.codes import CaseStatus, Urgency
from cases.models import Case
from core.access import Principal
from core.models import Notification
from core.notifications import notification_send
from core.timezones import local_time
from core.web.localized import localized_name

from .common import User, now_or
from .placement import apply_placement, case_info, meeting_infos, replace_item

# --- Freeze and circulation --------------------------------------------------------------------


def agenda_freeze_due(*, now: datetime | None = None) -> int:
    """Freeze every planned meeting whose cut-off has passed (R13) and circulate its agenda.

    Each meeting is claimed by a conditional UPDATE (planned → frozen), so two runs freeze it
    once; circulation has its own claim and deduplicated notifications. Returns how many
    meetings this run froze.
    """
    moment = now_or(now)
    due = list(
        Meeting.objects.filter(status=Meeting.Status.PLANNED, kind=Meeting.Kind.REGULAR,
                               cutoff_at__lte=moment).order_by("cutoff_at", "pk")
        .values_list("pk", flat=True)
    )
    frozen = 0
    for meeting_id in due:
        if agenda_freeze(meeting_id=meeting_id, now=moment):
            frozen += 1
        agenda_circulate(meeting_id=meeting_id, now=moment)
    return frozen


@transaction.atomic
def agenda_freeze(*, meeting_id: int, now: datetime | None = None) -> bool:
    """Freeze one meeting's agenda if it is planned and past its cut-off. True if this call did."""
    moment = now_or(now)
    claimed = Meeting.objects.filter(
        pk=meeting_id, status=Meeting.Status.PLANNED, cutoff_at__lte=moment
    ).update(status=Meeting.Status.FROZEN, frozen_at=moment, version=F("version") + 1)
    return claimed == 1


@transaction.atomic
def agenda_circulate(*, meeting_id: int, now: datetime | None = None) -> int:
    """E-mail the frozen agenda to the board's active members, once (R13: circulated ≥ 24 h
    before). Claimed by setting ``circulated_at``; notifications are deduplicated per meeting
    and member. The message carries counts and a link, never patient details. Returns how many
    people were notified."""
    moment = now_or(now)
    claimed = Meeting.objects.filter(
        pk=meeting_id, circulated_at__isnull=True,
        status__in=[Meeting.Status.FROZEN, Meeting.Status.IN_SESSION],
    ).update(circulated_at=moment)
    if claimed != 1:
        return 0
    meeting = Meeting.objects.select_related("board").get(pk=meeting_id)
    items = AgendaItem.objects.filter(meeting=meeting, outcome=AgendaItem.Outcome.PENDING)
    count = items.count()
    minutes = items.aggregate(total=Sum("allotted_minutes"))["total"] or 0
    board = meeting.board
    zone_abbreviation = meeting.starts_at.astimezone(ZoneInfo(board.timezone)).tzname()
    recipients = list(User.objects.filter(
        board_memberships__board=board, board_memberships__active=True, is_active=True
    ).order_by("pk"))
    capacity = meeting.capacity_minutes
    return notification_send(
        recipients=recipients,
        kind=Notification.Kind.AGENDA_CIRCULATED,
        # Translators: {board} is the board's name, {when} the meeting's local date and time,
        # {zone} the zone's abbreviation ("CET").
        subject=lambda: _("{board}: agenda for {when} ({zone})").format(
            board=localized_name(board),
            when=local_time(meeting.starts_at, board.timezone, year=True),
            zone=zone_abbreviation),
        body=lambda: ngettext(
            # Translators: {count} cases take {minutes} of the meeting's {capacity} minutes.
            "The agenda is frozen: {count} case, {minutes} of {capacity} minutes. Open the "
            "meeting page to review the cases before the meeting.",
            "The agenda is frozen: {count} cases, {minutes} of {capacity} minutes. Open the "
            "meeting page to review the cases before the meeting.",
            count).format(count=count, minutes=minutes, capacity=capacity),
        link=f"/meetings/{meeting.public_id}/",
        dedup_key=f"agenda-circulated:{meeting.pk}",
        email=True,
    )


# --- The chair's actions ----------------------------------------------------------------------


def lock_item(item: AgendaItem) -> AgendaItem:
    """The item's row, locked, with its meeting, board, case and patient loaded."""
    return AgendaItem.objects.select_for_update(of=("self",)).select_related(
        "meeting__board", "case__patient").get(pk=item.pk)


def _require_editable(meeting: Meeting) -> None:
    if meeting.status not in (Meeting.Status.PLANNED, Meeting.Status.FROZEN,
                              Meeting.Status.IN_SESSION):
        raise BoardRuleError(f"The agenda of a {meeting.get_status_display().lower()} meeting "
                             "cannot change.", field="meeting", rule="state", status=409)


@transaction.atomic
def agenda_reorder(*, meeting: Meeting, item_public_ids: Sequence[uuid.UUID | str],
                   principal: Principal | None) -> list[AgendaItem]:
    """Set the order of a meeting's agenda; the list must name every item exactly once
    (else AgendaRuleError, a BoardRuleError on ``items``)."""
    locked = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    _require_editable(locked)
    items = {str(i.public_id): i for i in AgendaItem.objects.filter(meeting=locked)}
    requested = [str(pid) for pid in item_public_ids]
    agenda_rules.validate_reorder(list(items), requested)
    for position, pid in enumerate(requested):
        if items[pid].position != position:
            AgendaItem.objects.filter(pk=items[pid].pk).update(position=position,
                                                               version=F("version") + 1)
    Meeting.objects.filter(pk=locked.pk).update(version=F("version") + 1)
    return list(AgendaItem.objects.filter(meeting=locked).order_by("position", "pk"))


@transaction.atomic
def agenda_item_set_standard_of_care(*, item: AgendaItem, standard_of_care: bool,
                                     principal: Principal | None) -> AgendaItem:
    """Mark a pending discussion item as standard of care (listed, not discussed), or undo it."""
    locked = lock_item(item)
    _require_editable(locked.meeting)
    if locked.outcome != AgendaItem.Outcome.PENDING or \
            locked.purpose != AgendaItem.Purpose.DISCUSSION:
        raise BoardRuleError("Only a pending discussion item can change.", field="outcome",
                             rule="state", status=409)
    AgendaItem.objects.filter(pk=locked.pk).update(standard_of_care=standard_of_care,
                                                   version=F("version") + 1)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def agenda_item_defer(*, item: AgendaItem, reason: str, principal: Principal | None,
                      now: datetime | None = None) -> PlacementRecord:
    """Defer a pending item to a later meeting (placement rules again, after this meeting).

    The item keeps the outcome "deferred" and its reason. Raises BoardRuleError without a
    reason or when the item is not pending.
    """
    if not reason.strip():
        raise BoardRuleError("A reason is required to defer a case.", field="reason",
                             rule="required")
    locked = lock_item(item)
    _require_editable(locked.meeting)
    if locked.outcome != AgendaItem.Outcome.PENDING:
        raise BoardRuleError("Only a pending item can be deferred.", field="outcome",
                             rule="state", status=409)
    AgendaItem.objects.filter(pk=locked.pk).update(
        outcome=AgendaItem.Outcome.DEFERRED, defer_reason=reason[:300], version=F("version") + 1)
    locked.refresh_from_db()
    return replace_item(item=locked, now=now_or(now), principal=principal,
                        outcome=PlacementRecord.Outcome.DEFERRED)


@transaction.atomic
def agenda_item_add_late(*, meeting: Meeting, case: Case, reason: str,
                         principal: Principal | None, now: datetime | None = None) -> AgendaItem:
    """Add a case to a specific meeting by hand.

    Before the cut-off this is an ordinary addition. After it (R13) only an urgent or emergency
    case may be added, and only with a recorded reason; the meeting must not have started and
    must have room (R14). A case already waiting on another agenda is moved (its old item is
    withdrawn). Raises BoardRuleError naming the field and rule.
    """
    moment = now_or(now)
    locked_case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if locked_case.status not in (CaseStatus.READY_FOR_MDT, CaseStatus.LISTED):
        raise BoardRuleError("Only a case that is ready for MDT or listed can be added.",
                             field="case", rule="state", status=409)
    target = Meeting.objects.select_related("board").get(pk=meeting.pk)
    if target.status not in (Meeting.Status.PLANNED, Meeting.Status.FROZEN) or \
            target.starts_at <= moment:
        raise BoardRuleError("Cases can only be added to a meeting that has not started.",
                             field="meeting", rule="state", status=409)
    current = AgendaItem.objects.filter(case=locked_case, outcome=AgendaItem.Outcome.PENDING,
                                        purpose=AgendaItem.Purpose.DISCUSSION).first()
    if current is not None and current.meeting_id == target.pk:
        raise BoardRuleError("The case is already on this agenda.", field="case",
                             rule="already_listed", status=409)
    info = case_info(locked_case)
    late = moment >= target.cutoff_at or target.status == Meeting.Status.FROZEN
    if late and not info.is_urgent:
        raise BoardRuleError("The submission cut-off has passed; only urgent cases may be "
                             "added late (R13).", field="case", rule="R13_cut_off")
    if late and not reason.strip():
        raise BoardRuleError("A late addition needs a recorded reason (R13).", field="reason",
                             rule="required")
    regular_info = placement_rules.CaseInfo(  # the chosen meeting is regular: no ad-hoc path
        case_id=info.case_id, urgency=(Urgency.URGENT if info.is_urgent else Urgency.ROUTINE),
        ready_at=info.ready_at, lesion_count=info.lesion_count, ir_candidate=info.ir_candidate)
    candidates = meeting_infos([target.board], now=moment)[target.board_id]
    result = placement_rules.place_case(
        case=regular_info, meetings=[m for m in candidates if m.meeting_id == target.pk],
        now=moment, standard_minutes=target.board.standard_case_minutes,
        complex_minutes=target.board.complex_case_minutes, late_reason=reason)
    if result.outcome != "placed":
        raise BoardRuleError(str(result.reasons[0].message if result.reasons else "No room."),
                             field="meeting", rule="R14_capacity", status=409)
    if current is not None:
        AgendaItem.objects.filter(pk=current.pk).update(outcome=AgendaItem.Outcome.WITHDRAWN,
                                                        version=F("version") + 1)
    record = apply_placement(case=locked_case, board=target.board, result=result, now=moment,
                             principal=principal, record_outcome=PlacementRecord.Outcome.PLACED,
                             late_reason=reason[:300])
    assert record.agenda_item is not None
    return record.agenda_item
