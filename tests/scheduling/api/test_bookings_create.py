"""POST /api/v1/bookings/ (Idempotency-Key)."""

from __future__ import annotations

import uuid

import pytest

from core.models import AuditEvent
from scheduling.models import Booking
from tests.factories.scheduling import at, plan_with
from tests.scheduling.api.conftest import BASE

pytestmark = pytest.mark.django_db
URL = f"{BASE}/bookings/"
PREOP = {"procedure_type": "embolization", "purpose": "pre_operative"}


def payload(procedure, room, start, **extra):
    return {"procedure": str(procedure.public_id), "resource": str(room.public_id),
            "start": start.isoformat(), **extra}


def test_it_requires_authentication(api_client, rooms):
    _p, (emb,) = plan_with("embolization")
    response = api_client.post(URL, payload(emb, rooms["angio"], at(0, 8)), format="json")
    assert response.status_code == 401


@pytest.mark.parametrize("who", ["plain_client", "spine_client"])
def test_people_other_than_coordinators_cannot_book(request, who, rooms):
    _p, (emb,) = plan_with("embolization")
    client = request.getfixturevalue(who)
    response = client.post(URL, payload(emb, rooms["angio"], at(0, 8)), format="json")
    assert response.status_code == 403


def test_a_client_needs_the_bookings_write_scope(oauth_client_factory, rooms):
    _p, (emb,) = plan_with("embolization")
    body = payload(emb, rooms["angio"], at(0, 8))
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    assert oauth_client_factory("bookings:read").post(URL, body, format="json",
                                                      **headers).status_code == 403
    response = oauth_client_factory("bookings:write", name="ris").post(URL, body, format="json",
                                                                       **headers)
    assert response.status_code == 201


def test_it_books_and_returns_201_with_location_etag_and_warnings(coordinator_client, rooms):
    plan, (emb, surgery) = plan_with(PREOP, "surgery")
    first = coordinator_client.post(URL, payload(emb, rooms["angio"], at(0, 8)), format="json")
    assert first.status_code == 201
    body = first.json()
    assert first["Location"] == f"/api/v1/bookings/{body['id']}/"
    assert first["ETag"] == 'W/"1"'
    assert body["patient"] == str(plan.case.patient.public_id)
    assert body["warnings"] == []
    second = coordinator_client.post(URL, payload(surgery, rooms["or1"], at(2, 15)), format="json")
    assert second.status_code == 201
    assert [w["rule"] for w in second.json()["warnings"]] == ["R1"]
    assert AuditEvent.objects.filter(object_type="booking", action="create").count() == 2


def test_a_taken_slot_is_409_problem_json(coordinator_client, rooms):
    _p, (a,) = plan_with("embolization")
    _q, (b,) = plan_with("embolization")
    assert coordinator_client.post(URL, payload(a, rooms["angio"], at(0, 8)),
                                   format="json").status_code == 201
    response = coordinator_client.post(URL, payload(b, rooms["angio"], at(0, 9)), format="json")
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["rule"] == "slot_taken"


def test_a_hard_rule_is_409_with_the_violations_in_the_body(coordinator_client, rooms):
    _p, (emb, surgery) = plan_with(PREOP, "surgery")
    coordinator_client.post(URL, payload(emb, rooms["angio"], at(0, 8)), format="json")
    response = coordinator_client.post(URL, payload(surgery, rooms["or1"], at(4, 9)),
                                       format="json")
    assert response.status_code == 409
    body = response.json()
    assert [v["rule_code"] for v in body["violations"]] == ["R1-window-hard"]
    assert "revascular" in body["violations"][0]["message"]
    assert body["errors"][0]["rule"] == "R1"


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"start": "not-a-date"}, "start", "invalid"),
        ({"procedure": "nope"}, "procedure", "invalid"),
        ({"procedure": str(uuid.uuid4())}, "procedure", "does_not_exist"),
        ({"status": "done"}, "status", "invalid_choice"),
        ({"end": at(0, 7).isoformat()}, "end", "order"),
        ({"start": at(5, 9).isoformat()}, "start", "opening_hours"),  # Saturday
    ],
)
def test_a_bad_payload_is_400_naming_field_and_rule(coordinator_client, rooms, change, field,
                                                    rule):
    _p, (emb,) = plan_with("embolization")
    response = coordinator_client.post(URL, {**payload(emb, rooms["angio"], at(0, 8)), **change},
                                       format="json")
    assert response.status_code == 400
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]]


def test_a_room_of_the_wrong_kind_is_400(coordinator_client, rooms):
    _p, (emb,) = plan_with("embolization")
    response = coordinator_client.post(URL, payload(emb, rooms["linac"], at(0, 8)), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "resource", "rule": "resource_kind",
        "message": response.json()["errors"][0]["message"]}


def test_an_idempotent_replay_books_once(coordinator_client, rooms):
    _p, (emb,) = plan_with("embolization")
    key = str(uuid.uuid4())
    body = payload(emb, rooms["angio"], at(0, 8))
    first = coordinator_client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    replay = coordinator_client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    assert Booking.objects.count() == 1


def test_the_collection_refuses_other_methods(coordinator_client):
    response = coordinator_client.delete(URL)
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) >= {"GET", "POST"}


def test_a_radiotherapy_course_returns_every_fraction(coordinator_client, rooms):
    _p, (rt,) = plan_with({"procedure_type": "radiotherapy", "fractions": 5})
    response = coordinator_client.post(URL, payload(rt, rooms["linac"], at(0, 9)), format="json")
    assert response.status_code == 201
    assert len(response.json()["course"]) == 5
