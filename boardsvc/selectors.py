"""Reads of boards, meetings, agendas, attendance and decisions, scoped to the principal.

Scoping happens in the query: a board member sees only the boards they belong to, so another
board's meeting is simply not found (404). Coordinators, administrators and system clients
(with agenda:read, checked by the view) see every board. Querysets come with select_related /
prefetch_related applied, so list endpoints run a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from cases import selectors as case_selectors
from cases.models import Case
from core.access import Principal

from .domain import clock as clock_rules
from .domain.codes import COUNTING_OUTCOMES
from .domain.quorum import AttendanceSpan, quorum_check
from .models import (
    AgendaItem,
    Attendance,
    Board,
    BoardMember,
    Decision,
    DecisionRevision,
    Meeting,
    PlacementRecord,
)


def _valid_uuid(value: object) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def principal_board_ids(*, principal: Principal) -> set[int] | None:
    """Board ids the principal may see; None means every board."""
    if principal.is_client and principal.client_boards is not None:
        return set(Board.objects.filter(slug__in=sorted(principal.client_boards))
                   .values_list("id", flat=True))
    if principal.is_client or principal.is_coordinator or principal.is_admin:
        return None
    if not principal.is_user:
        return set()
    cached = getattr(principal.user, "_boardsvc_board_ids", None)
    if cached is None:
        cached = set(BoardMember.objects.filter(user=principal.user, active=True)
                     .values_list("board_id", flat=True))
        principal.user._boardsvc_board_ids = cached
    return cached


def principal_manages_board(*, principal: Principal, board_id: int) -> bool:
    """Whether the principal may change this board's agendas and record its decisions: group
    coordinators and administrators, the board's chair and coordinators, and system clients
    (the view has checked their decisions:write scope) allowed on that board."""
    if principal.is_client and principal.client_boards is not None:
        return board_id in (principal_board_ids(principal=principal) or set())
    if principal.is_client or principal.is_coordinator or principal.is_admin:
        return True
    if not principal.is_user:
        return False
    return BoardMember.objects.filter(
        board_id=board_id, user=principal.user, active=True,
        role__in=[BoardMember.Role.CHAIR, BoardMember.Role.COORDINATOR],
    ).exists()


def _scope(queryset: QuerySet[Any], principal: Principal, path: str) -> QuerySet[Any]:
    if not principal.is_authenticated:
        return queryset.none()
    ids = principal_board_ids(principal=principal)
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def board_list_visible(*, principal: Principal) -> QuerySet[Board]:
    """Active boards the principal may see, by name, with active member counts."""
    return _scope(Board.objects.filter(active=True), principal, "pk").annotate(
        member_count=Count("members", filter=Q(members__active=True))
    ).order_by("name", "pk")


def board_get_visible(*, principal: Principal, public_id: UUID | str) -> Board:
    """Raises Board.DoesNotExist when unknown or outside the principal's boards."""
    if not _valid_uuid(public_id):
        raise Board.DoesNotExist
    return _scope(Board.objects.all(), principal, "pk").prefetch_related(
        Prefetch("members", queryset=BoardMember.objects.filter(active=True)
                 .select_related("user").order_by("role", "specialty", "pk"))
    ).get(public_id=public_id)


def meeting_list_visible(
    *,
    principal: Principal,
    board: UUID | str | None = None,
    starts_from: datetime | None = None,
    starts_to: datetime | None = None,
    status: Iterable[str] = (),
) -> QuerySet[Meeting]:
    """Meetings of the principal's boards, by start, with item counts and minutes used.

    Filters: board public id, start range (inclusive from, exclusive to), statuses. Backed by
    the (board, starts_at) and (starts_at) indexes.
    """
    queryset = _scope(Meeting.objects.select_related("board"), principal, "board_id")
    if board is not None:
        queryset = queryset.filter(board__public_id=board)
    if starts_from is not None:
        queryset = queryset.filter(starts_at__gte=starts_from)
    if starts_to is not None:
        queryset = queryset.filter(starts_at__lt=starts_to)
    statuses = list(status)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    return queryset.annotate(
        item_count=Count("items", filter=Q(items__outcome__in=COUNTING_OUTCOMES)),
        minutes_used=Sum("items__allotted_minutes", filter=Q(items__outcome__in=COUNTING_OUTCOMES)),
    ).order_by("starts_at", "pk")


