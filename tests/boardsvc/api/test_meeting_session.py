"""Start, attendance (arrive/leave), close: happy paths and 400/409s."""

from __future__ import annotations

import pytest
from django.urls import reverse

from boardsvc.models import AgendaItem, Attendance
from tests.boardsvc.clock_helpers import due_soon

pytestmark = pytest.mark.django_db


def url(name, world):
    return reverse(f"boardsvc_api:{name}", kwargs={"public_id": world.meeting.public_id})


def test_start_attend_and_close(client_for, world, django_capture_on_commit_callbacks):
    due_soon(world.meeting)
    chair = client_for(world.team["chair"])
    assert chair.post(url("meeting-start", world), {}, format="json").json()["status"] == \
        "in_session"
    # A member records their own arrival; the chair records someone else's.
    me = client_for(world.team["ir"]).post(url("attendance-record", world), {"action": "arrive"},
                                            format="json")
    assert me.status_code == 201
    assert me.json()["specialty"] == "interventional_radiologist"
    other = chair.post(url("attendance-record", world),
                       {"action": "arrive", "username": "rad.bone-mets-spine"}, format="json")
    assert other.status_code == 201
    listing = client_for(world.member).get(url("attendance-list", world)).json()
    assert listing["count"] == 2
    assert "spinal surgeon (spine, orthopaedic or neurosurgeon)" in listing["quorum_now"]["missing"]
    left = client_for(world.team["ir"]).post(url("attendance-record", world),
                                             {"action": "leave"}, format="json")
    assert left.status_code == 200
    assert left.json()["left_at"] is not None
    with django_capture_on_commit_callbacks(execute=True):
        closed = chair.post(url("meeting-close", world), {}, format="json")
    assert closed.json()["status"] == "closed"
    assert set(AgendaItem.objects.filter(meeting=world.meeting)
               .values_list("outcome", flat=True)) == {"rolled_forward"}
    again = chair.post(url("meeting-close", world), {}, format="json")
    assert again.status_code == 409


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


def test_starting_twice_is_a_conflict(client_for, world):
    due_soon(world.meeting)
    chair = client_for(world.team["chair"])
    chair.post(url("meeting-start", world), {}, format="json")
    assert chair.post(url("meeting-start", world), {}, format="json").status_code == 409
