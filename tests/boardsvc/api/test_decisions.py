"""Decisions over the API (boardsvc/api/decisions.py): create (201, ETag, Idempotency-Key),
read with revisions, amend with If-Match (428 missing, 412 stale), 400s naming field and
rule. Issue 11, item 2: each procedure carries its purpose and the index of the procedure
it prepares, the plan's procedures are linked, and the deprecated ``embolization_purpose``
is still read ("adjuvant" → "pre_ablation") and still emitted."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from boardsvc.models import Decision, Meeting
from cases.models import PlannedProcedure
from core.models import AuditEvent
from tests.factories.boardsvc import suggested_procedure
from tests.support.boardsvc import outcome_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_session(world):
    Meeting.objects.filter(pk=world.meeting.pk).update(status="in_session")
    return world


def create_url(item):
    return reverse("boardsvc_api:decision-create", kwargs={"public_id": item.public_id})


def record(client, item, **extra):
    payload = {"outcome_text": "Proceed.", "procedures": [suggested_procedure(item.case)],
               **outcome_fields(item.meeting.board, api=True), **extra}
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
    payload = {"outcome_text": "Proceed.", "procedures": [suggested_procedure(item.case)],
               **outcome_fields(item.meeting.board, api=True)}
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
    if payload:
        payload = {**outcome_fields(in_session.board, api=True), **payload}
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


# --- procedure purposes and links (issue 11, item 2) -------------------------------------------


@pytest.fixture
def post(client_for, in_session):
    def send(procedures, **extra):
        item = in_session.items[0]
        url = reverse("boardsvc_api:decision-create", kwargs={"public_id": item.public_id})
        payload = {"outcome_text": "Proceed.", "procedures": procedures,
                   "override_reason": "Testing the plan's links.",
                   **outcome_fields(in_session.board, api=True), **extra}
        return client_for(in_session.team["chair"]).post(url, payload, format="json")

    return send


def lesion_of(world) -> str:
    return str(world.items[0].case.lesions.first().public_id)


def plan_procedures(body) -> list[PlannedProcedure]:
    return list(PlannedProcedure.objects.filter(plan__public_id=body["plan"])
                .select_related("prepares", "target_lesion").order_by("sequence"))


def test_a_pre_operative_embolization_is_linked_to_the_surgery_it_prepares(post, in_session):
    lesion = lesion_of(in_session)
    response = post([
        {"procedure_type": "embolization", "intent": "palliative", "purpose": "pre_operative",
         "target_lesion": lesion, "prepares_index": 1},
        {"procedure_type": "surgery", "intent": "palliative", "target_lesion": lesion},
    ])
    assert response.status_code == 201, response.json()
    emb, surgery = plan_procedures(response.json())
    assert (emb.purpose, emb.prepares_id) == ("pre_operative", surgery.pk)
    assert surgery.purpose == ""
    stored = response.json()["procedures"][0]
    assert (stored["purpose"], stored["prepares_index"]) == ("pre_operative", 1)
    assert stored["embolization_purpose"] == "pre_operative"  # the deprecated alias, emitted


def test_the_deprecated_embolization_purpose_is_read_and_adjuvant_is_pre_ablation(post):
    response = post([
        {"procedure_type": "embolization", "intent": "curative",
         "embolization_purpose": "adjuvant", "prepares_index": 1},
        {"procedure_type": "rfa", "intent": "curative", "purpose": "curative"},
    ])
    assert response.status_code == 201, response.json()
    emb, rfa = plan_procedures(response.json())
    assert (emb.purpose, emb.prepares_id, rfa.purpose) == ("pre_ablation", rfa.pk, "curative")
    stored = response.json()["procedures"][0]
    assert stored["purpose"] == stored["embolization_purpose"] == "pre_ablation"


@pytest.mark.parametrize(("procedures", "field", "rule"), [
    # a purpose the procedure type cannot carry
    ([{"procedure_type": "rfa", "intent": "curative", "purpose": "pre_operative"}],
     "procedures[0].purpose", "purpose_not_allowed"),
    ([{"procedure_type": "surgery", "intent": "palliative", "purpose": "palliative"}],
     "procedures[0].purpose", "purpose_not_allowed"),
    ([{"procedure_type": "embolization", "intent": "palliative", "purpose": "palliative",
       "embolization_purpose": "pre_operative"}],
     "procedures[0].embolization_purpose", "conflict"),
    # a link the purpose does not allow, or out of range
    ([{"procedure_type": "embolization", "intent": "palliative", "purpose": "pre_operative",
       "prepares_index": 1}, {"procedure_type": "rfa", "intent": "palliative"}],
     "procedures[0].prepares_index", "invalid"),
    ([{"procedure_type": "embolization", "intent": "palliative", "purpose": "palliative",
       "prepares_index": 1}, {"procedure_type": "surgery", "intent": "palliative"}],
     "procedures[0].prepares_index", "invalid"),
    ([{"procedure_type": "embolization", "intent": "palliative", "purpose": "pre_operative",
       "prepares_index": 5}], "procedures[0].prepares_index", "invalid"),
    ([{"procedure_type": "embolization", "intent": "palliative", "purpose": "pre_operative",
       "prepares_index": 0}], "procedures[0].prepares_index", "invalid"),
])
def test_a_bad_purpose_or_link_gets_400_naming_the_item(post, procedures, field, rule):
    response = post(procedures)
    assert response.status_code == 400, response.json()
    first = response.json()["errors"][0]
    assert (first["field"], first["rule"]) == (field, rule)
    assert not PlannedProcedure.objects.exists()


# --- the structured outcome (issue 12) ---------------------------------------------------------


def test_the_structured_outcome_is_stored_and_returned(client_for, in_session):
    response = record(client_for(in_session.team["chair"]), in_session.items[0],
                      outcome_category="treatment", intent="palliative",
                      follow_up="CT in 3 months.")
    assert response.status_code == 201, response.json()
    body = response.json()
    clinician = outcome_fields(in_session.board, api=True)["responsible_clinician"]
    assert (body["outcome_category"], body["intent"], body["follow_up"],
            body["responsible_clinician"]) == ("treatment", "palliative", "CT in 3 months.",
                                               clinician)


def test_a_client_sending_only_text_and_procedures_gets_400_naming_each_missing_field(
        client_for, in_session):
    item = in_session.items[0]
    response = client_for(in_session.team["chair"]).post(create_url(item), {
        "outcome_text": "Proceed.", "procedures": [suggested_procedure(item.case)]},
        format="json")
    assert response.status_code == 400
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("outcome_category", "required"), ("intent", "required"),
        ("responsible_clinician", "required")]
    assert not Decision.objects.exists()


def test_a_board_whose_template_requires_nothing_accepts_the_old_payload(client_for,
                                                                         in_session):
    type(in_session.board).objects.filter(pk=in_session.board.pk).update(
        outcome_template={"fields": ["outcome_text", "procedures"], "required": []})
    item = in_session.items[0]
    response = client_for(in_session.team["chair"]).post(create_url(item), {
        "outcome_text": "Proceed.", "procedures": [suggested_procedure(item.case)]},
        format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["intent"] == ""  # not given, never invented


def test_a_responsible_clinician_outside_the_board_gets_400(client_for, in_session):
    response = record(client_for(in_session.team["chair"]), in_session.items[0],
                      responsible_clinician=in_session.outsider.username)
    assert response.status_code == 400
    assert (response.json()["errors"][0]["field"],
            response.json()["errors"][0]["rule"]) == ("responsible_clinician",
                                                      "not_a_board_member")


def test_an_amendment_cannot_empty_a_mandatory_field(client_for, in_session):
    client = client_for(in_session.team["chair"])
    created = record(client, in_session.items[0]).json()
    amend = reverse("boardsvc_api:decision-amend", kwargs={"public_id": created["public_id"]})
    response = client.patch(amend, {"reason": "x", "intent": ""}, format="json",
                            HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "intent"


def test_an_unsuggested_pre_operative_embolization_needs_an_override_reason(client_for,
                                                                           in_session):
    item = in_session.items[0]
    lesion = lesion_of(in_session)
    response = record(client_for(in_session.team["chair"]), item, procedures=[
        suggested_procedure(item.case),
        {"procedure_type": "embolization", "intent": "palliative", "purpose": "pre_operative",
         "target_lesion": lesion}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "required_when_overriding"
