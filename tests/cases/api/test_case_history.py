"""GET /api/v1/cases/<id>/history/ — status changes and revisions."""

from __future__ import annotations

import uuid

import pytest

from tests.factories.cases import submission_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_id(coordinator_client):
    body = coordinator_client.post("/api/v1/cases/", submission_payload(), format="json").json()
    coordinator_client.post(f"/api/v1/cases/{body['id']}/transition/",
                            {"to": "ready_for_mdt", "reason": "all imaging in"}, format="json")
    return body["id"]


def test_it_requires_authentication(api_client, case_id):
    assert api_client.get(f"/api/v1/cases/{case_id}/history/").status_code == 401


def test_it_refuses_a_user_without_a_role(plain_client, case_id):
    assert plain_client.get(f"/api/v1/cases/{case_id}/history/").status_code == 403


def test_an_unknown_case_is_404(coordinator_client):
    assert coordinator_client.get(f"/api/v1/cases/{uuid.uuid4()}/history/").status_code == 404


def test_it_only_allows_get(coordinator_client, case_id):
    assert coordinator_client.post(f"/api/v1/cases/{case_id}/history/").status_code == 405


def test_it_lists_status_changes_and_revisions(coordinator_client, case_id):
    response = coordinator_client.get(f"/api/v1/cases/{case_id}/history/")
    assert response.status_code == 200
    body = response.json()
    assert [(c["from_status"], c["to_status"]) for c in body["status_changes"]] == [
        ("submitted", "ready_for_mdt")]
    assert [r["version"] for r in body["revisions"]] == [1, 2]
    assert body["revisions"][1]["snapshot"]["status"] == "ready_for_mdt"
    # snapshots carry pseudonyms, never identifier values
    assert "MRN-" not in response.content.decode()
