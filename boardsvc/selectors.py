"""Reads of boards, meetings, agendas, attendance and decisions, scoped to the principal.

Scoping happens in the query: a board member sees only the boards they belong to, so another
board's meeting is simply not found (404). Coordinators, administrators and system clients
(with agenda:read, checked by the view) see every board. Querysets come with select_related /
prefetch_related applied, so list endpoints run a fixed number of queries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from cases import selectors as case_selectors
from cases.models import Case, Lesion
from core.access import Principal

from .domain import clock as clock_rules
from .domain.codes import COUNTING_OUTCOMES
from .domain.quorum import AttendanceSpan, quorum_check
from .labels import placement_reason_text
from .models import (
    AgendaItem,
    Apology,
    Attendance,
    Board,
    BoardMember,
    Decision,
    DecisionRevision,
    Meeting,
    Opinion,
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
    record's outcome and the reason people should read (in the active language), or None. Two
    queries."""
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
                "message": placement_reason_text(reasons[-1]) if reasons else ""}
    return {"listed": listed, "last_placement": last}


def agenda_for_meeting(*, meeting: Meeting) -> QuerySet[AgendaItem]:
    """The meeting's agenda in order, with each case's summary fields, decision and the meeting
    a carried-over item came from loaded. The lesions are counted in a subquery per item: as a
    join and a GROUP BY over the six joined rows, planning took longer than running it."""
    lesions = (Lesion.objects.filter(case=OuterRef("case")).order_by().values("case")
               .annotate(n=Count("pk")).values("n"))
    return (
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("case__patient", "decision", "meeting", "carried_from")
        .annotate(lesion_count=Coalesce(Subquery(lesions), 0))
        .order_by("position", "pk")
    )


# An agenda item as plain values (boardsvc.api.agenda.AgendaRowOut's input): a page of
# items is tuples, not six model instances an item.
AGENDA_ROW = (
    "public_id", "position", "allotted_minutes", "complex_case", "priority", "purpose",
    "standard_of_care", "outcome", "late_addition", "late_reason", "ratification_required",
    "defer_reason", "discussed_at", "carry_count", "carried_from__public_id",
    "carried_from__starts_at", "decision__public_id", "case__public_id",
    "case__patient__public_id", "case__status", "case__urgency", "case__primary_histology",
    "case__clinical_question", "case__requested_board", "lesion_count",
)


def agenda_rows(*, meeting: Meeting) -> QuerySet[Any]:
    """agenda_for_meeting as AGENDA_ROW dicts, in the same order."""
    return agenda_for_meeting(meeting=meeting).values(*AGENDA_ROW)


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


# --- the meeting room (issue 12): presenter screen, apologies, pre-meeting opinions -------------


def presenter_stamp(*, meeting: Meeting) -> str:
    """A token that changes whenever the room screen should redraw: the case shown (and when it
    was put there), attendance and apologies (the quorum), the shown case's opinions and
    decision. One query; the screens poll it (boardsvc/web/views/presenter.py)."""
    row = (Meeting.objects.filter(pk=meeting.pk).annotate(
        att_n=Count("attendance", distinct=True), att_in=Max("attendance__arrived_at"),
        att_out=Max("attendance__left_at"), apo_n=Count("apologies", distinct=True),
        apo_at=Max("apologies__recorded_at"),
        op_n=Count("presenter_item__opinions", distinct=True),
        op_at=Max("presenter_item__opinions__updated_at"),
    ).values_list("presenter_item_id", "presenter_at", "status", "att_n", "att_in", "att_out",
                  "apo_n", "apo_at", "op_n", "op_at", "presenter_item__outcome",
                  "presenter_item__decision__version").first())
    if row is None:
        return ""
    return hashlib.sha256(repr(row).encode()).hexdigest()[:16]


def presenter_entry(*, meeting: Meeting) -> AgendaItem | None:
    """The case on the room screen as the agenda shows it (case, patient, decision and lesions
    loaded), or None when the chair has not opened one yet."""
    if meeting.presenter_item_id is None:
        return None
    return (agenda_for_meeting(meeting=meeting).filter(pk=meeting.presenter_item_id)
            .prefetch_related(Prefetch("case__lesions",
                                       queryset=Lesion.objects.order_by("position", "id")))
            .first())


def apologies_for_meeting(*, meeting: Meeting) -> list[Apology]:
    """Who sent apologies for the meeting, with their stand-ins (users loaded)."""
    return list(Apology.objects.filter(meeting=meeting).select_related("user", "stand_in")
                .order_by("recorded_at", "pk"))


def opinions_for_items(*, item_ids: Iterable[int]) -> dict[int, list[Opinion]]:
    """Members' opinions on these agenda items by item id, oldest first, authors loaded (one
    query). Callers pass the items of a meeting they obtained through meeting_get_visible."""
    out: dict[int, list[Opinion]] = {}
    for opinion in (Opinion.objects.filter(agenda_item_id__in=list(item_ids))
                    .select_related("author").order_by("created_at", "pk")):
        out.setdefault(opinion.agenda_item_id, []).append(opinion)
    return out


def opinions_for_item(*, item: AgendaItem) -> QuerySet[Opinion]:
    """One item's opinions, oldest first, authors loaded (paginated by the API)."""
    return (Opinion.objects.filter(agenda_item=item).select_related("author")
            .order_by("created_at", "pk"))


def board_membership(*, board_id: int, user: Any) -> BoardMember | None:
    """The user's active membership of the board, or None (a self check-in, an opinion)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return BoardMember.objects.filter(board_id=board_id, user=user, active=True).first()


def agenda_order_position(*, item: AgendaItem) -> dict[str, int]:
    """The item's place on its agenda: ``n`` (from 1) of ``total`` (one query)."""
    row = AgendaItem.objects.filter(meeting_id=item.meeting_id).aggregate(
        total=Count("pk"),
        before=Count("pk", filter=Q(position__lt=item.position)
                     | Q(position=item.position, pk__lt=item.pk)))
    return {"n": int(row["before"] or 0) + 1, "total": int(row["total"] or 0)}
