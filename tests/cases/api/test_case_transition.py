"""POST /api/v1/cases/<id>/transition/ — legal moves only; 409 lists the allowed ones."""

from __future__ import annotations

import uuid

import pytest

from cases.models import CaseStatusChange
from core.models import AuditEvent, OutboxMessage

pytestmark = pytest.mark.django_db


def url(case) -> str:
    return f"/api/v1/cases/{case.public_id}/transition/"


def test_it_requires_authentication(api_client, case):
    assert api_client.post(url(case), {"to": "ready_for_mdt"}, format="json").status_code == 401


def test_a_board_member_cannot_move_a_case(spine_member_client, case):
    response = spine_member_client.post(url(case), {"to": "ready_for_mdt"}, format="json")
    assert response.status_code == 403


def test_an_unknown_case_is_404(coordinator_client):
    response = coordinator_client.post(f"/api/v1/cases/{uuid.uuid4()}/transition/",
                                       {"to": "ready_for_mdt"}, format="json")
    assert response.status_code == 404


def test_it_only_allows_post(coordinator_client, case):
    assert coordinator_client.get(url(case)).status_code == 405


def test_an_unknown_status_is_400(coordinator_client, case):
    response = coordinator_client.post(url(case), {"to": "archived"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "to"


def test_a_legal_move_is_recorded_and_enqueues_agenda_placement(coordinator_client, case):
    response = coordinator_client.post(url(case), {"to": "ready_for_mdt", "reason": "complete"},
                                       format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ready_for_mdt"
    assert response["ETag"] == 'W/"2"'
    change = CaseStatusChange.objects.get(case=case)
    assert (change.from_status, change.to_status, change.reason) == (
        "submitted", "ready_for_mdt", "complete")
    assert OutboxMessage.objects.filter(kwargs={"case_id": case.pk}).exists()
    assert AuditEvent.objects.filter(action="update", object_id=str(case.public_id),
                                     detail__transition="ready_for_mdt").exists()


def test_an_illegal_move_is_409_listing_the_allowed_ones(coordinator_client, case):
    response = coordinator_client.post(url(case), {"to": "in_treatment"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["allowed"] == ["closed", "ready_for_mdt"]
    assert body["current"] == "submitted"
    assert body["errors"][0]["rule"] == "illegal_transition"
    assert "ready_for_mdt" in body["detail"]
    case.refresh_from_db()
    assert case.status == "submitted"


def test_a_stale_if_match_is_412(coordinator_client, case):
    response = coordinator_client.post(url(case), {"to": "ready_for_mdt"}, format="json",
                                       HTTP_IF_MATCH='W/"7"')
    assert response.status_code == 412
