"""Placement: which meeting a ready case goes to (boardsvc/domain/placement.py decides), and
placing again what a meeting did not discuss (roll-forward, deferral).

Capacity is read with the candidate meetings' rows locked, so two placements cannot both take
the last minutes (R14). Every attempt leaves a PlacementRecord with its explanation, and the
coordinators hear of a case that found no meeting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from boardsvc.domain import agenda as agenda_rules
from boardsvc.domain import placement as placement_rules
from boardsvc.domain.codes import COUNTING_OUTCOMES
from boardsvc.labels import placement_reasons_text
from boardsvc.models import AgendaItem, Board, BoardMember, Meeting, PlacementRecord
from cases import selectors as case_selectors
from cases.domain.codes import CaseStatus, Urgency
from cases.labels import requirement_text
from cases.models import Case
from cases.services import case_transition
from core.access import Principal, actor_fields
from core.models import Notification
from core.notifications import notification_send
from core.web.localized import localized_name

from .boards import boards_for_case
from .common import board_people, coordinators, local_label, now_or, oncall_window
from .emergency import notify_emergency_meeting
from .meetings import meeting_create_adhoc

_OPEN_FOR_PLACEMENT = (Meeting.Status.PLANNED, Meeting.Status.FROZEN, Meeting.Status.IN_SESSION)


@dataclass(frozen=True)
class BoardChoice:
    board: Board
    result: placement_rules.PlacementResult


def case_info(case: Case) -> placement_rules.CaseInfo:
    """The case as placement sees it: urgency, readiness time, lesions, whether IR may treat it
    (decision support suggests an IR procedure) and the MSCC flag (typed decision support)."""
    support = case_selectors.case_support_get(case=case)
    suggested = {s.procedure_type for lesion in support.lesions for s in lesion.suggestions}
    return placement_rules.CaseInfo(
        case_id=case.pk,
        urgency=case.urgency,
        ready_at=case.ready_at or case.submitted_at,
        lesion_count=len(support.lesions) or case.lesions.count(),
        ir_candidate=bool(suggested & placement_rules.IR_PROCEDURES),
        emergency=support.emergency,
    )


def meeting_infos(boards: Iterable[Board], *, now: datetime,
                  exclude_meeting_id: int | None = None,
                  after: datetime | None = None) -> dict[int, list[placement_rules.MeetingInfo]]:
    """Lock the boards' open upcoming meetings (so two placements cannot both take the last
    minutes) and return them with the minutes already used, per board id."""
    board_ids = [b.pk for b in boards]
    meetings = list(
        Meeting.objects.select_for_update(of=("self",))
        .filter(board_id__in=board_ids, status__in=_OPEN_FOR_PLACEMENT,
                starts_at__gte=now - timedelta(hours=12))
        .exclude(pk=exclude_meeting_id or 0)
        .order_by("pk")
    )
    if after is not None:
        meetings = [m for m in meetings if m.starts_at > after]
    used = dict(
        AgendaItem.objects.filter(meeting__in=meetings, outcome__in=COUNTING_OUTCOMES)
        .values("meeting_id").annotate(total=Sum("allotted_minutes"))
        .values_list("meeting_id", "total")
    )
    out: dict[int, list[placement_rules.MeetingInfo]] = {bid: [] for bid in board_ids}
    for m in meetings:
        out[m.board_id].append(placement_rules.MeetingInfo(
            meeting_id=m.pk, starts_at=m.starts_at, cutoff_at=m.cutoff_at,
            capacity_minutes=m.capacity_minutes, used_minutes=used.get(m.pk, 0) or 0,
            status=m.status, adhoc=m.kind == Meeting.Kind.ADHOC,
        ))
    return out


def choose_meeting(
    *, info: placement_rules.CaseInfo, boards: Sequence[Board], now: datetime,
    exclude_meeting_id: int | None = None, after: datetime | None = None, late_reason: str = "",
) -> BoardChoice:
    """The placement on the board whose chosen meeting is earliest; the first board's result
    (with its reasons) when no board has room."""
    infos = meeting_infos(boards, now=now, exclude_meeting_id=exclude_meeting_id, after=after)
    choices = [
        BoardChoice(board, placement_rules.place_case(
            case=info, meetings=infos[board.pk], now=now,
            standard_minutes=board.standard_case_minutes,
            complex_minutes=board.complex_case_minutes, late_reason=late_reason,
            oncall=oncall_window(board)))
        for board in boards
    ]
    placed = [c for c in choices if c.result.outcome == "placed"]
    if placed:
        starts = {m.meeting_id: m.starts_at for ms in infos.values() for m in ms}
        return min(placed, key=lambda c: (starts[c.result.meeting_id], c.board.slug))
    return choices[0]


def _next_position(meeting: Meeting, priority: str, *, carried: bool = False) -> int:
    """Insert urgent items before routine ones and carried-over items before new ones of the
    same urgency (domain/agenda.insert_position); shift the rest down by one."""
    items = [
        agenda_rules.ItemInfo(item_id=i.pk, position=i.position, priority=i.priority,
                              carried=i.carry_count > 0)
        for i in AgendaItem.objects.filter(meeting=meeting).order_by("position", "pk")
    ]
    index = agenda_rules.insert_position(items, priority, carried=carried)
    ordered = sorted(items, key=lambda i: (i.position, i.item_id))
    for offset, item in enumerate(ordered[index:], start=index + 1):
        if item.position != offset:
            AgendaItem.objects.filter(pk=item.item_id).update(position=offset)
    return index


def apply_placement(
    *,
    case: Case,
    board: Board,
    result: placement_rules.PlacementResult,
    now: datetime,
    principal: Principal | None,
    record_outcome: str,
    purpose: str = AgendaItem.Purpose.DISCUSSION,
    rolled_from: AgendaItem | None = None,
    late_reason: str = "",
    carry_count: int = 0,
) -> PlacementRecord:
    """Persist a placement result: create the ad-hoc meeting if asked, the agenda item and the
    placement record; move a ready case to "listed" (cases lifecycle).

    ``carry_count`` > 0 marks an item carried over undiscussed from ``rolled_from``'s meeting:
    it goes ahead of new items of its urgency, and from the second carry-over the board's chair
    is told (issue 11, item 8). An emergency placed on an ad-hoc meeting tells the on-call
    people when and where (R12)."""
    explanation = result.explanation()
    by_user = actor_fields(principal)["by_user"]
    if result.outcome == "no_meeting":
        record = PlacementRecord.objects.create(
            case=case, at=now, outcome=PlacementRecord.Outcome.NO_MEETING, board=board,
            explanation=explanation, by_user=by_user)
        _notify_unplaced(case=case, board=board, record=record)
        return record
    if result.outcome == "create_adhoc":
        assert result.adhoc is not None
        meeting = meeting_create_adhoc(
            board=board, starts_at=result.adhoc.starts_at,
            duration_minutes=result.adhoc.duration_minutes,
            note="Emergency ad-hoc meeting (R9-R12).")
        explanation[-1]["meeting_id"] = meeting.pk
    else:
        meeting = Meeting.objects.get(pk=result.meeting_id)
    priority = (AgendaItem.Priority.EMERGENCY if result.ratification_required
                else AgendaItem.Priority(case.urgency if case.urgency in AgendaItem.Priority.values
                                         else AgendaItem.Priority.ROUTINE))
    if purpose == AgendaItem.Purpose.RATIFICATION:
        priority = AgendaItem.Priority.URGENT
    carried_from = rolled_from.meeting if rolled_from is not None and carry_count > 0 else None
    position = _next_position(meeting, priority, carried=carry_count > 0)
    item = AgendaItem.objects.create(
        meeting=meeting, case=case, position=position, allotted_minutes=result.minutes,
        complex_case=result.complex_case, priority=priority, purpose=purpose,
        late_addition=result.late_addition, late_reason=late_reason if result.late_addition else "",
        ratification_required=(result.ratification_required
                               and purpose == AgendaItem.Purpose.DISCUSSION),
        rolled_from=rolled_from, carried_from=carried_from, carry_count=carry_count,
        placement_explanation=explanation, added_by=by_user,
    )
    outcome = (PlacementRecord.Outcome.LATE_ADDED if result.late_addition else record_outcome)
    record = PlacementRecord.objects.create(
        case=case, at=now, outcome=outcome, board=board, meeting=meeting, agenda_item=item,
        explanation=explanation, by_user=by_user)
    if case.status == CaseStatus.READY_FOR_MDT and purpose == AgendaItem.Purpose.DISCUSSION:
        case_transition(case=case, to_status=CaseStatus.LISTED, principal=principal,
                        reason=f"Placed on the agenda of meeting {meeting.public_id}.")
    if result.late_candidate_meeting_id is not None:
        _notify_late_candidate(case=case, board=board, meeting_id=result.late_candidate_meeting_id)
    if carried_from is not None and carry_count >= 2:
        _notify_carried_again(case=case, board=board, item=item, carried_from=carried_from)
    if meeting.kind == Meeting.Kind.ADHOC and purpose == AgendaItem.Purpose.DISCUSSION:
        notify_emergency_meeting(case=case, board=board, meeting=meeting)
    return record


def _notify_carried_again(*, case: Case, board: Board, item: AgendaItem,
                          carried_from: Meeting) -> None:
    """A case carried over a second time (or more) is slipping: the chair hears of it (the
    coordinators, on a board without a chair)."""
    label = case_selectors.case_label(case)
    count = item.carry_count

    def subject() -> str:
        return ngettext(
            # Translators: {patient} is the patient's pseudonym or hospital number, {count} how many
            # meetings in a row did not reach the case, {board} the board's name, {when} the local
            # date and time of the meeting it now waits for.
            "Patient {patient} carried over {count} time without discussion ({board}, {when})",
            "Patient {patient} carried over {count} times without discussion ({board}, {when})",
            count).format(patient=label, count=count, board=localized_name(board),
                          when=local_label(item.meeting.starts_at, board))

    def body() -> str:
        return ngettext(
            # Translators: {missed} is the local date and time of the meeting that did not reach the
            # case, {when} that of the meeting it is now on, {count} how many times in a row it was
            # carried over.
            "The case was not reached at the meeting on {missed}: it has now been carried over "
            "{count} time in a row. It leads the cases of its urgency on the meeting on {when}; "
            "consider discussing it first, or giving it more time.",
            "The case was not reached at the meeting on {missed}: it has now been carried over "
            "{count} times in a row. It leads the cases of its urgency on the meeting on {when}; "
            "consider discussing it first, or giving it more time.",
            count).format(missed=local_label(carried_from.starts_at, board), count=count,
                          when=local_label(item.meeting.starts_at, board))

    notification_send(
        recipients=board_people(board, [BoardMember.Role.CHAIR]) or coordinators(board),
        kind=Notification.Kind.GENERAL,
        subject=subject,
        body=body,
        link=f"/meetings/{item.meeting.public_id}/",
        dedup_key=f"carried-again:{item.pk}",
        email=True,
    )


def _notify_unplaced(*, case: Case, board: Board | None, record: PlacementRecord) -> None:
    reasons = list(record.explanation[-3:])
    label = case_selectors.case_label(case)
    notification_send(
        recipients=coordinators(board),
        kind=Notification.Kind.PLACEMENT_BLOCKED,
        # Translators: {patient} is the patient's pseudonym or hospital number.
        subject=lambda: _("Patient {patient} could not be placed on an agenda").format(
            patient=label),
        # The reasons in the recipient's language (boardsvc/labels.py).
        body=lambda: placement_reasons_text(reasons),
        link=f"/cases/{case.public_id}/",
        dedup_key=f"placement-none:{case.pk}:{case.version}",
    )


def _notify_late_candidate(*, case: Case, board: Board, meeting_id: int) -> None:
    meeting = Meeting.objects.get(pk=meeting_id)
    label = case_selectors.case_label(case)
    notification_send(
        recipients=coordinators(board),
        kind=Notification.Kind.GENERAL,
        # Translators: {patient} is the patient's pseudonym or hospital number, {board} the
        # board's name, {when} the local date and time of the meeting whose cut-off has passed.
        subject=lambda: _("Urgent: patient {patient} could be added late to {board}, "
                          "{when}").format(patient=label, board=localized_name(board),
                                           when=local_label(meeting.starts_at, board)),
        # Translators: {when} is the local date and time of the meeting; R13 is the rule that
        # sets the cut-off for adding cases to its agenda.
        body=lambda: _("The cut-off (R13) for the meeting on {when} has passed. The case was "
                       "placed on a later meeting; add it late with a recorded reason if it "
                       "cannot wait.").format(when=local_label(meeting.starts_at, board)),
        link=f"/meetings/{meeting.public_id}/",
        dedup_key=f"late-candidate:{case.pk}:{meeting_id}",
    )


@transaction.atomic
def agenda_place_case(*, case_id: int, now: datetime | None = None) -> PlacementRecord | None:
    """Place a case that became ready for MDT on the right meeting (domain/placement.py).

    Claim: the case row is locked and must still be "ready for MDT" with no pending agenda item,
    so a second run (or a duplicate delivery) does nothing and returns None. A case reaches
    "ready for MDT" only with its readiness met (cases.services.case_transition); if it was
    changed since and has unresolved requirements again, it is not placed: it goes back to
    "submitted" (so its status never claims a readiness it lacks) and the coordinators are told
    why (deduplicated per case version). Returns the placement record.
    """
    moment = now_or(now)
    case = Case.objects.select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None or case.status != CaseStatus.READY_FOR_MDT:
        return None
    if AgendaItem.objects.filter(case=case, outcome=AgendaItem.Outcome.PENDING,
                                 purpose=AgendaItem.Purpose.DISCUSSION).exists():
        return None
    unresolved = list(case_selectors.case_readiness(case=case))
    boards = boards_for_case(case)
    if unresolved:
        record = PlacementRecord.objects.create(
            case=case, at=moment, outcome=PlacementRecord.Outcome.BLOCKED,
            board=boards[0] if boards else None, unresolved=unresolved,
            explanation=[{"code": "unresolved", "message": "The case has unresolved "
                          "requirements and was not placed.", "meeting_id": None,
                          "starts_at": None}])
        label = case_selectors.case_label(case)
        notification_send(
            recipients=coordinators(boards[0] if boards else None),
            kind=Notification.Kind.PLACEMENT_BLOCKED,
            # Translators: {patient} is the patient's pseudonym or hospital number.
            subject=lambda: _("Patient {patient} is not ready for the MDT agenda").format(
                patient=label),
            # Each requirement in the recipient's language (cases.labels.requirement_text).
            body=lambda: "\n".join("- " + requirement_text(
                str(u.get("code", "")), u.get("params"), str(u.get("message", u.get("code", ""))))
                for u in unresolved),
            link=f"/cases/{case.public_id}/",
            dedup_key=f"placement-blocked:{case.pk}:{case.version}",
        )
        case_transition(case=case, to_status=CaseStatus.SUBMITTED, principal=None,
                        reason="Not ready for MDT: "
                        + ", ".join(str(u.get("code", "")) for u in unresolved))
        return record
    if not boards:
        record = PlacementRecord.objects.create(
            case=case, at=moment, outcome=PlacementRecord.Outcome.NO_MEETING,
            explanation=[{"code": "no_board", "message": "No active board fits this referral "
                          "(requested board unknown, or no board takes this histology).",
                          "meeting_id": None, "starts_at": None}])
        _notify_unplaced(case=case, board=None, record=record)
        return record
    choice = choose_meeting(info=case_info(case), boards=boards, now=moment)
    return apply_placement(case=case, board=choice.board, result=choice.result, now=moment,
                           principal=None, record_outcome=PlacementRecord.Outcome.PLACED)


def place_ready_cases(*, now: datetime | None = None) -> int:
    """Place every case that is ready for MDT and not yet on an agenda. Returns how many were
    placed (used after seeding, and safe to run any time)."""
    placed = 0
    for case_id in (Case.objects.filter(status=CaseStatus.READY_FOR_MDT)
                    .order_by("ready_at", "pk").values_list("pk", flat=True)):
        record = agenda_place_case(case_id=case_id, now=now)
        if record is not None and record.agenda_item_id is not None:
            placed += 1
    return placed


def replace_item(*, item: AgendaItem, now: datetime, principal: Principal | None,
                 outcome: str) -> PlacementRecord:
    """Place a rolled-forward or deferred item again (placement rules again), after its meeting.

    A rolled-forward item is a carry-over: the new item counts it (``carry_count``, one more
    than the item it replaces) and keeps the meeting it came from. A deferral is the board's
    choice, not a slip, and starts the count again. When nothing fits, the case goes back to
    "ready for MDT" and the coordinators are told.
    """
    case = Case.objects.select_for_update(of=("self",)).get(pk=item.case_id)
    board = item.meeting.board
    carry_count = (item.carry_count + 1 if outcome == PlacementRecord.Outcome.ROLLED_FORWARD
                   else 0)
    info = replace(case_info(case), carry_count=carry_count)
    if item.purpose == AgendaItem.Purpose.RATIFICATION:
        # Ratification is a regular-meeting matter: never an ad-hoc one.
        info = placement_rules.CaseInfo(case_id=case.pk, urgency=Urgency.URGENT,
                                        ready_at=info.ready_at, lesion_count=1,
                                        carry_count=carry_count)
    choice = choose_meeting(info=info, boards=[board], now=now,
                            exclude_meeting_id=item.meeting_id, after=item.meeting.starts_at)
    record = apply_placement(case=case, board=board, result=choice.result, now=now,
                             principal=principal, record_outcome=outcome, purpose=item.purpose,
                             rolled_from=item, carry_count=carry_count)
    if (record.agenda_item_id is None and item.purpose == AgendaItem.Purpose.DISCUSSION
            and case.status == CaseStatus.LISTED):
        # The case was ready when it was listed; it waits as ready for the next meeting with
        # room, and agenda_place_case re-checks its readiness then.
        case_transition(case=case, to_status=CaseStatus.READY_FOR_MDT, principal=principal,
                        reason="Not discussed and no later meeting had room.",
                        check_readiness=False)
    return record


@transaction.atomic
def meeting_roll_forward(*, meeting_id: int, now: datetime | None = None) -> int:
    """Place every rolled-forward item of a closed or cancelled meeting on a later meeting.

    Claimed by setting ``rolled_forward_at`` (a conditional UPDATE), and each item can be
    rolled once (``agenda_item_rolled_once``), so running twice changes nothing. The original
    item keeps the outcome "rolled forward". Returns how many items found a new meeting.
    """
    moment = now_or(now)
    claimed = Meeting.objects.filter(
        pk=meeting_id, rolled_forward_at__isnull=True,
        status__in=[Meeting.Status.CLOSED, Meeting.Status.CANCELLED],
    ).update(rolled_forward_at=moment)
    if claimed != 1:
        return 0
    moved = 0
    items = (AgendaItem.objects.filter(meeting_id=meeting_id,
                                       outcome=AgendaItem.Outcome.ROLLED_FORWARD,
                                       rolled_to__isnull=True)
             .select_related("meeting__board").order_by("position", "pk"))
    for item in items:
        record = replace_item(item=item, now=moment, principal=None,
                              outcome=PlacementRecord.Outcome.ROLLED_FORWARD)
        if record.agenda_item_id is not None:
            moved += 1
    return moved
