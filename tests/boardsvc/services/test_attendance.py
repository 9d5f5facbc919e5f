"""Attendance against the database (boardsvc/services/attendance.py): who may arrive, twice,
or leave."""

from __future__ import annotations

import pytest

from boardsvc.services import (
    BoardRuleError,
    attendance_arrive,
    attendance_leave,
)
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db


def test_attendance_rules(session, team):
    item, _ = session
    with pytest.raises(BoardRuleError) as excinfo:
        attendance_arrive(meeting=item.meeting, user=UserFactory(username="x"), principal=None)
    assert excinfo.value.field == "specialty"
    attendance_arrive(meeting=item.meeting, user=team["rad"], principal=None)
    with pytest.raises(BoardRuleError) as excinfo:
        attendance_arrive(meeting=item.meeting, user=team["rad"], principal=None)
    assert excinfo.value.status == 409
    with pytest.raises(BoardRuleError) as excinfo:
        attendance_leave(meeting=item.meeting, user=team["ir"], principal=None)
    assert excinfo.value.rule == "not_present"


# --- "all present" and stand-ins (issue 12) ---------------------------------------------------


def test_all_present_brings_in_every_member_not_yet_there(session, team):
    from boardsvc.models import Attendance
    from boardsvc.services import attendance_all_present

    item, chair = session
    attendance_arrive(meeting=item.meeting, user=team["rad"], principal=chair)
    added = attendance_all_present(meeting=item.meeting, principal=chair)
    assert {a.user_id for a in added} == {u.pk for k, u in team.items() if k != "rad"}
    present = Attendance.objects.filter(meeting=item.meeting, left_at__isnull=True)
    assert present.count() == len(team)
    assert not any(a.stand_in for a in present)


def test_all_present_skips_members_who_sent_apologies(session, team):
    from boardsvc.services import apology_record, attendance_all_present

    item, chair = session
    apology_record(meeting=item.meeting, user=team["surgeon"], principal=chair)
    added = attendance_all_present(meeting=item.meeting, principal=chair)
    assert team["surgeon"].pk not in {a.user_id for a in added}


def test_all_present_twice_adds_nobody_the_second_time(session, team):
    from boardsvc.services import attendance_all_present

    item, chair = session
    attendance_all_present(meeting=item.meeting, principal=chair)
    assert attendance_all_present(meeting=item.meeting, principal=chair) == []


def test_all_present_is_refused_after_the_meeting_is_closed(session, team):
    from boardsvc.models import Meeting
    from boardsvc.services import attendance_all_present

    item, chair = session
    Meeting.objects.filter(pk=item.meeting_id).update(status=Meeting.Status.CLOSED)
    with pytest.raises(BoardRuleError) as excinfo:
        attendance_all_present(meeting=item.meeting, principal=chair)
    assert (excinfo.value.status, excinfo.value.rule) == (409, "state")


def test_a_named_stand_in_covers_the_absent_members_specialty(session, team):
    from boardsvc.services import apology_record

    item, chair = session
    guest = UserFactory(username="guest.surgeon")
    apology_record(meeting=item.meeting, user=team["surgeon"], principal=chair, stand_in=guest)
    attendance = attendance_arrive(meeting=item.meeting, user=guest, principal=chair)
    assert (attendance.specialty, attendance.stand_in) == ("neurosurgeon", True)


def test_a_member_who_arrives_after_apologising_has_their_apologies_withdrawn(session, team):
    from boardsvc.models import Apology
    from boardsvc.services import apology_record

    item, chair = session
    apology_record(meeting=item.meeting, user=team["rt"], principal=chair)
    attendance_arrive(meeting=item.meeting, user=team["rt"], principal=chair)
    assert not Apology.objects.filter(meeting=item.meeting, user=team["rt"]).exists()
