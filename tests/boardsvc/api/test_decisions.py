"""Decisions over the API: create (201, ETag, Idempotency-Key), read with revisions, amend with
If-Match (428 missing, 412 stale), 400s naming field and rule; placement explanation."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from boardsvc.models import Decision, Meeting
from boardsvc.services import agenda_place_case
from core.models import AuditEvent
from tests.factories.boardsvc import MeetingFactory, make_case, suggested_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_session(world):
    Meeting.objects.filter(pk=world.meeting.pk).update(status="in_session")
    return world


def create_url(item):
    return reverse("boardsvc_api:decision-create", kwargs={"public_id": item.public_id})


def record(client, item, **extra):
    payload = {"outcome_text": "Proceed.", "procedures": [suggested_procedure(item.case)],
               **extra}
    return client.post(create_url(item), payload, format="json")


def test_recording_a_decision_returns_201_with_etag_and_location(client_for, in_session):
    item = in_session.items[0]
    response = record(client_for(in_session.team["chair"]), item)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["ETag"] == 'W/"1"'
    assert response["Location"] == f"/api/v1/decisions/{body['public_id']}/"
    assert body["followed_suggestions"] is True
    assert body["quorum_met"] is False
    assert body["plan"] is not None
    assert body["recorded_by"] == "chair.bone-mets-spine"
    assert AuditEvent.objects.filter(object_type="decision", action="create").count() == 1


def test_an_idempotency_key_replays_instead_of_recording_twice(client_for, in_session):
    client = client_for(in_session.team["chair"])
    key = str(uuid.uuid4())
    item = in_session.items[0]
    payload = {"outcome_text": "Proceed.", "procedures": [suggested_procedure(item.case)]}
    first = client.post(create_url(item), payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    second = client.post(create_url(item), payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert Decision.objects.count() == 1


@pytest.mark.parametrize(("payload", "field", "rule"), [
    ({}, "outcome_text", "required"),
    ({"outcome_text": "x", "procedures": [{"procedure_type": "magic", "intent": "palliative"}]},
     "procedures[0].procedure_type", "invalid_choice"),
    ({"outcome_text": "x", "procedures": [{"procedure_type": "rfa", "intent": "curative",
                                           "embolization_purpose": "palliative"}]},
     "procedures[0].embolization_purpose", "only_embolization"),
    ({"outcome_text": "x", "procedures": [{"procedure_type": "surgery",
                                           "intent": "palliative"}]},
     "override_reason", "required_when_overriding"),
])
def test_a_bad_decision_payload_gets_400_naming_field_and_rule(client_for, in_session, payload,
                                                               field, rule):
    response = client_for(in_session.team["chair"]).post(create_url(in_session.items[0]),
                                                         payload, format="json")
    assert response.status_code == 400
    first = response.json()["errors"][0]
    assert (first["field"], first["rule"]) == (field, rule)


def test_a_decision_on_a_meeting_not_in_session_is_a_conflict(client_for, world):
    response = record(client_for(world.team["chair"]), world.items[0])
    assert response.status_code == 409


def test_amend_needs_if_match_and_keeps_the_original(client_for, in_session):
    client = client_for(in_session.team["chair"])
    created = record(client, in_session.items[0]).json()
    amend = reverse("boardsvc_api:decision-amend", kwargs={"public_id": created["public_id"]})
    payload = {"reason": "Clarified", "outcome_text": "Proceed after MRI."}
    assert client.patch(amend, payload, format="json").status_code == 428
    assert client.patch(amend, payload, format="json",
                        HTTP_IF_MATCH='W/"9"').status_code == 412
    response = client.patch(amend, payload, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200
    assert response["ETag"] == 'W/"2"'
    assert [r["snapshot"]["outcome_text"] for r in response.json()["revisions"]] == [
        "Proceed.", "Proceed after MRI."]
    bad = client.patch(amend, {"outcome_text": "x"}, format="json", HTTP_IF_MATCH='W/"2"')
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "reason"


def test_a_member_reads_a_decision_and_the_read_is_audited(client_for, in_session):
    created = record(client_for(in_session.team["chair"]), in_session.items[0]).json()
    detail = reverse("boardsvc_api:decision-detail", kwargs={"public_id": created["public_id"]})
    response = client_for(in_session.member).get(detail)
    assert response.status_code == 200
    assert response.json()["suggestions_snapshot"]["lesions"]
    assert AuditEvent.objects.filter(object_type="decision", action="read").exists()
    assert client_for(in_session.outsider).get(detail).status_code == 404


def test_placement_explanation_says_why_this_meeting(client_for, world, clock):
    later = MeetingFactory(board=world.board)
    Meeting.objects.filter(pk=later.pk).update(capacity_minutes=90)
    case = make_case(requested_board=world.board.slug)
    agenda_place_case(case_id=case.pk)
    url = reverse("boardsvc_api:case-placement", kwargs={"public_id": case.public_id})
    response = client_for(world.member).get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["outcome"] == "placed"
    assert body["results"][0]["explanation"][-1]["code"] == "chosen"
    assert client_for(world.outsider).get(url).status_code == 404
