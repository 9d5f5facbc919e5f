"""A small world for API tests: one board with its team, a meeting with two listed cases, a
second board with an outsider member, and a plain member of the first board."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from boardsvc.models import AgendaItem, Board, Meeting
from boardsvc.services import board_member_add
from tests.factories.boardsvc import AgendaItemFactory, MeetingFactory, make_case
from tests.factories.core import UserFactory


@dataclass
class World:
    board: Board
    other_board: Board
    meeting: Meeting
    other_meeting: Meeting
    items: list[AgendaItem]
    team: dict[str, Any]
    member: Any  # a plain member of the board (no chair / coordinator role)
    outsider: Any  # a member of the other board only


@pytest.fixture
def world(board, team, other_board) -> World:
    starts = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    meeting = MeetingFactory(board=board, starts_at=starts)
    other_meeting = MeetingFactory(board=other_board, starts_at=starts + timedelta(days=2))
    items = [
        AgendaItemFactory(meeting=meeting, position=0,
                          case=make_case(status="listed", requested_board=board.slug)),
        AgendaItemFactory(meeting=meeting, position=1,
                          case=make_case(status="listed", requested_board=board.slug,
                                         lesions=2), allotted_minutes=10),
    ]
    member = UserFactory(username="plain.member")
    board_member_add(board=board, user=member, specialty="pathologist")
    from django.contrib.auth import get_user_model

    outsider = get_user_model().objects.get(username="outsider")
    return World(board, other_board, meeting, other_meeting, items, team, member, outsider)
