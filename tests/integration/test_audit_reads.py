"""Audit of reads (G-AUDIT-2, docs/guarantees.md): one append-only row per booking or case shown, and one
per refused access, carrying the actor, the object, the patient pseudonym, the outcome and the
request id. Board B's member asking for board A's objects is refused with 404 and audited."""

from __future__ import annotations

import pytest

from core.models import AuditEvent
from tests.support.audit import audit_entries

pytestmark = pytest.mark.django_db


def _rows(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


def test_reading_a_booking_writes_exactly_one_row(world, as_user):
    coordinator = world.users["coordinator"]
    response = as_user(coordinator).get(f"/api/v1/bookings/{world.booking_a.public_id}/")
    assert response.status_code == 200
    [row] = _rows(object_type="booking")
    assert (row.actor_type, row.actor_id) == ("user", str(coordinator.pk))
    assert (row.action, row.outcome) == ("read", "success")
    assert row.object_id == str(world.booking_a.public_id)
    assert row.patient_pseudonym == str(world.case_a.patient.public_id)
    assert row.request_id
    assert row.path == f"/api/v1/bookings/{world.booking_a.public_id}/"


def test_another_boards_booking_is_404_and_the_refusal_is_one_row(world, as_user):
    member_b = world.users["member_b"]
    response = as_user(member_b).get(f"/api/v1/bookings/{world.booking_a.public_id}/")
    assert response.status_code == 404
    [row] = _rows(object_type="booking")
    assert (row.actor_id, row.action, row.outcome) == (str(member_b.pk), "read", "denied")
    assert row.object_id == str(world.booking_a.public_id)
    assert row.patient_pseudonym == str(world.case_a.patient.public_id)


def test_a_client_without_the_scope_is_403_and_audited(world, oauth_client_factory):
    his = oauth_client_factory("cases:read")
    response = his.get(f"/api/v1/bookings/{world.booking_a.public_id}/")
    assert response.status_code == 403
    [row] = _rows(outcome="denied")
    assert (row.actor_type, row.actor_id) == ("client", his.application.client_id)
    assert row.object_id == str(world.booking_a.public_id)


def test_listing_bookings_writes_one_row_per_booking_shown(world, as_user):
    member_a = world.users["member_a"]
    response = as_user(member_a).get("/api/v1/bookings/")
    assert response.status_code == 200
    assert [b["id"] for b in response.json()["results"]] == [str(world.booking_a.public_id)]
    rows = _rows(object_type="booking")
    assert [(r.action, r.object_id, r.patient_pseudonym) for r in rows] == [
        ("list", str(world.booking_a.public_id), str(world.case_a.patient.public_id))]


def test_reading_an_agenda_writes_one_row_naming_every_case_shown(api_world, as_user):
    world = api_world
    meeting = world.extra["meeting_a"]
    chair = world.users["chair_a"]
    response = as_user(chair).get(f"/api/v1/meetings/{meeting.public_id}/agenda/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2  # the pending item and the decided one
    rows = _rows(object_type="case")
    assert len(rows) == 1  # one row for the agenda, naming both items' case
    assert [(e.actor_id, e.action, e.outcome, e.object_id, e.patient_pseudonym)
            for e in audit_entries(rows)] \
        == [(str(chair.pk), "read", "success", str(world.case_a.public_id),
             str(world.case_a.patient.public_id))] * 2


def test_another_boards_agenda_is_404_and_the_refusal_is_one_row(api_world, as_user):
    world = api_world
    meeting = world.extra["meeting_a"]
    member_b = world.users["member_b"]
    response = as_user(member_b).get(f"/api/v1/meetings/{meeting.public_id}/agenda/")
    assert response.status_code == 404
    assert not _rows(object_type="case")  # nothing of board A's agenda was shown
    [row] = _rows(outcome="denied")
    assert (row.actor_id, row.object_type, row.object_id) == (
        str(member_b.pk), "meeting", str(meeting.public_id))


def test_anonymous_calls_are_401_and_leave_no_row(world, api_client):
    assert api_client.get(f"/api/v1/bookings/{world.booking_a.public_id}/").status_code == 401
    assert not AuditEvent.objects.exists()
