"""GET /api/v1/cases/<id>/ — a case with decision support, scoped and audited."""

from __future__ import annotations

import uuid

import pytest

from core.models import AuditEvent
from tests.factories.cases import CaseFactory, LesionFactory

pytestmark = pytest.mark.django_db


def url(case) -> str:
    return f"/api/v1/cases/{case.public_id}/"


@pytest.fixture
def spine_case(spine_board):
    case = CaseFactory(requested_board="bone-mets-spine", primary_histology="renal_cell")
    LesionFactory(case=case)
    return case


def test_it_requires_authentication(api_client, spine_case):
    assert api_client.get(url(spine_case)).status_code == 401


def test_it_refuses_a_user_without_a_role_and_audits_it(plain_client, spine_case):
    assert plain_client.get(url(spine_case)).status_code == 403
    denied = AuditEvent.objects.get(outcome="denied", object_id=str(spine_case.public_id))
    assert denied.patient_pseudonym == str(spine_case.patient.public_id)


def test_a_member_of_another_board_gets_404_and_it_is_audited(sarcoma_member_client,
                                                              spine_case):
    response = sarcoma_member_client.get(url(spine_case))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        outcome="denied", object_id=str(spine_case.public_id),
        patient_pseudonym=str(spine_case.patient.public_id)).count() == 1


def test_an_unknown_case_is_404(coordinator_client):
    assert coordinator_client.get(f"/api/v1/cases/{uuid.uuid4()}/").status_code == 404


def test_it_refuses_put(coordinator_client, spine_case):
    response = coordinator_client.put(url(spine_case), {}, format="json")
    assert response.status_code == 405
    assert "PATCH" in response["Allow"]


def test_a_member_of_the_board_reads_the_case_with_decision_support(spine_member_client,
                                                                   spine_case):
    response = spine_member_client.get(url(spine_case))
    assert response.status_code == 200
    assert response["ETag"] == 'W/"1"'
    body = response.json()
    assert body["id"] == str(spine_case.public_id)
    assert body["allowed_transitions"] == ["closed", "ready_for_mdt"]
    support = body["decision_support"]
    [lesion] = support["lesions"]
    sins = next(f for f in lesion["findings"] if f["rule_id"] == "DS-SINS")
    assert sins["result"]["score"] == 10
    assert sins["result"]["category"] == "potentially_unstable"
    assert support["emergency"] is False
    assert AuditEvent.objects.filter(action="read", outcome="success",
                                     object_id=str(spine_case.public_id)).count() == 1


def test_a_system_client_with_read_scope_reads_it(oauth_client_factory, spine_case):
    client = oauth_client_factory("cases:read")
    assert client.get(url(spine_case)).status_code == 200


def test_site_thresholds_change_the_decision_support(coordinator_client, spine_case):
    from tests.factories.cases import SiteParameterFactory

    SiteParameterFactory(key="sins_potentially_unstable_min", value=10)
    SiteParameterFactory(key="sins_unstable_min", value=11)
    body = coordinator_client.get(url(spine_case)).json()
    sins = next(f for f in body["decision_support"]["lesions"][0]["findings"]
                if f["rule_id"] == "DS-SINS")
    assert sins["result"]["category"] == "potentially_unstable"
    assert "(10-10)" in sins["rationale"]
