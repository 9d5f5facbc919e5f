"""Every write to boards, meetings, agendas, attendance and decisions (README, "Architecture").

Services are keyword-only, typed and atomic. They map rows to domain values, let
boardsvc/domain decide, and persist. Background work is claimed with a conditional UPDATE (the
healthchecks pattern) so a task delivered twice does its work once; follow-up tasks go through
the outbox and run only after commit. Errors a person can act on are raised as BoardRuleError,
which names the field and the rule (the API turns it into problem+json).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from cases import selectors as case_selectors
from cases.domain.codes import CaseStatus
from cases.domain.lifecycle import IllegalTransition
from cases.domain.purposes import purpose_from_item
from cases.models import Case
from cases.services import case_transition, treatment_plan_create
from core.access import GROUP_COORDINATOR, Principal
from core.audit import audit_record
from core.models import AuditEvent, Notification
from core.notifications import notification_send
from core.outbox import outbox_enqueue
from core.timezones import zone_name

from .domain import agenda as agenda_rules
from .domain import clock as clock_rules
from .domain import placement as placement_rules
from .domain.decisions import plan_adherence
from .domain.emergency import deadline_lines, mscc_deadlines
from .domain.quorum import AttendanceSpan, quorum_check, validate_requirements
from .domain.recurrence import cutoff_for, weekly_occurrences
from .models import (
    AgendaItem,
    Attendance,
    Board,
    BoardMember,
    Decision,
    DecisionRevision,
    Holiday,
    Meeting,
    PlacementRecord,
)

User = get_user_model()

# Outcomes whose minutes still count against a meeting's capacity (R14).
_COUNTING = (
    AgendaItem.Outcome.PENDING,
    AgendaItem.Outcome.DISCUSSED,
    AgendaItem.Outcome.STANDARD_OF_CARE,
)
_OPEN_FOR_PLACEMENT = (Meeting.Status.PLANNED, Meeting.Status.FROZEN, Meeting.Status.IN_SESSION)
TASK_ROLL_FORWARD = "boardsvc.tasks.meeting_roll_forward"


class BoardRuleError(Exception):
    """A request breaks a board rule. ``status`` is 400 (bad input) or 409 (wrong state)."""

    def __init__(self, message: str, *, field: str | None = None, rule: str = "invalid",
                 status: int = 400, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule
        self.status = status
        self.extra = extra or {}

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [{"field": self.field, "rule": self.rule, "message": self.message}]


class StaleDecision(Exception):
    """The caller's If-Match version is not the decision's current one (→ 412)."""

    def __init__(self, current: int) -> None:
        super().__init__(f"current version is {current}")
        self.current = current


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def _user_of(principal: Principal | None) -> Any:
    return principal.user if principal is not None and principal.is_user else None


def _client_of(principal: Principal | None) -> str:
    return principal.client_id if principal is not None and principal.is_client else ""


def _coordinators(board: Board | None) -> list[Any]:
    """People told about placement problems: group coordinators and the board's coordinators."""
    q = Q(groups__name=GROUP_COORDINATOR)
    if board is not None:
        q |= Q(board_memberships__board=board, board_memberships__role=BoardMember.Role.COORDINATOR,
               board_memberships__active=True)
    return list(User.objects.filter(q, is_active=True).distinct().order_by("pk"))


def _board_people(board: Board, roles: Sequence[str]) -> list[Any]:
    """Active users holding one of ``roles`` on ``board``."""
    return list(User.objects.filter(
        is_active=True, board_memberships__board=board, board_memberships__active=True,
        board_memberships__role__in=list(roles)).distinct().order_by("pk"))


def _oncall_people(board: Board) -> list[Any]:
    """Who hears of an emergency at once (R12): the board's chair(s), its coordinator(s) and its
    MSCC coordinator(s) (by role, or by the MSCC coordinator specialty). A board without a
    coordinator of its own falls back on the site's coordinators, so someone always hears."""
    people = {u.pk: u for u in _board_people(board, [BoardMember.Role.CHAIR,
                                                     BoardMember.Role.COORDINATOR,
                                                     BoardMember.Role.MSCC_COORDINATOR])}
    for user in User.objects.filter(is_active=True, board_memberships__board=board,
                                    board_memberships__active=True,
                                    board_memberships__specialty="mscc_coordinator"):
        people.setdefault(user.pk, user)
    if not BoardMember.objects.filter(board=board, active=True,
                                      role=BoardMember.Role.COORDINATOR).exists():
        for user in _coordinators(None):
            people.setdefault(user.pk, user)
    return [people[pk] for pk in sorted(people)]


def _oncall_window(board: Board) -> placement_rules.OncallWindow:
    return placement_rules.OncallWindow(tz_name=board.timezone, start=board.oncall_start,
                                        end=board.oncall_end)


def _local_label(moment: datetime, board: Board) -> str:
    local = moment.astimezone(ZoneInfo(board.timezone))
    return f"{local:%a %d %b %Y %H:%M} {board.timezone}"


# --- Boards -----------------------------------------------------------------------------------


@transaction.atomic
def board_create(
    *,
    slug: str,
    name: str,
    focus: str = "",
    timezone_name: str = "",
    histologies: Sequence[str] = (),
    recurrence_weekday: int = 1,
    recurrence_time: time = time(14, 0),
    default_duration_minutes: int = 90,
    capacity_minutes: int = 90,
    cutoff_hours: int = 24,
    standard_case_minutes: int = placement_rules.STANDARD_MINUTES_DEFAULT,
    complex_case_minutes: int = placement_rules.COMPLEX_MINUTES_DEFAULT,
    quorum_requirements: list[list[str]] | None = None,
    oncall_start: time = placement_rules.ONCALL_START_DEFAULT,
    oncall_end: time = placement_rules.ONCALL_END_DEFAULT,
    start_margin_minutes: int = clock_rules.START_MARGIN_DEFAULT_MINUTES,
) -> Board:
    """Create a board. Raises django ValidationError for an unknown zone, a cut-off outside
    24-72 h (R13), minutes per case outside 2-15 (R14), malformed quorum groups (R15) or a
    start margin outside 0-1440 minutes. ``oncall_start``/``oncall_end`` bound ad-hoc
    meetings (local time; equal means around the clock)."""
    timezone_name = zone_name(timezone_name)
    try:
        ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"timezone": ["Unknown time zone."]}) from None
    board = Board(
        slug=slug, name=name, focus=focus, timezone=timezone_name, histologies=list(histologies),
        recurrence_weekday=recurrence_weekday, recurrence_time=recurrence_time,
        default_duration_minutes=default_duration_minutes, capacity_minutes=capacity_minutes,
        cutoff_hours=cutoff_hours, standard_case_minutes=standard_case_minutes,
        complex_case_minutes=complex_case_minutes, oncall_start=oncall_start,
        oncall_end=oncall_end, start_margin_minutes=start_margin_minutes,
    )
    if quorum_requirements is not None:
        try:
            board.quorum_requirements = validate_requirements(quorum_requirements)
        except ValueError as exc:
            raise ValidationError({"quorum_requirements": [str(exc)]}) from None
    errors: dict[str, list[str]] = {}
    if not 24 <= cutoff_hours <= 72:
        errors["cutoff_hours"] = ["The submission cut-off must be 24-72 hours (R13)."]
    for field_name, value in (("standard_case_minutes", standard_case_minutes),
                              ("complex_case_minutes", complex_case_minutes)):
        if not 2 <= value <= 15:
            errors[field_name] = ["Minutes per case must be 2-15 (R14)."]
    if not 0 <= start_margin_minutes <= clock_rules.START_MARGIN_MAX_MINUTES:
        errors["start_margin_minutes"] = ["The start margin must be 0-1440 minutes."]
    if errors:
        raise ValidationError(errors)
    board.full_clean()
    board.save()
    return board


