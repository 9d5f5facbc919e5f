"""/api/v1/site-parameters/ — administrators list and change decision-support thresholds."""

from __future__ import annotations

import pytest

from cases.models import SiteParameter
from core.models import AuditEvent

pytestmark = pytest.mark.django_db
LIST = "/api/v1/site-parameters/"


def put(client, key, value, reason="Agreed at the spine MDT, 2026-11."):
    return client.put(f"{LIST}{key}/", {"value": value, "reason": reason}, format="json")


def test_it_requires_authentication(api_client):
    assert api_client.get(LIST).status_code == 401
    assert put(api_client, "oligo_max", 3).status_code == 401


def test_a_coordinator_is_not_an_administrator(coordinator_client):
    assert coordinator_client.get(LIST).status_code == 403
    assert put(coordinator_client, "oligo_max", 3).status_code == 403


def test_a_system_client_cannot_change_thresholds(oauth_client_factory):
    client = oauth_client_factory("cases:write", "cases:read")
    assert put(client, "oligo_max", 3).status_code == 403


def test_an_unknown_key_is_404(admin_client):
    response = put(admin_client, "no_such_key", 3)
    assert response.status_code == 404
    problem = response.json()
    assert problem["type"] == "/problems/not-found"
    assert problem["detail"] == "There is no parameter named 'no_such_key'."
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("key", "unknown_parameter")]


def test_wrong_methods_are_405(admin_client):
    assert admin_client.post(LIST, {}, format="json").status_code == 405
    assert admin_client.patch(f"{LIST}oligo_max/", {}, format="json").status_code == 405


def test_it_lists_every_parameter_with_default_range_and_source(admin_client):
    response = admin_client.get(LIST)
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.json()["results"]}
    oligo = rows["oligo_max"]
    assert (oligo["value"], oligo["default"], oligo["min"], oligo["max"]) == (5, 5, 1, 10)
    assert oligo["rule_id"] == "DS-EXTENT"
    assert oligo["source"]
    assert oligo["rationale"]
    assert oligo["overridden"] is False


def test_an_out_of_range_value_is_400_naming_the_key_and_range(admin_client):
    response = put(admin_client, "oligo_max", 12)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "value"
    assert error["rule"] == "out_of_range"
    assert error["message"] == "oligo_max must be between 1 and 10 metastases."
    assert not SiteParameter.objects.exists()


def test_a_reason_is_required(admin_client):
    response = admin_client.put(f"{LIST}oligo_max/", {"value": 3}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "reason"


def test_it_records_who_changed_it_and_why(admin_client, administrator):
    response = put(admin_client, "oligo_max", 3)
    assert response.status_code == 200
    body = response.json()
    assert (body["value"], body["overridden"], body["updated_by"]) == (3, True, "admin1")
    row = SiteParameter.objects.get(key="oligo_max")
    assert (row.value, row.updated_by, row.reason) == (
        3, administrator, "Agreed at the spine MDT, 2026-11.")
    audit = AuditEvent.objects.get(object_type="site_parameter", object_id="oligo_max")
    assert audit.detail["old"] == 5
    assert audit.detail["new"] == 3


def test_null_resets_to_the_default(admin_client):
    put(admin_client, "oligo_max", 3)
    response = put(admin_client, "oligo_max", None)
    assert response.status_code == 200
    assert (response.json()["value"], response.json()["overridden"]) == (5, False)
    assert not SiteParameter.objects.exists()
