"""The case on the meeting-room screen (boardsvc/services/presenter.py)."""

from __future__ import annotations

import pytest

from boardsvc.models import Meeting
from boardsvc.selectors import presenter_stamp
from boardsvc.services import BoardRuleError, meeting_present
from tests.factories.boardsvc import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def test_presenting_a_case_records_it_and_when(session):
    item, chair = session
    assert meeting_present(meeting=item.meeting, item=item, principal=chair) is True
    meeting = Meeting.objects.get(pk=item.meeting_id)
    assert meeting.presenter_item_id == item.pk
    assert meeting.presenter_at is not None


def test_presenting_the_case_already_shown_leaves_the_screen_alone(session):
    item, chair = session
    meeting_present(meeting=item.meeting, item=item, principal=chair)
    stamp = presenter_stamp(meeting=item.meeting)
    assert meeting_present(meeting=item.meeting, item=item, principal=chair) is False
    assert presenter_stamp(meeting=item.meeting) == stamp


def test_moving_to_another_case_changes_the_stamp_the_screens_poll(session):
    item, chair = session
    other = AgendaItemFactory(meeting=item.meeting, position=item.position + 1)
    meeting_present(meeting=item.meeting, item=item, principal=chair)
    stamp = presenter_stamp(meeting=item.meeting)
    meeting_present(meeting=item.meeting, item=other, principal=chair)
    assert presenter_stamp(meeting=item.meeting) != stamp


def test_a_case_of_another_meeting_cannot_be_presented(session):
    item, chair = session
    foreign = AgendaItemFactory(meeting=MeetingFactory(board=item.meeting.board))
    with pytest.raises(BoardRuleError) as excinfo:
        meeting_present(meeting=item.meeting, item=foreign, principal=chair)
    assert (excinfo.value.field, excinfo.value.rule) == ("item", "not_on_agenda")


def test_a_closed_meeting_no_longer_moves_the_screen(session):
    item, chair = session
    Meeting.objects.filter(pk=item.meeting_id).update(status=Meeting.Status.CLOSED)
    with pytest.raises(BoardRuleError) as excinfo:
        meeting_present(meeting=item.meeting, item=item, principal=chair)
    assert excinfo.value.status == 409
