"""PATCH /api/v1/cases/<id>/ — optimistic concurrency (If-Match) and lesion edits."""

from __future__ import annotations

import uuid

import pytest

from cases.models import Lesion
from core.models import AuditEvent, Revision
from tests.factories.cases import LesionFactory

pytestmark = pytest.mark.django_db


def url(case) -> str:
    return f"/api/v1/cases/{case.public_id}/"


def test_it_requires_authentication(api_client, case):
    assert api_client.patch(url(case), {"pain_vas": 3}, format="json",
                            HTTP_IF_MATCH='W/"1"').status_code == 401


def test_a_board_member_cannot_update(spine_member_client, case):
    response = spine_member_client.patch(url(case), {"pain_vas": 3}, format="json",
                                         HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 403


def test_an_unknown_case_is_404(coordinator_client):
    response = coordinator_client.patch(f"/api/v1/cases/{uuid.uuid4()}/", {"pain_vas": 3},
                                        format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 404


def test_if_match_is_required(coordinator_client, case):
    assert coordinator_client.patch(url(case), {"pain_vas": 3}, format="json").status_code == 428


def test_a_stale_etag_is_412(coordinator_client, case):
    first = coordinator_client.patch(url(case), {"pain_vas": 3}, format="json",
                                     HTTP_IF_MATCH='W/"1"')
    assert first.status_code == 200
    assert first["ETag"] == 'W/"2"'
    second = coordinator_client.patch(url(case), {"pain_vas": 9}, format="json",
                                      HTTP_IF_MATCH='W/"1"')
    assert second.status_code == 412
    problem = second.json()
    assert problem["type"] == "/problems/precondition-failed"
    assert problem["detail"] == 'The case has changed since you read it; its current ETag is W/"2".'
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("If-Match", "stale_version")]
    case.refresh_from_db()
    assert (case.pain_vas, case.version) == (3, 2)


def test_it_updates_fields_and_lesions_in_one_request(coordinator_client, case):
    lesion = case.lesions.get()
    payload = {
        "urgency": "urgent", "urgency_reason": "New pain at night.",
        "lesions": [
            {"id": str(lesion.public_id), "max_diameter_mm": 42},
            {"site": "pelvis", "max_diameter_mm": 30, "pattern": "lytic"},
        ],
    }
    response = coordinator_client.patch(url(case), payload, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["urgency"] == "urgent"
    assert [(item["site"], item["max_diameter_mm"]) for item in body["lesions"]] == [
        ("vertebra", 42), ("pelvis", 30)]
    assert AuditEvent.objects.filter(action="update", object_id=str(case.public_id)).exists()
    assert Revision.objects.filter(object_type="case", object_id=str(case.public_id),
                                   version=2).exists()


def test_a_bad_lesion_in_a_patch_changes_nothing(coordinator_client, case):
    lesion = case.lesions.get()
    payload = {"pain_vas": 1, "lesions": [
        {"id": str(lesion.public_id), "max_diameter_mm": 40},
        {"site": "vertebra", "max_diameter_mm": 10, "pattern": "lytic"},
    ]}
    response = coordinator_client.patch(url(case), payload, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "lesions[1].vertebral_level"
    case.refresh_from_db()
    lesion.refresh_from_db()
    assert (case.pain_vas, case.version, lesion.max_diameter_mm) == (6, 1, 25)
    assert Lesion.objects.filter(case=case).count() == 1


def test_a_lesion_of_another_case_cannot_be_edited(coordinator_client, case):
    other = LesionFactory()
    payload = {"lesions": [{"id": str(other.public_id), "max_diameter_mm": 40}]}
    response = coordinator_client.patch(url(case), payload, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "lesions[0].id", "rule": "not_found",
        "message": "No lesion with this id on this case."}


def test_the_last_lesion_cannot_be_removed(coordinator_client, case):
    lesion = case.lesions.get()
    response = coordinator_client.patch(url(case), {"remove_lesions": [str(lesion.public_id)]},
                                        format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "min_lesions"


def test_a_lesion_can_be_removed(coordinator_client, case):
    extra = LesionFactory(case=case, site="rib", vertebral_level="")
    response = coordinator_client.patch(url(case), {"remove_lesions": [str(extra.public_id)]},
                                        format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["lesions"]] == [
        str(case.lesions.get().public_id)]