@transaction.atomic
def board_member_add(
    *, board: Board, user: Any, specialty: str, role: str = BoardMember.Role.MEMBER
) -> BoardMember:
    """Add (or re-activate and update) a member. Idempotent per (board, user)."""
    member, _ = BoardMember.objects.update_or_create(
        board=board, user=user, defaults={"specialty": specialty, "role": role, "active": True}
    )
    return member


# --- Meetings ---------------------------------------------------------------------------------


def meeting_horizon_upkeep(*, now: datetime | None = None, weeks: int | None = None) -> int:
    """Create the regular meetings of every active board for the next ``weeks`` weeks.

    Idempotent and safe to run concurrently: each occurrence date exists once per board (the
    ``meeting_one_per_occurrence`` constraint), a cancelled or moved meeting keeps its
    occurrence date, and holidays (site-wide or per board) are skipped. Returns how many
    meetings were created.
    """
    moment = _now(now)
    horizon = weeks if weeks is not None else settings.BOARDSVC_MEETING_HORIZON_WEEKS
    created = 0
    for board in Board.objects.filter(active=True, recurrence_active=True).order_by("pk"):
        created += _board_horizon(board=board, now=moment, weeks=horizon)
    return created


@transaction.atomic
def _board_horizon(*, board: Board, now: datetime, weeks: int) -> int:
    today = now.astimezone(ZoneInfo(board.timezone)).date()
    end = today + timedelta(weeks=weeks)
    holidays = set(
        Holiday.objects.filter(Q(board=board) | Q(board__isnull=True), date__gte=today,
                               date__lte=end).values_list("date", flat=True)
    )
    occurrences = weekly_occurrences(
        weekday=board.recurrence_weekday, local_time=board.recurrence_time,
        tz_name=board.timezone, duration_minutes=board.default_duration_minutes,
        start=today, end=end, holidays=holidays,
    )
    existing = set(
        Meeting.objects.filter(board=board, kind=Meeting.Kind.REGULAR, occurrence_date__gte=today,
                               occurrence_date__lte=end).values_list("occurrence_date", flat=True)
    )
    new = [
        Meeting(
            board=board, kind=Meeting.Kind.REGULAR, occurrence_date=occ.local_date,
            starts_at=occ.starts_at, ends_at=occ.ends_at,
            cutoff_at=cutoff_for(occ.starts_at, board.cutoff_hours),
            capacity_minutes=board.capacity_minutes,
        )
        for occ in occurrences
        if occ.local_date not in existing and occ.starts_at > now
    ]
    # ignore_conflicts: a concurrent upkeep that inserted the same date first wins quietly.
    Meeting.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def meeting_create_adhoc(
    *,
    board: Board,
    starts_at: datetime,
    duration_minutes: int = placement_rules.ADHOC_DURATION_MINUTES_DEFAULT,
    virtual: bool = True,
    note: str = "",
) -> Meeting:
    """An ad-hoc (by default virtual) meeting, e.g. for an emergency (R9-R12). It has no
    submission cut-off, so its cut-off is its start."""
    if starts_at.tzinfo is None:
        raise BoardRuleError("The start must carry a time zone.", field="starts_at",
                             rule="aware_datetime")
    return Meeting.objects.create(
        board=board, kind=Meeting.Kind.ADHOC, starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=duration_minutes), cutoff_at=starts_at,
        capacity_minutes=duration_minutes, virtual=virtual, note=note[:300],
    )


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, reason: str, principal: Principal | None) -> Meeting:
    """Cancel a planned or frozen meeting (a one-off cancellation). Its pending items roll
    forward to the next meeting after commit. Raises BoardRuleError (409) in another state."""
    if not reason.strip():
        raise BoardRuleError("A reason is required to cancel a meeting.", field="reason",
                             rule="required")
    claimed = Meeting.objects.filter(
        pk=meeting.pk, status__in=[Meeting.Status.PLANNED, Meeting.Status.FROZEN]
    ).update(status=Meeting.Status.CANCELLED, note=reason[:300], version=F("version") + 1)
    if claimed != 1:
        raise BoardRuleError("Only a planned or frozen meeting can be cancelled.",
                             field="status", rule="state", status=409)
    AgendaItem.objects.filter(meeting=meeting, outcome=AgendaItem.Outcome.PENDING).update(
        outcome=AgendaItem.Outcome.ROLLED_FORWARD, version=F("version") + 1
    )
    outbox_enqueue(task_name=TASK_ROLL_FORWARD, kwargs={"meeting_id": meeting.pk},
                   dedup_key=f"{TASK_ROLL_FORWARD}:{meeting.pk}")
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def meeting_move(
    *, meeting: Meeting, starts_at: datetime, reason: str, principal: Principal | None
) -> Meeting:
    """Move one planned meeting (a one-off move); its cut-off follows the board's setting.

    The occurrence date is kept, so the horizon upkeep does not recreate the original slot.
    """
    if starts_at.tzinfo is None:
        raise BoardRuleError("The start must carry a time zone.", field="starts_at",
                             rule="aware_datetime")
    locked = Meeting.objects.select_for_update().select_related("board").get(pk=meeting.pk)
    if locked.status != Meeting.Status.PLANNED:
        raise BoardRuleError("Only a planned meeting can be moved.", field="status",
                             rule="state", status=409)
    duration = locked.ends_at - locked.starts_at
    cutoff = (starts_at if locked.kind == Meeting.Kind.ADHOC
              else cutoff_for(starts_at, locked.board.cutoff_hours))
    Meeting.objects.filter(pk=locked.pk).update(
        starts_at=starts_at, ends_at=starts_at + duration, cutoff_at=cutoff, note=reason[:300],
        version=F("version") + 1,
    )
    locked.refresh_from_db()
    return locked


