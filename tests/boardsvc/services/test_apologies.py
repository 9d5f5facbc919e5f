"""Apologies for a meeting (boardsvc/services/apologies.py): who may send them, the stand-in,
replacing and withdrawing them."""

from __future__ import annotations

import pytest

from boardsvc.models import Apology, Meeting
from boardsvc.services import (
    BoardRuleError,
    apology_record,
    apology_withdraw,
    attendance_arrive,
)
from core.models import AuditEvent
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db


def test_a_member_sends_apologies_with_a_reason_and_a_stand_in(session, team):
    item, chair = session
    stand_in = UserFactory(username="standin")
    apology = apology_record(meeting=item.meeting, user=team["ir"], principal=chair,
                             reason="On call in theatre", stand_in=stand_in)
    assert (apology.reason, apology.stand_in_id, apology.recorded_by_id) == (
        "On call in theatre", stand_in.pk, team["chair"].pk)


def test_sending_apologies_again_replaces_the_first(session, team):
    item, chair = session
    apology_record(meeting=item.meeting, user=team["ir"], principal=chair, reason="first")
    apology_record(meeting=item.meeting, user=team["ir"], principal=chair, reason="second")
    assert list(Apology.objects.filter(meeting=item.meeting).values_list("reason", flat=True)) \
        == ["second"]


def test_apologies_are_audited(session, team):
    item, chair = session
    apology_record(meeting=item.meeting, user=team["ir"], principal=chair)
    assert AuditEvent.objects.filter(object_type="meeting", action="update",
                                     object_id=str(item.meeting.public_id)).exists()


def test_someone_outside_the_board_cannot_send_apologies(session):
    item, chair = session
    with pytest.raises(BoardRuleError) as excinfo:
        apology_record(meeting=item.meeting, user=UserFactory(username="stranger"),
                       principal=chair)
    assert (excinfo.value.field, excinfo.value.rule) == ("user", "not_member")


def test_a_member_cannot_stand_in_for_themself(session, team):
    item, chair = session
    with pytest.raises(BoardRuleError) as excinfo:
        apology_record(meeting=item.meeting, user=team["ir"], principal=chair,
                       stand_in=team["ir"])
    assert (excinfo.value.field, excinfo.value.rule) == ("stand_in", "not_self")


def test_a_member_present_cannot_send_apologies(session, team):
    item, chair = session
    attendance_arrive(meeting=item.meeting, user=team["ir"], principal=chair)
    with pytest.raises(BoardRuleError) as excinfo:
        apology_record(meeting=item.meeting, user=team["ir"], principal=chair)
    assert (excinfo.value.status, excinfo.value.rule) == (409, "present")


def test_apologies_cannot_change_after_the_meeting_is_closed(session, team):
    item, chair = session
    Meeting.objects.filter(pk=item.meeting_id).update(status=Meeting.Status.CLOSED)
    with pytest.raises(BoardRuleError) as excinfo:
        apology_record(meeting=item.meeting, user=team["ir"], principal=chair)
    assert excinfo.value.status == 409


def test_withdrawing_apologies_removes_them(session, team):
    item, chair = session
    apology_record(meeting=item.meeting, user=team["ir"], principal=chair)
    assert apology_withdraw(meeting=item.meeting, user=team["ir"], principal=chair) is True
    assert not Apology.objects.exists()


def test_withdrawing_apologies_never_sent_changes_nothing(session, team):
    item, chair = session
    assert apology_withdraw(meeting=item.meeting, user=team["ir"], principal=chair) is False
