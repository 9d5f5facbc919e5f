"""Round trips of the case endpoints (issue 15, item 9).

Measured at hospital scale, a case detail spent half its time in round trips (the case, then
its lesions, then the site's parameters on every request) and a submission grew by queries per
lesion (``full_clean`` checking each fresh public id). The case, its patient, its lesions and
the site's threshold overrides are now one query, and a submission costs the same whatever
its number of lesions; a threshold changed by an administrator still applies at once.
"""

from __future__ import annotations

import copy

import pytest
from rest_framework.test import APIClient

from tests.factories.cases import CaseFactory, LesionFactory, submission_payload
from tests.support.queries import assert_num_queries, capture_queries

pytestmark = pytest.mark.django_db
CASES = "/api/v1/cases/"


def _extent(client: APIClient, case) -> dict:
    body = client.get(f"{CASES}{case.public_id}/").json()
    [finding] = [f for f in body["decision_support"]["case"] if f["rule_id"] == "DS-EXTENT"]
    return finding["result"]


def test_a_case_detail_reads_case_lesions_and_thresholds_in_one_query(coordinator_client):
    case = CaseFactory(requested_board="bone-mets-spine")
    for _ in range(3):
        LesionFactory(case=case)
    url = f"{CASES}{case.public_id}/"
    coordinator_client.get(url)  # warm the principal's cached groups and board roles
    # the case with patient, lesions and site overrides; the read's audit row; the hospital
    # number (identification) and its audit row
    with assert_num_queries(4) as captured:
        response = coordinator_client.get(url)
    assert response.status_code == 200
    assert len(response.json()["lesions"]) == 3
    assert not any('FROM "cases_siteparameter"' in sql.split("AS", 1)[0]
                   for sql in captured.sql), "site parameters read on their own"


def test_a_case_without_lesions_is_still_found(coordinator_client):
    case = CaseFactory(requested_board="bone-mets-spine")  # e.g. its last lesion removed
    response = coordinator_client.get(f"{CASES}{case.public_id}/")
    assert response.status_code == 200
    assert response.json()["lesions"] == []


def test_a_threshold_changed_by_an_administrator_applies_to_the_next_read(coordinator_client,
                                                                         admin_client):
    case = CaseFactory(requested_board="bone-mets-spine", metastases_count=4)
    LesionFactory(case=case)
    assert _extent(coordinator_client, case)["oligometastatic"] is True  # default: up to 5
    changed = admin_client.put("/api/v1/site-parameters/oligo_max/",
                               {"value": 3, "reason": "Local protocol, 2026-12."}, format="json")
    assert changed.status_code == 200
    assert _extent(coordinator_client, case)["oligometastatic"] is False


def test_a_submission_costs_the_same_queries_for_one_lesion_or_six(coordinator_client):
    def submit(lesions: int) -> int:
        payload = submission_payload()
        payload["lesions"] = [copy.deepcopy(payload["lesions"][0]) for _ in range(lesions)]
        with capture_queries() as captured:
            response = coordinator_client.post(CASES, payload, format="json")
        assert response.status_code == 201, response.content
        assert len(response.json()["lesions"]) == lesions
        return len(captured)

    submit(1)  # warm the principal's caches
    assert submit(6) == submit(1)
