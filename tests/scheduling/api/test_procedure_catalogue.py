"""/api/v1/procedure-catalogue/ (scheduling/api/procedure_catalogue.py): listed by every reader,
edited by administrators (If-Match)."""

from __future__ import annotations

import pytest

from tests.support.scheduling import BASE

pytestmark = pytest.mark.django_db

CATALOGUE = f"{BASE}/procedure-catalogue/"


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
