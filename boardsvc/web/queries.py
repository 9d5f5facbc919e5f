"""Page-only reads the boardsvc selectors do not offer (reads only; no writes).

- the agenda with each case's lesions prefetched (decision support reads them; no N+1);
- open scheduling-rule warnings for the cases on an agenda (read through scheduling.selectors);
- a board's active members with their users, for taking attendance at the door.
Scoping: callers pass a meeting already obtained through boardsvc.selectors.meeting_get_visible,
so every row read here belongs to a board the principal may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from boardsvc import selectors
from boardsvc.models import AgendaItem, BoardMember, Meeting
from cases import selectors as case_selectors
from cases.domain.codes import CaseStatus, Urgency
from cases.models import Case, Lesion
from scheduling.labels import rule_text
from scheduling.selectors import open_violations_by_case


def agenda_with_lesions(*, meeting: Meeting) -> QuerySet[AgendaItem]:
    """boardsvc.selectors.agenda_for_meeting plus each case's lesions, in position order."""
    return selectors.agenda_for_meeting(meeting=meeting).prefetch_related(
        Prefetch("case__lesions", queryset=Lesion.objects.order_by("position", "id"))
    )


def board_members(*, meeting: Meeting) -> list[BoardMember]:
    """The meeting's board members (active), by specialty then name, users loaded."""
    return list(
        BoardMember.objects.filter(board_id=meeting.board_id, active=True)
        .select_related("user").order_by("specialty", "user__last_name", "user__username")
    )


def rule_warnings_by_case(*, case_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Open or acknowledged timing-rule violations of the cases' plans, by case id (one query).

    The scheduling app stores them (R1-R8 re-check); an agenda shows them so the board sees a
    timing problem before it decides.
    """
    return {case_id: [{**w, "message": rule_text(w["message"])} for w in warnings]
            for case_id, warnings in open_violations_by_case(case_ids).items()}


def agenda_order(*, meeting: Meeting) -> list[str]:
    """Public ids of every item of the meeting's agenda, in position order (one query): the
    complete list boardsvc.services.agenda_reorder expects."""
    return [str(pid) for pid in AgendaItem.objects.filter(meeting=meeting)
            .order_by("position", "pk").values_list("public_id", flat=True)]


def moved_items(*, meeting: Meeting) -> dict[int, AgendaItem]:
    """Where this meeting's rolled-forward and deferred items went: the new agenda item (with
    its meeting and board) keyed by the original item's id (one query). An item missing from
    the map has not been placed (yet, or for lack of room)."""
    rows = (AgendaItem.objects.filter(rolled_from__meeting=meeting)
            .select_related("meeting__board"))
    return {row.rolled_from_id: row for row in rows if row.rolled_from_id is not None}


def late_candidates(*, principal: Any, meeting: Meeting, limit: int = 200) -> list[Case]:
    """Cases the principal may see that could join this agenda by hand: ready for MDT or listed
    elsewhere (most urgent first, then oldest submission), patients loaded; at most ``limit``.
    boardsvc.services.agenda_item_add_late decides whether each one may actually be added."""
    on_this_agenda = AgendaItem.objects.filter(
        meeting=meeting, outcome=AgendaItem.Outcome.PENDING).values("case_id")
    queryset = (case_selectors.case_list_filtered(
        principal=principal, status=[CaseStatus.READY_FOR_MDT, CaseStatus.LISTED])
                .exclude(pk__in=on_this_agenda).select_related("patient"))
    rank = {Urgency.EMERGENCY: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}
    cases = list(queryset.order_by("submitted_at", "pk")[:limit])
    return sorted(cases, key=lambda c: rank.get(c.urgency, 3))
