"""meetings/<id>/attendance/record/ (boardsvc/api/attendance.py): who may record whom, and
400s naming the field and rule. The happy path is in test_meetings.py (a meeting in
session)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from boardsvc.models import Attendance

pytestmark = pytest.mark.django_db


def url(name, world):
    return reverse(f"boardsvc_api:{name}", kwargs={"public_id": world.meeting.public_id})


def test_a_member_cannot_record_someone_else(client_for, world):
    response = client_for(world.member).post(
        url("attendance-record", world), {"action": "arrive", "username": "ir.bone-mets-spine"},
        format="json")
    assert response.status_code == 403
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(("payload", "field", "rule"), [
    ({}, "action", "required"),
    ({"action": "dance"}, "action", "invalid_choice"),
    ({"action": "arrive", "username": "ghost"}, "username", "does_not_exist"),
    ({"action": "arrive", "specialty": "wizard"}, "specialty", "invalid_choice"),
    ({"action": "arrive", "at": "soon"}, "at", "invalid"),
])
def test_attendance_rejects_a_bad_payload(client_for, world, payload, field, rule):
    response = client_for(world.team["chair"]).post(url("attendance-record", world), payload,
                                                    format="json")
    assert response.status_code == 400
    first = response.json()["errors"][0]
    assert (first["field"], first["rule"]) == (field, rule)
