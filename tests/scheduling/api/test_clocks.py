"""The pathway clock endpoints (scheduling/api/clocks.py): a case's clocks with their values,
404 for a member of another board (audited), the breaching list for coordinators (paginated,
sorted, validated), and the targets' list and edit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case
from core.models import AuditEvent
from scheduling import services
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import plan_with
from tests.support.audit import audit_entries
from tests.support.queries import count_queries
from tests.support.scheduling import BASE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _targets(db):
    services.clock_targets_seed()


def referred(days_ago: float, board: str = "bone-mets-spine") -> Case:
    case = CaseFactory(requested_board=board)
    Case.objects.filter(pk=case.pk).update(
        submitted_at=timezone.now() - timedelta(days=days_ago, minutes=1))
    case.refresh_from_db()
    return case


def test_a_board_member_reads_the_clocks_of_a_case_of_their_board(spine_client):
    case = referred(30)
    plan_with("radiotherapy", case=case)
    response = spine_client.get(f"{BASE}/cases/{case.public_id}/clocks/")
    assert response.status_code == 200, response.content
    body = response.json()
    clocks = {c["clock"]: c for c in body["clocks"]}
    assert set(clocks) == {"CWT-28", "CWT-31", "CWT-62"}
    assert (clocks["CWT-28"]["state"], clocks["CWT-28"]["days_left"]) == ("breached", -2)
    assert clocks["CWT-28"]["breached"] is True
    assert clocks["CWT-31"]["state"] == "running"      # the plan was decided just now
    assert clocks["CWT-31"]["days_left"] == 30
    assert clocks["CWT-62"]["days_left"] == 31
    assert body["plan"] is not None
    assert body["timezone"] == "Europe/Rome"
    assert isinstance(body["rule_deadlines"], list)
    assert [w["procedure_type"] for w in body["windows"]] == ["radiotherapy"]
    assert AuditEvent.objects.filter(object_type="case", object_id=str(case.public_id),
                                     action="read", outcome="success").exists()


def test_another_boards_member_gets_404_and_the_refusal_is_audited(sarcoma_client):
    case = referred(3)
    response = sarcoma_client.get(f"{BASE}/cases/{case.public_id}/clocks/")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(object_id=str(case.public_id), outcome="denied").exists()


def test_the_breaching_list_is_soonest_first_and_paginated(coordinator_client):
    soon = referred(26)       # CWT-28 due in 2 days
    late = referred(29)       # breached a day ago
    referred(2)               # due in 26 days
    response = coordinator_client.get(f"{BASE}/clocks/?breaching_within=7")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["case"] for r in body["results"]] == [str(late.public_id), str(soon.public_id)]
    assert body["count"] == 2
    first = {c["clock"]: c for c in body["results"][0]["clocks"]}
    assert first["CWT-28"]["state"] == "breached"
    rows = AuditEvent.objects.filter(action="list", object_type="case")
    assert [e.object_id for e in audit_entries(rows)] == [str(late.public_id),
                                                         str(soon.public_id)]


def test_the_breaching_list_costs_the_same_queries_for_more_cases(coordinator_client):
    referred(27)
    url = f"{BASE}/clocks/?breaching_within=7"
    coordinator_client.get(url)  # warm the per-process caches (content types, policy)
    few = count_queries(lambda: coordinator_client.get(url))
    for _ in range(6):
        referred(28)
    assert count_queries(lambda: coordinator_client.get(url)) == few == 4


@pytest.mark.parametrize("value", ["-1", "abc", "367"])
def test_a_bad_look_ahead_is_400_naming_the_field(coordinator_client, value):
    response = coordinator_client.get(f"{BASE}/clocks/?breaching_within={value}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["breaching_within"]


def test_the_breaching_list_is_for_coordinators(spine_client):
    assert spine_client.get(f"{BASE}/clocks/").status_code == 403


def test_everyone_who_reads_bookings_lists_the_targets_and_administrators_edit_them(
        spine_client, admin_client):
    listed = spine_client.get(f"{BASE}/clock-targets/").json()["results"]
    assert [(t["clock"], t["target_days"]) for t in listed] == [
        ("CWT-28", 28), ("CWT-31", 31), ("CWT-62", 62)]
    url = f"{BASE}/clock-targets/referral-to-mdt/"
    assert spine_client.patch(url, {"target_days": 21, "reason": "x"}, format="json",
                              HTTP_IF_MATCH='W/"1"').status_code == 403
    response = admin_client.patch(url, {"target_days": 21, "reason": "Local standard"},
                                  format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200, response.content
    assert (response.json()["target_days"], response["ETag"]) == (21, 'W/"2"')


@pytest.mark.parametrize(("payload", "field"), [
    ({"target_days": 0}, "target_days"),
    ({"alert_lead_days": 31}, "alert_lead_days"),
    ({"target_days": 5, "alert_lead_days": 5}, "alert_lead_days"),
])
def test_a_target_outside_its_range_is_400_naming_the_field(admin_client, payload, field):
    response = admin_client.patch(f"{BASE}/clock-targets/referral-to-mdt/",
                                  {**payload, "reason": "test"}, format="json",
                                  HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_an_unknown_target_is_404(admin_client):
    response = admin_client.patch(f"{BASE}/clock-targets/nope/", {"reason": "x"},
                                  format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 404
