"""One audit row per list, naming every patient it disclosed (issue 15, item 8).

A page of 25 cases used to write 25 rows; it now writes one whose ``entities`` name each case
and pseudonym in the order shown, and the trail still answers "who saw this patient" and "who
saw this case" through the same filters, on both databases (on PostgreSQL through a GIN index).
The hash chain covers the entities, and rows written before the column existed keep their hash.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from rest_framework.test import APIClient

from core.auditchain import audit_chain_seal, audit_chain_verify, audit_row_canonical
from core.models import AuditEvent
from tests.factories.cases import CaseFactory

CASES = "/api/v1/cases/"
TRAIL = "/api/v1/audit-events/"


@pytest.fixture
def listed(coordinator_client):
    """Five cases listed once by the coordinator; one more case never listed."""
    cases = [CaseFactory() for _ in range(5)]
    unseen = CaseFactory.build()  # never saved: nobody can have listed it
    response = coordinator_client.get(CASES)
    assert response.status_code == 200
    return cases, unseen, [row["id"] for row in response.json()["results"]]


def _trail(administrator, **filters) -> list[dict]:
    client = APIClient()
    client.force_authenticate(administrator)
    response = client.get(TRAIL, {"action": "list", **filters})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_list_writes_one_row_naming_every_case_in_the_order_shown(listed, coordinator):
    cases, _unseen, shown = listed
    [row] = AuditEvent.objects.filter(action="list", object_type="case")
    assert (row.actor_id, row.object_id, row.patient_pseudonym) == (str(coordinator.pk), "", "")
    by_id = {str(case.public_id): str(case.patient.public_id) for case in cases}
    assert row.entities == [[case_id, by_id[case_id]] for case_id in shown]


def test_the_trail_finds_the_list_row_by_patient_and_by_case(listed, administrator):
    cases, unseen, _shown = listed
    third = cases[2]
    by_patient = _trail(administrator, patient=str(third.patient.public_id))
    by_case = _trail(administrator, object_id=str(third.public_id))
    assert len(by_patient) == len(by_case) == 1
    assert by_patient == by_case
    assert {"object_id": str(third.public_id),
            "patient_pseudonym": str(third.patient.public_id)} in by_patient[0]["entities"]
    assert len(by_patient[0]["entities"]) == 5
    assert _trail(administrator, patient=str(unseen.patient.public_id)) == []
    # A fragment of a pseudonym is not a pseudonym.
    assert _trail(administrator, patient=str(third.patient.public_id)[:8]) == []


def test_a_single_read_still_names_its_object_in_its_own_columns(coordinator_client,
                                                                 administrator):
    case = CaseFactory()
    assert coordinator_client.get(f"{CASES}{case.public_id}/").status_code == 200
    client = APIClient()
    client.force_authenticate(administrator)
    rows = client.get(TRAIL, {"patient": str(case.patient.public_id), "action": "read",
                              "object_type": "case"}).json()["results"]
    assert [(r["object_id"], r["entities"]) for r in rows] == [(str(case.public_id), [])]


def test_the_chain_seals_and_verifies_list_rows_and_covers_their_entities(listed):
    row = AuditEvent.objects.get(action="list", object_type="case")
    assert audit_chain_seal(grace_seconds=0).appended >= 1
    report = audit_chain_verify()
    assert (report.breaks, report.links) == ([], AuditEvent.objects.count())
    changed = AuditEvent(**{f.attname: getattr(row, f.attname) for f in AuditEvent._meta.fields})
    changed.entities = row.entities[:-1]  # one patient fewer: a different hash
    assert audit_row_canonical(changed) != audit_row_canonical(row)
    # A row without entities hashes exactly as before the column existed.
    changed.entities = None
    assert json.loads(audit_row_canonical(changed))[-1] == row.detail


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_the_patient_filter_uses_the_entities_index_on_postgresql(listed):
    from core.selectors import audit_event_list

    cases, _unseen, _shown = listed
    query = audit_event_list(filters={"patient": str(cases[0].patient.public_id)})
    with connection.cursor() as cursor:
        # Once autovacuum has analysed the table (when depends on what ran before in this test
        # database), a few rows make a full scan of the ``at`` index with a filter the cheaper
        # plan. With plain index scans off too, only bitmap scans are left: the GIN one must
        # answer the entities half of the filter.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = query.explain()
    assert "audit_entities_gin" in plan