def meeting_get_visible(*, principal: Principal, public_id: UUID | str) -> Meeting:
    """Raises Meeting.DoesNotExist when unknown or another board's meeting."""
    if not _valid_uuid(public_id):
        raise Meeting.DoesNotExist
    return meeting_list_visible(principal=principal).get(public_id=public_id)


def meeting_start_window(*, meeting: Meeting, now: datetime) -> dict[str, Any]:
    """When the meeting may be started (domain/clock.py): ``opens_at`` (UTC), ``can_start``
    now, and the board's ``margin_minutes``. Uses the meeting's board (select it related)."""
    margin = meeting.board.start_margin_minutes
    opens = clock_rules.start_opens_at(meeting.starts_at, margin)
    return {"opens_at": opens, "margin_minutes": margin,
            "can_start": clock_rules.can_start(starts_at=meeting.starts_at, now=now,
                                               margin_minutes=margin)}


def case_agenda_summary(*, case_id: int) -> dict[str, Any]:
    """Where a case stands on the agendas, for its page (settings.BOARDSVC_CASE_AGENDA_SUMMARY:
    cases cannot import boardsvc). ``listed``: the pending discussion item's meeting (public id,
    start, board name and zone, carry count), or None; ``last_placement``: the newest placement
    record's outcome and the reason people should read, or None. Two queries."""
    item = (AgendaItem.objects.filter(case_id=case_id, outcome=AgendaItem.Outcome.PENDING,
                                      purpose=AgendaItem.Purpose.DISCUSSION)
            .select_related("meeting__board").order_by("-added_at", "-pk").first())
    record = (PlacementRecord.objects.filter(case_id=case_id).order_by("-at", "-pk")
              .only("outcome", "explanation", "at").first())
    listed = None
    if item is not None:
        listed = {"meeting": str(item.meeting.public_id), "starts_at": item.meeting.starts_at,
                  "board": item.meeting.board.name, "timezone": item.meeting.board.timezone,
                  "adhoc": item.meeting.kind == Meeting.Kind.ADHOC,
                  "carry_count": item.carry_count}
    last = None
    if record is not None:
        reasons = [r for r in record.explanation or [] if isinstance(r, dict)]
        last = {"outcome": record.outcome, "at": record.at,
                "message": str(reasons[-1].get("message", "")) if reasons else ""}
    return {"listed": listed, "last_placement": last}


def agenda_for_meeting(*, meeting: Meeting) -> QuerySet[AgendaItem]:
    """The meeting's agenda in order, with each case's summary fields, decision and the meeting
    a carried-over item came from loaded."""
    return (
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("case__patient", "decision", "meeting", "carried_from")
        .annotate(lesion_count=Count("case__lesions", distinct=True))
        .order_by("position", "pk")
    )


def agenda_entry(*, item: AgendaItem) -> AgendaItem:
    """One item as agenda_for_meeting shows it (case summary, decision, carried-from loaded)."""
    return agenda_for_meeting(meeting=item.meeting).get(pk=item.pk)


def agenda_item_get_visible(*, principal: Principal, public_id: UUID | str) -> AgendaItem:
    """Raises AgendaItem.DoesNotExist when unknown or on another board's meeting."""
    if not _valid_uuid(public_id):
        raise AgendaItem.DoesNotExist
    return _scope(
        AgendaItem.objects.select_related("meeting__board", "case__patient"),
        principal, "meeting__board_id",
    ).get(public_id=public_id)


