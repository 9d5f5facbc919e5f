"""Fixtures for the service tests: the board's next meetings, a coordinator, and the first
meeting in session with one listed case."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from boardsvc.models import Meeting
from boardsvc.services import (
    agenda_place_case,
    meeting_horizon_upkeep,
    meeting_start,
)
from core.access import principal_for_user
from tests.factories.boardsvc import make_case
from tests.factories.core import UserFactory


@pytest.fixture
def meetings(board, clock):
    meeting_horizon_upkeep(weeks=3)
    return list(Meeting.objects.filter(board=board).order_by("starts_at"))


@pytest.fixture
def coordinator_user(db):
    user = UserFactory(username="coord.placement")
    user.groups.add(Group.objects.get_or_create(name="coordinator")[0])
    return user


@pytest.fixture
def session(board, team, clock):
    """The first meeting in session with one listed case."""
    meeting_horizon_upkeep(weeks=2)
    case = make_case(requested_board=board.slug)
    item = agenda_place_case(case_id=case.pk).agenda_item
    chair = principal_for_user(team["chair"])
    clock.move_to(item.meeting.starts_at)
    meeting_start(meeting=item.meeting, principal=chair)
    item.refresh_from_db()
    return item, chair
