"""The rule catalogue (GET, PATCH by administrators), the procedure catalogue, and violation
acknowledgement."""

from __future__ import annotations

import uuid

import pytest

from scheduling import services
from scheduling.models import TimingRule, Violation
from tests.factories.scheduling import at, plan_with
from tests.scheduling.api.conftest import BASE

pytestmark = pytest.mark.django_db
RULES = f"{BASE}/timing-rules/"
CATALOGUE = f"{BASE}/procedure-catalogue/"


def test_the_rule_catalogue_lists_every_seeded_rule(spine_client, api_client, plain_client):
    assert api_client.get(RULES).status_code == 401
    assert plain_client.get(RULES).status_code == 403
    body = spine_client.get(f"{RULES}?page_size=50").json()
    assert {r["rule"] for r in body["results"]} >= {"R1", "R2", "R3", "R4", "R5", "R6", "R7",
                                                    "R8", "R17", "R18"}
    r1 = next(r for r in body["results"] if r["code"] == "R1-window-hard")
    assert (r1["max_lag_minutes"], r1["severity"]) == (72 * 60, "hard")


def test_only_administrators_patch_rules_with_if_match(coordinator_client, admin_client):
    url = f"{RULES}R1-window-soft/"
    body = {"max_lag_minutes": 36 * 60, "reason": "Local surgeons agreed 36 h"}
    assert coordinator_client.patch(url, body, format="json",
                                    HTTP_IF_MATCH='W/"1"').status_code == 403
    assert admin_client.patch(url, body, format="json").status_code == 428
    ok = admin_client.patch(url, body, format="json", HTTP_IF_MATCH='W/"1"')
    assert (ok.status_code, ok["ETag"], ok.json()["max_lag_minutes"]) == (200, 'W/"2"', 2160)
    assert admin_client.patch(url, body, format="json",
                              HTTP_IF_MATCH='W/"1"').status_code == 412
    assert TimingRule.objects.get(code="R1-window-soft").change_reason.startswith("Local")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"severity": "maybe", "reason": "x"}, "severity"),
        ({"max_lag_minutes": 10}, "reason"),
        ({"min_lag_minutes": 100, "max_lag_minutes": 10, "reason": "x"}, "min_lag_minutes"),
    ],
)
def test_a_bad_rule_patch_is_400(admin_client, body, field):
    response = admin_client.patch(f"{RULES}R1-window-soft/", body, format="json",
                                  HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_an_unknown_rule_is_404_and_the_list_is_read_only(admin_client):
    assert admin_client.patch(f"{RULES}R99/", {"reason": "x"}, format="json",
                              HTTP_IF_MATCH='W/"1"').status_code == 404
    assert admin_client.post(RULES, {}, format="json").status_code == 405


def test_the_procedure_catalogue_lists_and_administrators_edit(spine_client, admin_client,
                                                               coordinator_client):
    body = spine_client.get(f"{CATALOGUE}?page_size=50").json()
    emb = next(e for e in body["results"] if e["procedure_type"] == "embolization")
    assert sorted(emb["resource_kinds"]) == ["angio_suite", "hybrid_ct_angio"]
    url = f"{CATALOGUE}embolization/"
    assert coordinator_client.patch(url, {"duration_minutes": 120}, format="json",
                                    HTTP_IF_MATCH='W/"1"').status_code == 403
    bad = admin_client.patch(url, {"duration_minutes": 1}, format="json", HTTP_IF_MATCH='W/"1"')
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (400, "duration_minutes")
    ok = admin_client.patch(url, {"duration_minutes": 120}, format="json", HTTP_IF_MATCH='W/"1"')
    assert (ok.status_code, ok.json()["duration_minutes"]) == (200, 120)
    assert admin_client.patch(f"{CATALOGUE}nothing/", {}, format="json",
                              HTTP_IF_MATCH='W/"1"').status_code == 404


def test_a_coordinator_acknowledges_a_soft_violation(coordinator_client, spine_client, api_client,
                                                     rooms):
    plan, (emb, surgery) = plan_with(
        {"procedure_type": "embolization", "purpose": "pre_operative"}, "surgery")
    services.booking_create(procedure=emb, resource=rooms["angio"], start=at(0, 8), principal=None)
    services.booking_create(procedure=surgery, resource=rooms["or1"], start=at(2, 15),
                            principal=None)
    violation = Violation.objects.get(plan=plan)
    url = f"{BASE}/violations/{violation.public_id}/acknowledge/"
    assert api_client.post(url, {"reason": "x"}, format="json").status_code == 401
    assert spine_client.post(url, {"reason": "x"}, format="json").status_code == 403
    assert coordinator_client.post(url, {}, format="json").status_code == 400
    assert coordinator_client.get(url).status_code == 405
    assert coordinator_client.post(f"{BASE}/violations/{uuid.uuid4()}/acknowledge/",
                                   {"reason": "x"}, format="json").status_code == 404
    ok = coordinator_client.post(url, {"reason": "OR list full; surgeon agrees"}, format="json")
    assert (ok.status_code, ok.json()["status"]) == (200, "acknowledged")
    # Re-acknowledging replaces the reason (still soft, still unresolved).
    again = coordinator_client.post(url, {"reason": "Confirmed at the MDT"}, format="json")
    assert (again.status_code, again.json()["acknowledged_reason"]) == (200,
                                                                        "Confirmed at the MDT")