def agenda_item_on_meeting(*, meeting: Meeting, public_id: UUID | str) -> AgendaItem:
    """An item of this (visible) meeting's agenda, its case, patient and board loaded. Raises
    AgendaItem.DoesNotExist when the meeting has no such item."""
    if not _valid_uuid(public_id):
        raise AgendaItem.DoesNotExist
    return AgendaItem.objects.select_related("case__patient", "meeting__board").get(
        meeting=meeting, public_id=public_id)


def attendance_for_meeting(*, meeting: Meeting) -> QuerySet[Attendance]:
    """Who came to the meeting, in order of arrival, users loaded."""
    return Attendance.objects.filter(meeting=meeting).select_related("user").order_by(
        "arrived_at", "pk")


def meeting_quorum_at(*, meeting: Meeting, at: datetime) -> dict[str, Any]:
    """Who is present at ``at`` and whether the board's quorum (R15) is met."""
    spans = [
        AttendanceSpan(person_id=a.user_id, specialty=a.specialty, arrived_at=a.arrived_at,
                       left_at=a.left_at, stand_in=a.stand_in)
        for a in Attendance.objects.filter(meeting=meeting)
    ]
    return quorum_check(requirements=meeting.board.quorum_requirements or [], attendance=spans,
                        at=at).as_dict()


def decision_get_visible(*, principal: Principal, public_id: UUID | str) -> Decision:
    """Raises Decision.DoesNotExist when unknown or another board's decision."""
    if not _valid_uuid(public_id):
        raise Decision.DoesNotExist
    return _scope(
        Decision.objects.select_related("meeting__board", "case__patient", "agenda_item",
                                        "recorded_by")
        .prefetch_related(Prefetch("revisions",
                                   queryset=DecisionRevision.objects.order_by("version"))),
        principal, "meeting__board_id",
    ).get(public_id=public_id)


def case_placement_history(*, principal: Principal, public_id: UUID | str
                           ) -> tuple[Case, list[PlacementRecord]]:
    """A visible case (by its public id) and its placement records (newest first) with their
    explanations.

    Raises Case.DoesNotExist when the case is unknown or outside the principal's scope.
    """
    case = case_selectors.case_get_visible(principal=principal, public_id=public_id)
    records = list(
        PlacementRecord.objects.filter(case=case)
        .select_related("meeting", "board", "agenda_item").order_by("-at", "-pk")[:50]
    )
    return case, records


def active_user(*, username: str) -> Any:
    """The active user with this username, or None (taking attendance names people)."""
    return get_user_model().objects.filter(username=username, is_active=True).first()


# --- iCalendar feeds (boardsvc/ical.py) -----------------------------------------------------------


def board_by_public_id(*, public_id: UUID | str) -> Board | None:
    """The board with this public id, or None (the feed's token decides who may read it)."""
    if not _valid_uuid(public_id):
        return None
    return Board.objects.filter(public_id=public_id).first()


def is_active_member(*, board_public_id: UUID | str, user_id: int) -> bool:
    """Whether the user is an active member of the board (any role)."""
    if not _valid_uuid(board_public_id):
        return False
    return BoardMember.objects.filter(board__public_id=board_public_id, user_id=user_id,
                                      active=True).exists()


def feed_meetings(*, board_ids: QuerySet[Any] | Iterable[int], now: datetime, past: timedelta,
                  future: timedelta, limit: int) -> QuerySet[Meeting]:
    """Meetings of the boards from ``past`` before ``now`` to ``future`` after it, by start, at
    most ``limit``, boards loaded (cancelled ones included: calendars remove them)."""
    return (
        Meeting.objects.select_related("board")
        .filter(board_id__in=board_ids, starts_at__gte=now - past, starts_at__lt=now + future)
        .order_by("starts_at", "id")[:limit]
    )


def member_board_ids(*, user_id: int) -> QuerySet[Any]:
    """The ids of the boards the user is an active member of now (a subquery)."""
    return BoardMember.objects.filter(user_id=user_id, active=True).values("board_id")