@transaction.atomic
def meeting_start(
    *, meeting: Meeting, principal: Principal | None, now: datetime | None = None
) -> Meeting:
    """Open a planned or frozen meeting (→ in session), no earlier than the board's start
    margin before its scheduled start (boardsvc/domain/clock.py; decisions can then only be
    recorded in a meeting that is actually taking place). Raises BoardRuleError (409): rule
    ``start_margin`` when it is too early, ``state`` in another status."""
    moment = _now(now)
    locked = Meeting.objects.select_for_update().select_related("board").get(pk=meeting.pk)
    if locked.status in (Meeting.Status.PLANNED, Meeting.Status.FROZEN):
        margin = locked.board.start_margin_minutes
        opens = clock_rules.start_opens_at(locked.starts_at, margin)
        try:
            clock_rules.check_start(starts_at=locked.starts_at, now=moment,
                                    margin_minutes=margin,
                                    local_label=_local_label(opens, locked.board))
        except clock_rules.MeetingClockError as exc:
            raise BoardRuleError(exc.message, field="starts_at", rule=exc.rule, status=409,
                                 extra={"starts_at": locked.starts_at.isoformat(),
                                        "start_opens_at": opens.isoformat(),
                                        "start_margin_minutes": margin}) from None
    claimed = Meeting.objects.filter(
        pk=meeting.pk, status__in=[Meeting.Status.PLANNED, Meeting.Status.FROZEN]
    ).update(status=Meeting.Status.IN_SESSION, started_at=moment, version=F("version") + 1)
    if claimed != 1:
        raise BoardRuleError("Only a planned or frozen meeting can start.", field="status",
                             rule="state", status=409)
    Meeting.objects.filter(pk=meeting.pk, frozen_at__isnull=True).update(frozen_at=moment)
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def meeting_close(
    *, meeting: Meeting, principal: Principal | None, now: datetime | None = None
) -> Meeting:
    """Close a meeting in session ("Finish Meeting").

    Pending standard-of-care items end as listed-not-discussed (the case moves to discussed);
    every other pending item is marked "rolled forward" and is placed on a later meeting by
    ``meeting_roll_forward`` after commit. Raises BoardRuleError (409) unless in session: rule
    ``not_started`` for a meeting that has not started (the meeting clock), else ``state``.
    """
    moment = _now(now)
    claimed = Meeting.objects.filter(pk=meeting.pk, status=Meeting.Status.IN_SESSION).update(
        status=Meeting.Status.CLOSED, closed_at=moment, version=F("version") + 1
    )
    if claimed != 1:
        current = Meeting.objects.get(pk=meeting.pk)
        if current.status in (Meeting.Status.PLANNED, Meeting.Status.FROZEN):
            # Closing before starting would roll every case forward from a meeting that never
            # took place: the meeting clock says start first.
            raise BoardRuleError("The meeting has not started: start it before closing it.",
                                 field="status", rule=clock_rules.RULE_NOT_STARTED,
                                 status=409)
        raise BoardRuleError("Only a meeting in session can be closed.", field="status",
                             rule="state", status=409)
    items = list(AgendaItem.objects.filter(meeting=meeting, outcome=AgendaItem.Outcome.PENDING)
                 .select_related("case"))
    outcomes = agenda_rules.close_outcomes([
        agenda_rules.ItemInfo(item_id=i.pk, position=i.position, priority=i.priority,
                              outcome=i.outcome, standard_of_care=i.standard_of_care,
                              purpose=i.purpose)
        for i in items
    ])
    for item in items:
        new = outcomes.get(item.pk)
        if new is None:
            continue
        AgendaItem.objects.filter(pk=item.pk).update(outcome=new, version=F("version") + 1)
        if new == agenda_rules.STANDARD_OF_CARE and item.case.status == CaseStatus.LISTED:
            case_transition(case=item.case, to_status=CaseStatus.DISCUSSED, principal=principal,
                            reason="Standard of care: listed, not discussed.")
    outbox_enqueue(task_name=TASK_ROLL_FORWARD, kwargs={"meeting_id": meeting.pk},
                   dedup_key=f"{TASK_ROLL_FORWARD}:{meeting.pk}")
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE, object_type="meeting",
                 object_id=meeting.public_id, detail={"event": "closed"})
    meeting.refresh_from_db()
    return meeting


# --- Agenda freeze and circulation -------------------------------------------------------------


def agenda_freeze_due(*, now: datetime | None = None) -> int:
    """Freeze every planned meeting whose cut-off has passed (R13) and circulate its agenda.

    Each meeting is claimed by a conditional UPDATE (planned → frozen), so two runs freeze it
    once; circulation has its own claim and deduplicated notifications. Returns how many
    meetings this run froze.
    """
    moment = _now(now)
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
    moment = _now(now)
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
    moment = _now(now)
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
    zone = ZoneInfo(meeting.board.timezone)
    local = meeting.starts_at.astimezone(zone)
    recipients = list(User.objects.filter(
        board_memberships__board=meeting.board, board_memberships__active=True, is_active=True
    ).order_by("pk"))
    return notification_send(
        recipients=recipients,
        kind=Notification.Kind.AGENDA_CIRCULATED,
        subject=f"{meeting.board.name}: agenda for {local:%a %d %b %Y %H:%M} ({local.tzname()})",
        body=(f"The agenda is frozen: {count} case(s), {minutes} of {meeting.capacity_minutes} "
              "minutes. Open the meeting page to review the cases before the meeting."),
        link=f"/meetings/{meeting.public_id}/",
        dedup_key=f"agenda-circulated:{meeting.pk}",
        email=True,
    )


# --- Placement --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BoardChoice:
    board: Board
    result: placement_rules.PlacementResult


def _boards_for_case(case: Case) -> list[Board]:
    """The requested board if the referral names one; else boards whose focus fits the primary
    histology, boards that list it explicitly first, then catch-all boards."""
    boards = list(Board.objects.filter(active=True).order_by("slug"))
    if case.requested_board:
        return [b for b in boards if b.slug == case.requested_board]
    explicit = [b for b in boards if case.primary_histology in (b.histologies or [])]
    catch_all = [b for b in boards if not b.histologies]
    return explicit or catch_all


