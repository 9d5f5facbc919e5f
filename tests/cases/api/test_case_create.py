"""POST /api/v1/cases/ — structured submission, idempotent intake, all-or-nothing validation."""

from __future__ import annotations

import uuid

import pytest

from cases.models import Case, Lesion, Patient, PatientIdentifier
from core.models import AuditEvent
from tests.factories.cases import submission_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"


def test_it_requires_authentication(api_client):
    response = api_client.post(URL, submission_payload(), format="json")
    assert response.status_code == 401
    assert Case.objects.count() == 0


def test_it_refuses_a_user_without_a_role(plain_client):
    assert plain_client.post(URL, submission_payload(), format="json").status_code == 403


def test_it_refuses_a_board_member(spine_member_client):
    assert spine_member_client.post(URL, submission_payload(), format="json").status_code == 403


def test_it_refuses_a_client_without_the_write_scope(oauth_client_factory):
    client = oauth_client_factory("cases:read")
    response = client.post(URL, submission_payload(), format="json",
                           HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 403


def test_it_only_allows_get_and_post(coordinator_client):
    response = coordinator_client.delete(URL)
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_it_creates_the_case_with_patient_and_lesions(coordinator_client):
    payload = submission_payload()
    response = coordinator_client.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get(public_id=body["id"])
    assert response["ETag"] == 'W/"1"'
    assert response["Location"] == f"/api/v1/cases/{case.public_id}/"
    assert body["status"] == "submitted"
    assert [lesion["site"] for lesion in body["lesions"]] == ["vertebra", "long_bone_lower"]
    assert case.lesions.count() == 2
    assert body["patient"]["id"] == str(case.patient.public_id)
    # decision support comes back with the case
    support = body["decision_support"]
    assert support["lesions"][0]["label"].startswith("L2 vertebra")
    assert {f["rule_id"] for f in support["lesions"][1]["findings"]} >= {"DS-MIRELS"}
    assert body["readiness"] == []
    assert AuditEvent.objects.filter(action="create", object_id=str(case.public_id),
                                     patient_pseudonym=str(case.patient.public_id)).exists()


def test_it_never_echoes_identifier_values(coordinator_client):
    payload = submission_payload()
    value = payload["patient"]["identifiers"][0]["value"]
    response = coordinator_client.post(URL, payload, format="json")
    assert value not in response.content.decode()


def test_a_retried_submission_returns_the_existing_case(coordinator_client):
    payload = submission_payload()
    first = coordinator_client.post(URL, payload, format="json")
    second = coordinator_client.post(URL, payload, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Case.objects.count() == 1


def test_the_same_patient_identifier_reuses_the_patient(coordinator_client):
    first = submission_payload()
    second = submission_payload(patient=first["patient"])
    coordinator_client.post(URL, first, format="json")
    coordinator_client.post(URL, second, format="json")
    assert Case.objects.count() == 2
    assert Patient.objects.count() == 1
    assert PatientIdentifier.objects.count() == 1


def test_one_bad_lesion_stores_nothing_and_names_the_lesion_and_field(coordinator_client):
    payload = submission_payload()
    payload["lesions"][1]["max_diameter_mm"] = 900
    response = coordinator_client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert {
        k: errors[0][k] for k in ("field", "rule")} == {"field": "lesions[1].max_diameter_mm", "rule": "max_value"}
    assert Case.objects.count() == Lesion.objects.count() == Patient.objects.count() == 0


def test_a_vertebral_lesion_without_level_is_named(coordinator_client):
    payload = submission_payload()
    payload["lesions"][0]["vertebral_level"] = ""
    response = coordinator_client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "lesions[0].vertebral_level"


def test_a_bilsky_grade_without_epidural_extension_is_refused(coordinator_client):
    payload = submission_payload()
    payload["lesions"][0]["epidural_extension"] = False
    response = coordinator_client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "lesions[0].bilsky_grade", "rule": "needs_epidural_extension",
        "message": "A Bilsky grade is given only with epidural extension."}
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"ecog": 5}, "ecog", "max_value"),
        ({"pain_vas": -1}, "pain_vas", "min_value"),
        ({"urgency": "soon"}, "urgency", "invalid_choice"),
        ({"lesions": []}, "lesions", "empty"),
        ({"patient": {"identifiers": [], "birth_year": 1950}}, "patient.identifiers", "empty"),
        ({"requested_board": "no-such-board"}, "requested_board", "unknown_board"),
    ],
)
def test_bad_payloads_name_the_field_and_rule(coordinator_client, change, field, rule):
    response = coordinator_client.post(URL, submission_payload(**change), format="json")
    assert response.status_code == 400
    assert (field, rule) in {(e["field"], e["rule"]) for e in response.json()["errors"]}


def test_a_known_board_slug_is_accepted(coordinator_client, spine_board):
    response = coordinator_client.post(
        URL, submission_payload(requested_board="bone-mets-spine"), format="json")
    assert response.status_code == 201


def test_a_system_client_needs_an_idempotency_key(oauth_client_factory):
    client = oauth_client_factory("cases:write")
    assert client.post(URL, submission_payload(), format="json").status_code == 400
    key = str(uuid.uuid4())
    payload = submission_payload()
    first = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    replay = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    assert Case.objects.count() == 1
    other = client.post(URL, submission_payload(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert other.status_code == 422
