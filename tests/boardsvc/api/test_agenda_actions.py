"""POST agenda reorder, late additions, defer and standard-of-care: 400s name field and rule;
happy paths."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from boardsvc.models import AgendaItem, Meeting
from tests.factories.boardsvc import MeetingFactory, make_case

pytestmark = pytest.mark.django_db


def url(name, public_id):
    return reverse(f"boardsvc_api:{name}", kwargs={"public_id": public_id})


def error(response):
    first = response.json()["errors"][0]
    return first["field"], first["rule"]


def test_reorder_sets_the_new_order(client_for, world):
    new_order = [str(world.items[1].public_id), str(world.items[0].public_id)]
    response = client_for(world.team["chair"]).post(
        url("agenda-reorder", world.meeting.public_id), {"items": new_order}, format="json")
    assert response.status_code == 200
    assert [r["public_id"] for r in response.json()["results"]] == new_order


@pytest.mark.parametrize(("payload", "field", "rule"), [
    ({}, "items", "required"),
    ({"items": ["nope"]}, "items[0]", "invalid"),
    ({"items": []}, "items", "empty"),
])
def test_reorder_rejects_a_bad_payload(client_for, world, payload, field, rule):
    response = client_for(world.team["chair"]).post(
        url("agenda-reorder", world.meeting.public_id), payload, format="json")
    assert response.status_code == 400
    assert error(response) == (field, rule)


def test_reorder_must_name_every_item(client_for, world):
    response = client_for(world.team["chair"]).post(
        url("agenda-reorder", world.meeting.public_id),
        {"items": [str(world.items[0].public_id), str(uuid.uuid4())]}, format="json")
    assert response.status_code == 400
    assert error(response) == ("items", "unknown_item")


def test_late_addition_of_an_urgent_case_with_a_reason(client_for, world):
    Meeting.objects.filter(pk=world.meeting.pk).update(status="frozen")
    case = make_case(requested_board=world.board.slug, urgency="urgent")
    response = client_for(world.team["chair"]).post(
        url("agenda-late-add", world.meeting.public_id),
        {"case": str(case.public_id), "reason": "Fracture risk, needs decision now"},
        format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["late_addition"] is True
    assert response.json()["priority"] == "urgent"
    assert response.json()["position"] == 0  # urgent cases first


@pytest.mark.parametrize(("payload", "field", "rule"), [
    ({}, "case", "required"),
    ({"case": "x"}, "case", "invalid"),
    ({"case": str(uuid.UUID(int=1))}, "case", "does_not_exist"),
])
def test_late_addition_rejects_a_bad_payload(client_for, world, payload, field, rule):
    response = client_for(world.team["chair"]).post(
        url("agenda-late-add", world.meeting.public_id), payload, format="json")
    assert response.status_code == 400
    assert error(response) == (field, rule)


def test_late_addition_of_a_routine_case_after_the_cut_off_is_refused_r13(client_for, world):
    Meeting.objects.filter(pk=world.meeting.pk).update(status="frozen")
    case = make_case(requested_board=world.board.slug)
    response = client_for(world.team["chair"]).post(
        url("agenda-late-add", world.meeting.public_id),
        {"case": str(case.public_id), "reason": "please"}, format="json")
    assert response.status_code == 400
    assert error(response) == ("case", "R13_cut_off")


def test_defer_moves_the_case_to_a_later_meeting(client_for, world):
    later = MeetingFactory(board=world.board, starts_at=world.meeting.starts_at
                           + timedelta(days=7))
    response = client_for(world.team["chair"]).post(
        url("agenda-item-defer", world.items[0].public_id), {"reason": "Awaiting MRI"},
        format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["meeting"] == str(later.public_id)
    assert AgendaItem.objects.get(pk=world.items[0].pk).outcome == "deferred"


def test_defer_needs_a_reason(client_for, world):
    response = client_for(world.team["chair"]).post(
        url("agenda-item-defer", world.items[0].public_id), {}, format="json")
    assert response.status_code == 400
    assert error(response) == ("reason", "required")


def test_standard_of_care_can_be_set_and_is_validated(client_for, world):
    client = client_for(world.team["chair"])
    target = url("agenda-item-standard-of-care", world.items[0].public_id)
    bad = client.post(target, {"standard_of_care": "maybe"}, format="json")
    assert bad.status_code == 400
    assert error(bad) == ("standard_of_care", "invalid")
    response = client.post(target, {"standard_of_care": True}, format="json")
    assert response.status_code == 200
    assert response.json()["standard_of_care"] is True


def test_a_closed_meetings_agenda_cannot_change(client_for, world):
    Meeting.objects.filter(pk=world.meeting.pk).update(status="closed")
    response = client_for(world.team["chair"]).post(
        url("agenda-item-standard-of-care", world.items[0].public_id),
        {"standard_of_care": True}, format="json")
    assert response.status_code == 409