def _case_info(case: Case) -> placement_rules.CaseInfo:
    support = case_selectors.case_decision_support(case=case)
    suggested = {
        str(s.get("procedure_type", ""))
        for lesion in support.get("lesions", []) or []
        for s in lesion.get("suggestions", []) or []
    }
    lesion_count = len(support.get("lesions", []) or []) or case.lesions.count()
    return placement_rules.CaseInfo(
        case_id=case.pk,
        urgency=case.urgency,
        ready_at=case.ready_at or case.submitted_at,
        lesion_count=lesion_count,
        ir_candidate=bool(suggested & placement_rules.IR_PROCEDURES),
        emergency=bool(support.get("emergency")),
    )


def _meeting_infos(boards: Iterable[Board], *, now: datetime,
                   exclude_meeting_id: int | None = None,
                   after: datetime | None = None) -> dict[int, list[placement_rules.MeetingInfo]]:
    """Lock the boards' open upcoming meetings (so two placements cannot both take the last
    minutes) and return them with the minutes already used, per board id."""
    board_ids = [b.pk for b in boards]
    meetings = list(
        Meeting.objects.select_for_update()
        .filter(board_id__in=board_ids, status__in=_OPEN_FOR_PLACEMENT,
                starts_at__gte=now - timedelta(hours=12))
        .exclude(pk=exclude_meeting_id or 0)
        .order_by("pk")
    )
    if after is not None:
        meetings = [m for m in meetings if m.starts_at > after]
    used = dict(
        AgendaItem.objects.filter(meeting__in=meetings, outcome__in=_COUNTING)
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


def _choose(
    *, info: placement_rules.CaseInfo, boards: Sequence[Board], now: datetime,
    exclude_meeting_id: int | None = None, after: datetime | None = None, late_reason: str = "",
) -> _BoardChoice:
    infos = _meeting_infos(boards, now=now, exclude_meeting_id=exclude_meeting_id, after=after)
    choices = [
        _BoardChoice(board, placement_rules.place_case(
            case=info, meetings=infos[board.pk], now=now,
            standard_minutes=board.standard_case_minutes,
            complex_minutes=board.complex_case_minutes, late_reason=late_reason,
            oncall=_oncall_window(board)))
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


def _apply(
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
    if result.outcome == "no_meeting":
        record = PlacementRecord.objects.create(
            case=case, at=now, outcome=PlacementRecord.Outcome.NO_MEETING, board=board,
            explanation=explanation, by_user=_user_of(principal))
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
        placement_explanation=explanation, added_by=_user_of(principal),
    )
    outcome = (PlacementRecord.Outcome.LATE_ADDED if result.late_addition else record_outcome)
    record = PlacementRecord.objects.create(
        case=case, at=now, outcome=outcome, board=board, meeting=meeting, agenda_item=item,
        explanation=explanation, by_user=_user_of(principal))
    if case.status == CaseStatus.READY_FOR_MDT and purpose == AgendaItem.Purpose.DISCUSSION:
        case_transition(case=case, to_status=CaseStatus.LISTED, principal=principal,
                        reason=f"Placed on the agenda of meeting {meeting.public_id}.")
    if result.late_candidate_meeting_id is not None:
        _notify_late_candidate(case=case, board=board, meeting_id=result.late_candidate_meeting_id)
    if carried_from is not None and carry_count >= 2:
        _notify_carried_again(case=case, board=board, item=item, carried_from=carried_from)
    if meeting.kind == Meeting.Kind.ADHOC and purpose == AgendaItem.Purpose.DISCUSSION:
        _notify_emergency_meeting(case=case, board=board, meeting=meeting)
    return record


def _notify_carried_again(*, case: Case, board: Board, item: AgendaItem,
                          carried_from: Meeting) -> None:
    """A case carried over a second time (or more) is slipping: the chair hears of it (the
    coordinators, on a board without a chair)."""
    notification_send(
        recipients=_board_people(board, [BoardMember.Role.CHAIR]) or _coordinators(board),
        kind=Notification.Kind.GENERAL,
        subject=(f"Case {str(case.public_id)[:8]} carried over {item.carry_count} times "
                 "without discussion"),
        body=(f"The case was not reached at the meeting on "
              f"{_local_label(carried_from.starts_at, board)}: it has now been carried over "
              f"{item.carry_count} times in a row. It leads the cases of its urgency on the "
              f"meeting on {_local_label(item.meeting.starts_at, board)}; consider discussing "
              "it first, or giving it more time."),
        link=f"/meetings/{item.meeting.public_id}/",
        dedup_key=f"carried-again:{item.pk}",
        email=True,
    )


def _emergency_body(*, case: Case, board: Board, meeting: Meeting | None,
                    neurological: bool) -> str:
    thresholds = case_selectors.site_thresholds_effective()
    deadlines = mscc_deadlines(
        suspected_at=case.submitted_at, mri_hours=thresholds["mscc_mri_hours"],
        rt_hours=thresholds["mscc_rt_hours"],
        advice_hours=thresholds["mscc_expert_advice_hours"],
        meeting_at=meeting.starts_at if meeting is not None else None,
        neurological=neurological)
    if meeting is not None:
        where = (f"Ad-hoc {'virtual ' if meeting.virtual else ''}meeting: "
                 f"{_local_label(meeting.starts_at, board)}.")
    elif case.status == CaseStatus.SUBMITTED:
        where = ("Once the referral is complete and marked ready for MDT, an ad-hoc meeting is "
                 f"set up in the board's on-call window ({_oncall_window(board).label()}).")
    else:
        where = "An ad-hoc meeting is being set up (R9-R12)."
    return "\n".join([
        f"Suspected metastatic spinal cord compression, referred at "
        f"{_local_label(case.submitted_at, board)} (the clocks below start then).",
        where, "", "Deadlines (R9-R12, docs/clinical-rules.md):",
        *deadline_lines(deadlines, board.timezone),
    ])


def _notify_emergency_meeting(*, case: Case, board: Board, meeting: Meeting) -> None:
    facts = case_selectors.case_facts(case)
    notification_send(
        recipients=_oncall_people(board),
        kind=Notification.Kind.GENERAL,
        subject=(f"MSCC case {str(case.public_id)[:8]}: ad-hoc meeting "
                 f"{_local_label(meeting.starts_at, board)}"),
        body=_emergency_body(case=case, board=board, meeting=meeting,
                             neurological=any(les.neurological_deficit for les in facts.lesions)),
        link=f"/meetings/{meeting.public_id}/",
        dedup_key=f"mscc-meeting:{case.pk}:{meeting.pk}",
        email=True,
    )


def emergency_alert(*, case_id: int) -> int:
    """Tell the on-call people of a suspected MSCC the moment the referral arrives (R12).

    Runs after every intake and update (cases.services enqueues it, with the case id only). A
    case that is not an emergency (decision support's MSCC flag, or urgency "emergency") is a
    no-op. Recipients: the chair, coordinator(s) and MSCC coordinator(s) of the board the case
    goes to, whatever the hour; the message carries the R9-R12 deadlines from the referral
    time, the pseudonym and a link, never a name. Deduplicated per case and person, so a second
    run (or a later update) sends nothing new. Returns how many people were newly told.
    """
    case = Case.objects.select_related("patient").filter(pk=case_id).first()
    if case is None or case.status == CaseStatus.CLOSED:
        return 0
    support = case_selectors.case_decision_support(case=case)
    if not (support.get("emergency") or case.urgency == "emergency"):
        return 0
    boards = _boards_for_case(case)
    if not boards:
        return 0
    board = boards[0]
    facts = case_selectors.case_facts(case)
    return notification_send(
        recipients=_oncall_people(board),
        kind=Notification.Kind.GENERAL,
        subject=f"MSCC emergency: case {str(case.public_id)[:8]} needs the on-call team now",
        body=_emergency_body(case=case, board=board, meeting=None,
                             neurological=any(les.neurological_deficit for les in facts.lesions)),
        link=f"/cases/{case.public_id}/",
        dedup_key=f"mscc-alert:{case.pk}",
        email=True,
    )


def _notify_unplaced(*, case: Case, board: Board | None, record: PlacementRecord) -> None:
    reasons = "; ".join(str(r.get("message", "")) for r in record.explanation[-3:])
    notification_send(
        recipients=_coordinators(board),
        kind=Notification.Kind.PLACEMENT_BLOCKED,
        subject=f"Case {str(case.public_id)[:8]} could not be placed on an agenda",
        body=reasons,
        link=f"/cases/{case.public_id}/",
        dedup_key=f"placement-none:{case.pk}:{case.version}",
    )


def _notify_late_candidate(*, case: Case, board: Board, meeting_id: int) -> None:
    meeting = Meeting.objects.get(pk=meeting_id)
    notification_send(
        recipients=_coordinators(board),
        kind=Notification.Kind.GENERAL,
        subject=f"Urgent case {str(case.public_id)[:8]} could be added late",
        body=(f"The cut-off (R13) for the meeting on {meeting.starts_at:%Y-%m-%d %H:%M} UTC has "
              "passed. The case was placed on a later meeting; add it late with a recorded "
              "reason if it cannot wait."),
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
    moment = _now(now)
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None or case.status != CaseStatus.READY_FOR_MDT:
        return None
    if AgendaItem.objects.filter(case=case, outcome=AgendaItem.Outcome.PENDING,
                                 purpose=AgendaItem.Purpose.DISCUSSION).exists():
        return None
    unresolved = list(case_selectors.case_readiness(case=case))
    boards = _boards_for_case(case)
    if unresolved:
        record = PlacementRecord.objects.create(
            case=case, at=moment, outcome=PlacementRecord.Outcome.BLOCKED,
            board=boards[0] if boards else None, unresolved=unresolved,
            explanation=[{"code": "unresolved", "message": "The case has unresolved "
                          "requirements and was not placed.", "meeting_id": None,
                          "starts_at": None}])
        notification_send(
            recipients=_coordinators(boards[0] if boards else None),
            kind=Notification.Kind.PLACEMENT_BLOCKED,
            subject=f"Case {str(case.public_id)[:8]} is not ready for the MDT agenda",
            body="\n".join(f"- {u.get('message', u.get('code', ''))}" for u in unresolved),
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
    choice = _choose(info=_case_info(case), boards=boards, now=moment)
    return _apply(case=case, board=choice.board, result=choice.result, now=moment,
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


def _replace_item(*, item: AgendaItem, now: datetime, principal: Principal | None,
                  outcome: str) -> PlacementRecord:
    """Place a rolled-forward or deferred item again (placement rules again), after its meeting.

    A rolled-forward item is a carry-over: the new item counts it (``carry_count``, one more
    than the item it replaces) and keeps the meeting it came from. A deferral is the board's
    choice, not a slip, and starts the count again. When nothing fits, the case goes back to
    "ready for MDT" and the coordinators are told.
    """
    case = Case.objects.select_for_update().get(pk=item.case_id)
    board = item.meeting.board
    carry_count = (item.carry_count + 1 if outcome == PlacementRecord.Outcome.ROLLED_FORWARD
                   else 0)
    info = replace(_case_info(case), carry_count=carry_count)
    if item.purpose == AgendaItem.Purpose.RATIFICATION:
        # Ratification is a regular-meeting matter: never an ad-hoc one.
        info = placement_rules.CaseInfo(case_id=case.pk, urgency=placement_rules.URGENT,
                                        ready_at=info.ready_at, lesion_count=1,
                                        carry_count=carry_count)
    choice = _choose(info=info, boards=[board], now=now, exclude_meeting_id=item.meeting_id,
                     after=item.meeting.starts_at)
    record = _apply(case=case, board=board, result=choice.result, now=now, principal=principal,
                    record_outcome=outcome, purpose=item.purpose, rolled_from=item,
                    carry_count=carry_count)
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
    moment = _now(now)
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
        record = _replace_item(item=item, now=moment, principal=None,
                               outcome=PlacementRecord.Outcome.ROLLED_FORWARD)
        if record.agenda_item_id is not None:
            moved += 1
    return moved


# --- Agenda actions ---------------------------------------------------------------------------


def _lock_item(item: AgendaItem) -> AgendaItem:
    return AgendaItem.objects.select_for_update().select_related(
        "meeting__board", "case__patient").get(pk=item.pk)


def _require_editable(meeting: Meeting) -> None:
    if meeting.status not in (Meeting.Status.PLANNED, Meeting.Status.FROZEN,
                              Meeting.Status.IN_SESSION):
        raise BoardRuleError(f"The agenda of a {meeting.get_status_display().lower()} meeting "
                             "cannot change.", field="meeting", rule="state", status=409)


@transaction.atomic
def agenda_reorder(*, meeting: Meeting, item_public_ids: Sequence[uuid.UUID | str],
                   principal: Principal | None) -> list[AgendaItem]:
    """Set the order of a meeting's agenda; the list must name every item exactly once."""
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_editable(locked)
    items = {str(i.public_id): i for i in AgendaItem.objects.filter(meeting=locked)}
    requested = [str(pid) for pid in item_public_ids]
    try:
        agenda_rules.validate_reorder(list(items), requested)
    except agenda_rules.AgendaRuleError as exc:
        raise BoardRuleError(str(exc), field=exc.field, rule=exc.rule) from None
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
    locked = _lock_item(item)
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
    locked = _lock_item(item)
    _require_editable(locked.meeting)
    if locked.outcome != AgendaItem.Outcome.PENDING:
        raise BoardRuleError("Only a pending item can be deferred.", field="outcome",
                             rule="state", status=409)
    AgendaItem.objects.filter(pk=locked.pk).update(
        outcome=AgendaItem.Outcome.DEFERRED, defer_reason=reason[:300], version=F("version") + 1)
    locked.refresh_from_db()
    return _replace_item(item=locked, now=_now(now), principal=principal,
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
    moment = _now(now)
    locked_case = Case.objects.select_for_update().get(pk=case.pk)
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
    info = _case_info(locked_case)
    late = moment >= target.cutoff_at or target.status == Meeting.Status.FROZEN
    if late and not info.is_urgent:
        raise BoardRuleError("The submission cut-off has passed; only urgent cases may be "
                             "added late (R13).", field="case", rule="R13_cut_off")
    if late and not reason.strip():
        raise BoardRuleError("A late addition needs a recorded reason (R13).", field="reason",
                             rule="required")
    routine_info = placement_rules.CaseInfo(  # the chosen meeting is regular: no ad-hoc path
        case_id=info.case_id, urgency=(placement_rules.URGENT if info.is_urgent
                                       else placement_rules.ROUTINE),
        ready_at=info.ready_at, lesion_count=info.lesion_count, ir_candidate=info.ir_candidate)
    meeting_infos = _meeting_infos([target.board], now=moment)[target.board_id]
    result = placement_rules.place_case(
        case=routine_info, meetings=[m for m in meeting_infos if m.meeting_id == target.pk],
        now=moment, standard_minutes=target.board.standard_case_minutes,
        complex_minutes=target.board.complex_case_minutes, late_reason=reason)
    if result.outcome != "placed":
        raise BoardRuleError(str(result.reasons[0].message if result.reasons else "No room."),
                             field="meeting", rule="R14_capacity", status=409)
    if current is not None:
        AgendaItem.objects.filter(pk=current.pk).update(outcome=AgendaItem.Outcome.WITHDRAWN,
                                                        version=F("version") + 1)
    record = _apply(case=locked_case, board=target.board, result=result, now=moment,
                    principal=principal, record_outcome=PlacementRecord.Outcome.PLACED,
                    late_reason=reason[:300])
    assert record.agenda_item is not None
    return record.agenda_item


# --- Attendance -------------------------------------------------------------------------------


@transaction.atomic
def attendance_arrive(*, meeting: Meeting, user: Any, principal: Principal | None,
                      specialty: str = "", at: datetime | None = None) -> Attendance:
    """Record that someone arrived. A member covers their own specialty unless told otherwise;
    anyone covering a specialty that is not theirs on this board is a stand-in (counts for R15).

    Raises BoardRuleError when the meeting is closed or cancelled, when a non-member gives no
    specialty, or when the person is already present (409).
    """
    moment = _now(at)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.status in (Meeting.Status.CLOSED, Meeting.Status.CANCELLED):
        raise BoardRuleError("Attendance cannot change after the meeting is closed.",
                             field="meeting", rule="state", status=409)
    member = BoardMember.objects.filter(board_id=locked.board_id, user=user, active=True).first()
    covered = specialty or (member.specialty if member else "")
    if not covered:
        raise BoardRuleError("A person who is not a member of this board must say which "
                             "specialty they cover.", field="specialty", rule="required")
    if Attendance.objects.filter(meeting=locked, user=user, left_at__isnull=True).exists():
        raise BoardRuleError("This person is already recorded as present.", field="user",
                             rule="already_present", status=409)
    attendance = Attendance(
        meeting=locked, user=user, specialty=covered,
        stand_in=member is None or member.specialty != covered, arrived_at=moment,
        recorded_by=_user_of(principal))
    attendance.full_clean(exclude=["meeting", "user", "recorded_by"])
    try:
        with transaction.atomic():
            attendance.save()
    except IntegrityError:
        raise BoardRuleError("This person is already recorded as present.", field="user",
                             rule="already_present", status=409) from None
    return attendance


@transaction.atomic
def attendance_leave(*, meeting: Meeting, user: Any, principal: Principal | None,
                     at: datetime | None = None) -> Attendance:
    """Record that someone left. Raises BoardRuleError when they are not present (409) or the
    time is not after their arrival (400)."""
    moment = _now(at)
    attendance = (Attendance.objects.select_for_update()
                  .filter(meeting=meeting, user=user, left_at__isnull=True).first())
    if attendance is None:
        raise BoardRuleError("This person is not recorded as present.", field="user",
                             rule="not_present", status=409)
    if moment <= attendance.arrived_at:
        raise BoardRuleError("Leaving must be after arriving.", field="at", rule="after_arrival")
    Attendance.objects.filter(pk=attendance.pk).update(left_at=moment)
    attendance.refresh_from_db()
    return attendance


def _quorum(meeting: Meeting, at: datetime) -> dict[str, Any]:
    spans = [
        AttendanceSpan(person_id=a.user_id, specialty=a.specialty, arrived_at=a.arrived_at,
                       left_at=a.left_at, stand_in=a.stand_in)
        for a in Attendance.objects.filter(meeting=meeting)
    ]
    result = quorum_check(requirements=meeting.board.quorum_requirements or [], attendance=spans,
                          at=at)
    return result.as_dict()


# --- Decisions --------------------------------------------------------------------------------


def _decision_snapshot(decision: Decision) -> dict[str, Any]:
    return {
        "public_id": str(decision.public_id),
        "version": decision.version,
        "outcome_text": decision.outcome_text,
        "procedures": decision.procedures,
        "plan_public_id": str(decision.plan_public_id) if decision.plan_public_id else None,
        "followed_suggestions": decision.followed_suggestions,
        "departures": decision.departures,
        "override_reason": decision.override_reason,
        "quorum_met": decision.quorum_met,
        "quorum_snapshot": decision.quorum_snapshot,
        "ratification_required": decision.ratification_required,
        "recorded_at": decision.recorded_at.isoformat(),
        "amended_at": decision.amended_at.isoformat() if decision.amended_at else None,
    }


def _revision(decision: Decision, *, principal: Principal | None, reason: str,
              at: datetime) -> None:
    DecisionRevision.objects.create(
        decision=decision, version=decision.version, snapshot=_decision_snapshot(decision),
        reason=reason[:300], at=at, by_user=_user_of(principal), by_client=_client_of(principal))


def _clean_procedures(procedures: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The plan items as stored on the decision: JSON values, no blanks, and the purpose
    normalised (issue 11, item 2): ``purpose`` from itself or the deprecated
    ``embolization_purpose`` ("adjuvant" → "pre_ablation"), which an embolization keeps
    emitting as an alias of ``purpose`` for integrators."""
    clean: list[dict[str, Any]] = []
    for item in procedures:
        row = {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in item.items()
               if v is not None and v != ""}
        if "dose_gy" in row:
            row["dose_gy"] = str(row["dose_gy"])
        purpose = purpose_from_item(row)
        row.pop("embolization_purpose", None)
        if purpose:
            row["purpose"] = purpose
            if row.get("procedure_type") == "embolization":
                row["embolization_purpose"] = purpose
        clean.append(row)
    return clean


def _make_plan(*, case: Case, procedures: list[dict[str, Any]], principal: Principal | None,
               decision_public_id: uuid.UUID, summary: str) -> uuid.UUID | None:
    if not procedures:
        return None
    try:
        plan = treatment_plan_create(case=case, procedures=procedures, principal=principal,
                                     decision_public_id=decision_public_id, summary=summary)
    except ValueError as exc:
        message = str(exc)
        field = message.split(" ", 1)[0] if message.startswith("procedures[") else "procedures"
        raise BoardRuleError(message, field=field, rule="invalid") from None
    except ValidationError as exc:
        raise BoardRuleError("; ".join(exc.messages), field="procedures", rule="invalid") from None
    return plan.public_id


@transaction.atomic
def decision_record(
    *,
    item: AgendaItem,
    outcome_text: str,
    procedures: Sequence[dict[str, Any]],
    principal: Principal | None,
    override_reason: str = "",
    now: datetime | None = None,
) -> Decision:
    """Record the MDT decision on a pending discussion item of a meeting in session.

    Snapshots the decision support the board saw and whether the plan followed it (an override
    reason is required when it departs), and the per-case quorum from who was present now
    (R15; a decision without quorum is recorded but flagged). Creates the treatment plan, moves
    the case to "discussed", writes revision 1 and an audit row. An emergency item decided at an
    ad-hoc meeting is queued for ratification at the next regular meeting. Raises
    BoardRuleError (400 bad input, 409 wrong state).
    """
    moment = _now(now)
    locked = _lock_item(item)
    if Decision.objects.filter(agenda_item=locked).exists():
        raise BoardRuleError("A decision is already recorded for this item; amend it instead.",
                             field="agenda_item", rule="already_decided", status=409)
    if locked.purpose != AgendaItem.Purpose.DISCUSSION or \
            locked.outcome != AgendaItem.Outcome.PENDING:
        raise BoardRuleError("Only a pending discussion item can receive a decision.",
                             field="agenda_item", rule="state", status=409)
    if locked.meeting.status != Meeting.Status.IN_SESSION:
        raise BoardRuleError("Decisions are recorded while the meeting is in session.",
                             field="meeting", rule="state", status=409)
    if not outcome_text.strip():
        raise BoardRuleError("The outcome text is required.", field="outcome_text",
                             rule="required")
    case = locked.case
    clean = _clean_procedures(procedures)
    support = case_selectors.case_decision_support(case=case)
    adherence = plan_adherence(procedures=clean, support=support)
    if not adherence.followed and not override_reason.strip():
        raise BoardRuleError(
            "The plan departs from the decision-support suggestions; record an override "
            "reason. " + " ".join(d.message for d in adherence.departures),
            field="override_reason", rule="required_when_overriding",
            extra={"departures": [d.as_dict() for d in adherence.departures]})
    quorum = _quorum(locked.meeting, moment)
    public_id = uuid.uuid4()
    plan_id = _make_plan(case=case, procedures=clean, principal=principal,
                         decision_public_id=public_id, summary=outcome_text[:2000])
    ratify = locked.ratification_required
    decision = Decision.objects.create(
        public_id=public_id, agenda_item=locked, meeting=locked.meeting, case=case,
        outcome_text=outcome_text, procedures=clean, plan_public_id=plan_id,
        suggestions_snapshot=support, followed_suggestions=adherence.followed,
        departures=[d.as_dict() for d in adherence.departures],
        override_reason=override_reason if not adherence.followed else override_reason.strip(),
        quorum_met=bool(quorum["met"]), quorum_snapshot=quorum,
        emergency=bool(support.get("emergency")) or case.urgency == "emergency",
        ratification_required=ratify, recorded_by=_user_of(principal),
        recorded_by_client=_client_of(principal), recorded_at=moment,
    )
    new_outcome = (AgendaItem.Outcome.STANDARD_OF_CARE if locked.standard_of_care
                   else AgendaItem.Outcome.DISCUSSED)
    AgendaItem.objects.filter(pk=locked.pk).update(outcome=new_outcome, discussed_at=moment,
                                                   version=F("version") + 1)
    try:
        case_transition(case=case, to_status=CaseStatus.DISCUSSED, principal=principal,
                        reason="MDT decision recorded.")
    except IllegalTransition as exc:
        raise BoardRuleError(str(exc), field="case", rule="state", status=409) from None
    _revision(decision, principal=principal, reason="recorded", at=moment)
    audit_record(principal=principal, action=AuditEvent.Action.CREATE, object_type="decision",
                 object_id=decision.public_id, patient_pseudonym=case.patient.public_id,
                 detail={"quorum_met": decision.quorum_met,
                         "followed_suggestions": decision.followed_suggestions})
    if ratify:
        _queue_ratification(item=locked, decision=decision, now=moment)
    return decision


def _queue_ratification(*, item: AgendaItem, decision: Decision, now: datetime) -> None:
    """Put an emergency decision on the next regular meeting for ratification (R9-R12)."""
    board = item.meeting.board
    info = placement_rules.CaseInfo(case_id=item.case_id, urgency=placement_rules.URGENT,
                                    ready_at=now, lesion_count=1)
    choice = _choose(info=info, boards=[board], now=now, exclude_meeting_id=item.meeting_id)
    record = _apply(case=item.case, board=board, result=choice.result, now=now, principal=None,
                    record_outcome=PlacementRecord.Outcome.PLACED,
                    purpose=AgendaItem.Purpose.RATIFICATION)
    link = (f"/meetings/{record.meeting.public_id}/" if record.meeting is not None
            else f"/cases/{item.case.public_id}/")
    notification_send(
        recipients=_coordinators(board),
        kind=Notification.Kind.RATIFICATION,
        subject=f"Emergency decision {str(decision.public_id)[:8]} awaits ratification",
        body="An emergency decision taken at an ad-hoc meeting is listed for ratification at "
             "the next regular meeting (R9-R12).",
        link=link,
        dedup_key=f"ratification:{decision.pk}",
    )


@transaction.atomic
def decision_ratify(*, item: AgendaItem, principal: Principal | None,
                    now: datetime | None = None) -> Decision:
    """Ratify an emergency decision at a regular meeting in session (its ratification item)."""
    moment = _now(now)
    locked = _lock_item(item)
    if locked.purpose != AgendaItem.Purpose.RATIFICATION or \
            locked.outcome != AgendaItem.Outcome.PENDING:
        raise BoardRuleError("Only a pending ratification item can be ratified.",
                             field="agenda_item", rule="state", status=409)
    if locked.meeting.status != Meeting.Status.IN_SESSION:
        raise BoardRuleError("Ratification happens while the meeting is in session.",
                             field="meeting", rule="state", status=409)
    decision = (Decision.objects.select_for_update()
                .filter(case_id=locked.case_id, ratification_required=True,
                        ratified_at__isnull=True).order_by("-recorded_at").first())
    if decision is None:
        raise BoardRuleError("No emergency decision awaits ratification for this case.",
                             field="agenda_item", rule="nothing_to_ratify", status=409)
    Decision.objects.filter(pk=decision.pk).update(ratified_at=moment, ratified_in=locked.meeting)
    AgendaItem.objects.filter(pk=locked.pk).update(outcome=AgendaItem.Outcome.DISCUSSED,
                                                   discussed_at=moment, version=F("version") + 1)
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE, object_type="decision",
                 object_id=decision.public_id, patient_pseudonym=locked.case.patient.public_id,
                 detail={"event": "ratified"})
    decision.refresh_from_db()
    return decision


_UNSET: Any = object()


@transaction.atomic
def decision_amend(
    *,
    decision: Decision,
    expected_version: int,
    reason: str,
    principal: Principal | None,
    outcome_text: str | None = None,
    procedures: Sequence[dict[str, Any]] | None = None,
    override_reason: str | None = None,
    now: datetime | None = None,
) -> Decision:
    """Amend a decision after the meeting, keeping the original visible (DecisionRevision).

    Optimistic concurrency: ``expected_version`` must be current (else StaleDecision → 412);
    the version is bumped in the same conditional UPDATE. New procedures create a new plan
    (the old one is superseded) and are re-checked against the original suggestions snapshot.
    Raises BoardRuleError without an amendment reason or with a departure and no override reason.
    """
    moment = _now(now)
    if not reason.strip():
        raise BoardRuleError("A reason is required to amend a decision.", field="reason",
                             rule="required")
    locked = Decision.objects.select_for_update().select_related("case__patient").get(
        pk=decision.pk)
    if locked.version != expected_version:
        raise StaleDecision(locked.version)
    changes: dict[str, Any] = {}
    new_text = locked.outcome_text if outcome_text is None else outcome_text
    if not new_text.strip():
        raise BoardRuleError("The outcome text is required.", field="outcome_text",
                             rule="required")
    changes["outcome_text"] = new_text
    new_override = locked.override_reason if override_reason is None else override_reason
    new_procedures = locked.procedures if procedures is None else _clean_procedures(procedures)
    adherence = plan_adherence(procedures=new_procedures, support=locked.suggestions_snapshot)
    if not adherence.followed and not new_override.strip():
        raise BoardRuleError(
            "The plan departs from the decision-support suggestions; record an override "
            "reason.", field="override_reason", rule="required_when_overriding",
            extra={"departures": [d.as_dict() for d in adherence.departures]})
    changes.update(procedures=new_procedures, followed_suggestions=adherence.followed,
                   departures=[d.as_dict() for d in adherence.departures],
                   override_reason=new_override)
    if procedures is not None:
        changes["plan_public_id"] = _make_plan(
            case=locked.case, procedures=new_procedures, principal=principal,
            decision_public_id=locked.public_id, summary=new_text[:2000])
    updated = Decision.objects.filter(pk=locked.pk, version=expected_version).update(
        version=F("version") + 1, amended_at=moment, **changes)
    if updated != 1:  # pragma: no cover - the row lock above makes this unreachable
        raise StaleDecision(locked.version)
    locked.refresh_from_db()
    _revision(locked, principal=principal, reason=reason, at=moment)
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE, object_type="decision",
                 object_id=locked.public_id, patient_pseudonym=locked.case.patient.public_id,
                 detail={"version": locked.version})
    return locked


def meeting_next_regular(*, board: Board, after: datetime) -> Meeting | None:
    """The next regular meeting of a board starting after ``after`` that is not cancelled."""
    return (Meeting.objects.filter(board=board, kind=Meeting.Kind.REGULAR, starts_at__gt=after)
            .exclude(status=Meeting.Status.CANCELLED).order_by("starts_at").first())


def holiday_add(*, day: date, name: str, board: Board | None = None) -> Holiday:
    """Declare a holiday (site-wide when ``board`` is None). Idempotent per date and board."""
    holiday, _ = Holiday.objects.get_or_create(date=day, board=board, defaults={"name": name})
    return holiday


__all__ = [
    "BoardRuleError",
    "StaleDecision",
    "agenda_circulate",
    "agenda_freeze",
    "agenda_freeze_due",
    "agenda_item_add_late",
    "agenda_item_defer",
    "agenda_item_set_standard_of_care",
    "agenda_place_case",
    "agenda_reorder",
    "attendance_arrive",
    "attendance_leave",
    "board_create",
    "board_member_add",
    "decision_amend",
    "decision_ratify",
    "decision_record",
    "emergency_alert",
    "holiday_add",
    "meeting_cancel",
    "meeting_close",
    "meeting_create_adhoc",
    "meeting_horizon_upkeep",
    "meeting_move",
    "meeting_next_regular",
    "meeting_roll_forward",
    "meeting_start",
    "place_ready_cases",
]
