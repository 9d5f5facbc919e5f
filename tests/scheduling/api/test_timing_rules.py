"""/api/v1/timing-rules/ (scheduling/api/timing_rules.py): the rule catalogue, listed by every
reader and edited by administrators (If-Match)."""

from __future__ import annotations

import pytest

from scheduling.models import TimingRule
from tests.support.scheduling import BASE

pytestmark = pytest.mark.django_db
RULES = f"{BASE}/timing-rules/"


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
