"""GET /api/v1/cases/ — scoped, filtered, paginated, audited, constant query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case
from core.models import AuditEvent
from tests.factories.cases import CaseFactory, LesionFactory
from tests.support.audit import audit_entries
from tests.support.queries import assert_num_queries

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"


@pytest.fixture
def cases(spine_board, sarcoma_board):
    spine = [CaseFactory(requested_board="bone-mets-spine") for _ in range(3)]
    for case in spine:
        LesionFactory(case=case)
    urgent = CaseFactory(requested_board="bone-mets-spine", urgency="urgent",
                         status="ready_for_mdt")
    LesionFactory(case=urgent, neurological_deficit=True)
    sarcoma = CaseFactory(requested_board="sarcoma", primary_histology="osteosarcoma")
    return {"spine": [*spine, urgent], "sarcoma": sarcoma, "urgent": urgent}


def ids(response) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


def test_it_requires_authentication(api_client):
    assert api_client.get(URL).status_code == 401


def test_it_refuses_a_user_without_a_role(plain_client):
    assert plain_client.get(URL).status_code == 403


def test_it_refuses_patch(coordinator_client):
    assert coordinator_client.patch(URL, {}, format="json").status_code == 405


def test_a_coordinator_sees_every_case(coordinator_client, cases):
    response = coordinator_client.get(URL)
    assert response.status_code == 200
    assert response.json()["count"] == 5


def test_a_member_sees_only_their_boards_cases(sarcoma_member_client, cases):
    response = sarcoma_member_client.get(URL)
    assert ids(response) == {str(cases["sarcoma"].public_id)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=ready_for_mdt", {"urgent"}),
        ("?urgency=urgent,emergency", {"urgent"}),
        ("?board=sarcoma", {"sarcoma"}),
        ("?status=submitted&board=sarcoma", {"sarcoma"}),
    ],
)
def test_filters(coordinator_client, cases, query, expected):
    response = coordinator_client.get(URL + query)
    assert ids(response) == {str(cases[name].public_id) for name in expected}


def test_the_submitted_date_range_filter(coordinator_client, cases):
    old = cases["sarcoma"]
    Case.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=40))
    today = timezone.now().date()
    recent = coordinator_client.get(URL + f"?submitted_from={today - timedelta(days=1)}")
    assert str(old.public_id) not in ids(recent)
    assert len(ids(recent)) == 4
    older = coordinator_client.get(URL + f"?submitted_to={today - timedelta(days=30)}")
    assert ids(older) == {str(old.public_id)}


@pytest.mark.parametrize(
    ("query", "field"),
    [("?status=archived", "status[0]"), ("?submitted_from=yesterday", "submitted_from"),
     ("?submitted_from=2026-02-02&submitted_to=2026-01-01", "submitted_to")],
)
def test_bad_filters_are_400_naming_the_parameter(coordinator_client, query, field):
    response = coordinator_client.get(URL + query)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_rows_carry_the_emergency_flag_and_lesion_count(coordinator_client, cases):
    rows = {row["id"]: row for row in coordinator_client.get(URL).json()["results"]}
    urgent = rows[str(cases["urgent"].public_id)]
    assert urgent["emergency"] is True
    assert urgent["lesion_count"] == 1
    assert "identifiers" not in urgent


def test_it_paginates(coordinator_client, cases):
    body = coordinator_client.get(URL + "?page_size=2").json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"]


def test_every_listed_case_is_audited(coordinator_client, cases):
    coordinator_client.get(URL)
    rows = AuditEvent.objects.filter(action="list", object_type="case")
    assert rows.count() == 1
    assert sorted(e.object_id for e in audit_entries(rows)) == sorted(
        str(case.public_id) for case in [*cases["spine"], cases["sarcoma"]])


def test_the_query_count_does_not_grow_with_the_page(coordinator_client, cases):
    coordinator_client.get(URL)  # warm the principal's cached groups and board roles
    # count, page, lesions prefetch, site parameters, one audit INSERT for the whole page
    with assert_num_queries(5):
        coordinator_client.get(URL)
    for _ in range(10):
        LesionFactory(case=CaseFactory(requested_board="bone-mets-spine"))
    with assert_num_queries(5):
        coordinator_client.get(URL)
