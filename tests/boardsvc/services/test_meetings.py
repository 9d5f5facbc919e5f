"""Meetings against the database (boardsvc/services/meetings.py): cancellation rolls the
cases forward, the horizon upkeep respects holidays, cancellations and moves, and closing
ends standard-of-care items listed, not discussed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from boardsvc import tasks
from boardsvc.models import AgendaItem, Meeting
from boardsvc.services import (
    BoardRuleError,
    agenda_item_set_standard_of_care,
    agenda_place_case,
    holiday_add,
    meeting_cancel,
    meeting_close,
    meeting_horizon_upkeep,
    meeting_move,
)
from cases.models import Case
from tests.factories.boardsvc import make_case

pytestmark = pytest.mark.django_db


def test_cancelling_a_meeting_rolls_its_cases_forward(board, team, meetings,
                                                      django_capture_on_commit_callbacks):
    case = make_case(requested_board=board.slug)
    item = agenda_place_case(case_id=case.pk).agenda_item
    with django_capture_on_commit_callbacks(execute=True):
        meeting_cancel(meeting=meetings[0], reason="Congress", principal=None)
    item.refresh_from_db()
    assert item.outcome == "rolled_forward"
    assert AgendaItem.objects.get(rolled_from=item).meeting == meetings[1]
    assert tasks.meeting_roll_forward(meetings[0].pk) == 0


def test_upkeep_respects_holidays_cancellations_and_moves(board, clock):
    holiday_add(day=date(2026, 12, 8), name="Immacolata")
    created = meeting_horizon_upkeep(weeks=4)
    dates = list(Meeting.objects.filter(board=board).values_list("occurrence_date", flat=True))
    assert date(2026, 12, 8) not in dates
    assert created == 3
    first, second = Meeting.objects.filter(board=board).order_by("starts_at")[:2]
    meeting_cancel(meeting=first, reason="Strike", principal=None)
    moved = meeting_move(meeting=second, starts_at=second.starts_at + timedelta(days=1),
                         reason="Room unavailable", principal=None)
    assert moved.cutoff_at == moved.starts_at - timedelta(hours=24)
    assert meeting_horizon_upkeep(weeks=4) == 0  # neither is recreated
    assert Meeting.objects.get(pk=first.pk).status == "cancelled"


def test_standard_of_care_items_end_listed_not_discussed_at_close(session, team,
                                                                 django_capture_on_commit_callbacks):
    item, chair = session
    Meeting.objects.filter(pk=item.meeting_id).update(status="frozen")
    agenda_item_set_standard_of_care(item=item, standard_of_care=True, principal=chair)
    Meeting.objects.filter(pk=item.meeting_id).update(status="in_session")
    with django_capture_on_commit_callbacks(execute=True):
        meeting_close(meeting=item.meeting, principal=chair, now=timezone.now())
    item.refresh_from_db()
    assert item.outcome == "standard_of_care"
    assert Case.objects.get(pk=item.case_id).status == "discussed"
    assert not AgendaItem.objects.filter(rolled_from=item).exists()
    with pytest.raises(BoardRuleError):
        meeting_close(meeting=item.meeting, principal=chair)
