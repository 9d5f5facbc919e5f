"""Fixtures for the page tests: two boards, a meeting on each, a chair of board A, a member of
board B, a coordinator, a case listed on board A's agenda and a plan ready to book."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from boardsvc.models import BoardMember, Meeting
from tests.factories.boardsvc import (
    AgendaItemFactory,
    BoardFactory,
    BoardMemberFactory,
    MeetingFactory,
    make_case,
)
from tests.factories.core import UserFactory
from tests.factories.scheduling import ResourceFactory, plan_with
from tests.support.web import login  # noqa: F401  (re-exported for the page tests)


@dataclass
class World:
    board_a: Any
    board_b: Any
    meeting_a: Meeting
    meeting_b: Meeting
    chair_a: Any
    member_a: Any
    member_b: Any
    item_a: Any
    case_a: Any


@pytest.fixture
def world(db) -> World:
    board_a = BoardFactory(slug="board-a", name="Spine board")
    board_b = BoardFactory(slug="board-b", name="Sarcoma board")
    chair_a = UserFactory(username="chair.a")
    member_a = UserFactory(username="member.a")
    member_b = UserFactory(username="member.b")
    BoardMemberFactory(board=board_a, user=chair_a, role=BoardMember.Role.CHAIR,
                       specialty="spine_surgeon")
    BoardMemberFactory(board=board_a, user=member_a, specialty="radiologist")
    BoardMemberFactory(board=board_b, user=member_b, specialty="radiologist")
    meeting_a = MeetingFactory(board=board_a)
    meeting_b = MeetingFactory(board=board_b)
    case_a = make_case(status="listed", requested_board="board-a", histology="renal_cell")
    item_a = AgendaItemFactory(meeting=meeting_a, case=case_a)
    return World(board_a, board_b, meeting_a, meeting_b, chair_a, member_a, member_b, item_a,
                 case_a)


@pytest.fixture
def plan_ready(db):
    """An active plan (pre-operative embolization then surgery) and a room for each."""
    plan, procedures = plan_with(
        {"procedure_type": "embolization", "purpose": "pre_operative"}, "surgery")
    angio = ResourceFactory(code="angio-1", name="Angio suite 1", kind="angio_suite")
    theatre = ResourceFactory(code="or-1", name="Theatre 1", kind="operating_room")
    return plan, procedures, angio, theatre
