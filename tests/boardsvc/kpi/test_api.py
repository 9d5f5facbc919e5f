"""The KPI endpoints: figures on the month of known answers, 400s naming field and rule,
who may call them, the audit row, and a query count that does not grow with the cases."""

from __future__ import annotations

import pytest
from django.urls import reverse

from boardsvc.models import BoardMember
from boardsvc.services import board_member_add
from core.models import AuditEvent
from tests.factories.boardsvc import AgendaItemFactory, make_case
from tests.factories.core import UserFactory
from tests.support.queries import count_queries

from .conftest import PERIOD

pytestmark = pytest.mark.django_db

SECTIONS = ("activity", "waits", "utilisation", "attendance", "violations")


def url(board, section):
    return reverse(f"boardsvc_api:board-kpi-{section}", kwargs={"public_id": board.public_id})


def get(client, board, section, params=None):
    return client.get(url(board, section), PERIOD if params is None else params)


def test_activity_figures(kpi_world, coordinator, client_for, at_now):
    response = get(client_for(coordinator), kpi_world.board, "activity")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"], body["section"]) == ("2026-03-01", "2026-03-31",
                                                           "activity")
    assert body["figures"]["referred"] == 4
    assert body["figures"]["discussed"] == 3
    assert body["figures"]["standard_of_care"] == 1
    assert body["figures"]["deferred"] == 1
    assert body["figures"]["rolled_forward"] == 1


def test_waits_figures(kpi_world, coordinator, client_for, at_now):
    figures = get(client_for(coordinator), kpi_world.board, "waits").json()["figures"]
    assert figures["referral_to_mdt"] | {"target_source": ""} == {
        "target_days": 28, "target_source": "", "cohort": 3, "measured": 3,
        "median_days": 19.0, "p90_days": 58.2, "breaches": 1, "within_target": 2}
    assert (figures["mdt_to_treatment"]["median_days"],
            figures["mdt_to_treatment"]["p90_days"],
            figures["mdt_to_treatment"]["breaches"]) == (23.5, 34.3, 2)
    assert (figures["decision_to_treatment"]["target_days"],
            figures["decision_to_treatment"]["breaches"]) == (31, 2)
    assert (figures["referral_to_treatment"]["target_days"],
            figures["referral_to_treatment"]["median_days"],
            figures["referral_to_treatment"]["breaches"]) == (62, 37.1, 1)


def test_utilisation_attendance_violations(kpi_world, coordinator, client_for, at_now):
    client = client_for(coordinator)
    rooms = {r["code"]: r for r in
             get(client, kpi_world.board, "utilisation").json()["figures"]["resources"]}
    assert rooms["kpi-room-a"] == {"code": "kpi-room-a", "name": "Room A", "kind": "angio_suite",
                                   "open_minutes": 16380, "booked_minutes": 150, "percent": 0.9}
    attendance = get(client, kpi_world.board, "attendance").json()["figures"]
    assert (attendance["meetings_held"], attendance["decisions_quorum_met"]) == (2, 2)
    radiologist = next(s for s in attendance["specialties"] if s["specialty"] == "radiologist")
    assert radiologist == {"specialty": "radiologist", "required_for_quorum": True,
                           "meetings_attended": 2, "people": 2, "percent": 100.0}
    rules = get(client, kpi_world.board, "violations").json()["figures"]["rules"]
    assert [(r["rule_id"], r["total"]) for r in rules] == [("R1", 2), ("R4", 1)]


@pytest.mark.parametrize(("params", "field", "rule"), [
    ({"to": "2026-03-31"}, "from", "required"),
    ({"from": "2026-03-01"}, "to", "required"),
    ({"from": "01/03/2026", "to": "2026-03-31"}, "from", "invalid"),
    ({"from": "2026-03-31", "to": "2026-03-01"}, "to", "order"),
    ({"from": "2025-01-01", "to": "2026-03-31"}, "to", "max_range"),
])
def test_bad_period_is_400_naming_field_and_rule(kpi_world, coordinator, client_for, params,
                                                 field, rule):
    response = get(client_for(coordinator), kpi_world.board, "waits", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]]


@pytest.mark.parametrize("section", SECTIONS)
def test_who_may_read(kpi_world, team, client_for, coordinator, administrator, section, at_now):
    board = kpi_world.board
    lead = UserFactory(username="kpi.lead")
    board_member_add(board=board, user=lead, specialty="radiologist",
                     role=BoardMember.Role.COORDINATOR)
    for user in (coordinator, administrator, team["chair"], lead):
        assert get(client_for(user), board, section).status_code == 200, user.username
    # A plain member of the board: 403, audited.
    assert get(client_for(team["rad"]), board, section).status_code == 403
    assert AuditEvent.objects.filter(actor_id=str(team["rad"].pk),
                                     outcome=AuditEvent.Outcome.DENIED).exists()
    # The chair of another board: this board is not visible to them (404); a plain member
    # of another board has no KPI role at all (403).
    other_chair = UserFactory(username="kpi.other.chair")
    board_member_add(board=kpi_world.other_board, user=other_chair, specialty="radiologist",
                     role=BoardMember.Role.CHAIR)
    assert get(client_for(other_chair), board, section).status_code == 404
    from django.contrib.auth import get_user_model

    outsider = get_user_model().objects.get(username="outsider")
    assert get(client_for(outsider), board, section).status_code == 403
    # Anonymous: 401/403.
    from rest_framework.test import APIClient

    assert get(APIClient(), board, section).status_code in (401, 403)


def test_each_read_is_one_list_audit_row_without_patient_data(kpi_world, coordinator,
                                                             client_for, at_now):
    before = AuditEvent.objects.count()
    get(client_for(coordinator), kpi_world.board, "waits")
    rows = list(AuditEvent.objects.order_by("pk")[before:])
    assert len(rows) == 1
    assert (rows[0].action, rows[0].object_type, rows[0].object_id, rows[0].patient_pseudonym) \
        == ("list", "kpi_waits", str(kpi_world.board.public_id), "")
    assert rows[0].detail == {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.mark.parametrize("section", SECTIONS)
def test_query_count_does_not_grow_with_cases(kpi_world, coordinator, client_for, section,
                                             at_now):
    client = client_for(coordinator)
    client.get(url(kpi_world.board, section), PERIOD)  # warm the principal's caches
    first = count_queries(lambda: get(client, kpi_world.board, section))
    for n in range(5):
        case = make_case(status="listed", requested_board=kpi_world.board.slug)
        AgendaItemFactory(meeting=kpi_world.meetings["m2"], case=case,
                          outcome="discussed" if n % 2 else "deferred")
    second = count_queries(lambda: get(client, kpi_world.board, section))
    assert first == second
