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
