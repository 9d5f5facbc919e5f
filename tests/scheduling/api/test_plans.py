"""GET /plans/{id}/validation/ and POST /plans/{id}/proposals/ (CP-SAT)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from scheduling import services
from scheduling.models import Booking
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import at, plan_with
from tests.support.scheduling import BASE, PREOP

pytestmark = pytest.mark.django_db


def spine_plan(*procedures):
    return plan_with(*procedures, case=CaseFactory(requested_board="bone-mets-spine"))


def validation_url(plan):
    return f"{BASE}/plans/{plan.public_id}/validation/"


def proposals_url(plan):
    return f"{BASE}/plans/{plan.public_id}/proposals/"


def test_validation_needs_authentication(api_client):
    plan, _ = spine_plan("embolization")
    assert api_client.get(validation_url(plan)).status_code == 401


def test_validation_is_forbidden_without_a_role_and_404_for_other_boards(plain_client,
                                                                         sarcoma_client):
    plan, _ = spine_plan("embolization")
    assert plain_client.get(validation_url(plan)).status_code == 403
    assert sarcoma_client.get(validation_url(plan)).status_code == 404
    assert sarcoma_client.get(f"{BASE}/plans/{uuid.uuid4()}/validation/").status_code == 404


def test_validation_is_read_only(coordinator_client):
    plan, _ = spine_plan("embolization")
    assert coordinator_client.post(validation_url(plan), {}, format="json").status_code == 405


def test_validation_reports_violations_and_windows(spine_client, rooms):
    plan, (emb, surgery, ablation) = spine_plan(PREOP, "surgery", "rfa")
    services.booking_create(procedure=emb, resource=rooms["angio"], start=at(0, 8),
                            principal=None)
    services.booking_create(procedure=surgery, resource=rooms["or1"], start=at(2, 15),
                            principal=None)
    body = spine_client.get(validation_url(plan)).json()
    assert body["valid"] is True  # soft only
    assert [v["rule"] for v in body["violations"]] == ["R1"]
    assert [v["status"] for v in body["stored_violations"]] == ["open"]
    [window] = body["windows"]
    assert window["procedure"] == str(ablation.public_id)
    assert "R3-ablation-after-embolization" in window["rules"]
    assert window["preferred"][0]["latest"] <= window["hard"][0]["latest"]


def test_proposals_are_for_coordinators_only(api_client, spine_client):
    plan, _ = spine_plan("embolization")
    assert api_client.post(proposals_url(plan), {}, format="json").status_code == 401
    assert spine_client.post(proposals_url(plan), {}, format="json").status_code == 403


def test_proposals_validate_the_payload_and_the_plan(coordinator_client):
    plan, _ = spine_plan("embolization")
    response = coordinator_client.post(proposals_url(plan), {"horizon_days": 0}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "horizon_days"
    assert coordinator_client.post(f"{BASE}/plans/{uuid.uuid4()}/proposals/", {},
                                   format="json").status_code == 404
    assert coordinator_client.get(proposals_url(plan)).status_code == 405
    # More than 5 s of solving does not belong in a request: that is a solver run.
    slow = coordinator_client.post(proposals_url(plan), {"time_limit_seconds": 20},
                                   format="json")
    assert slow.status_code == 400
    assert slow.json()["errors"][0]["field"] == "time_limit_seconds"


def test_a_proposal_keeps_the_hard_rules_and_can_be_applied(coordinator_client, rooms):
    plan, (emb, surgery) = spine_plan(PREOP, "surgery")
    response = coordinator_client.post(proposals_url(plan), {"horizon_days": 14}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] in {"optimal", "feasible"}
    by = {b["procedure"]: b for b in body["bookings"]}
    assert by[str(emb.public_id)]["end"] <= by[str(surgery.public_id)]["start"]
    applied = coordinator_client.post(proposals_url(plan), {"horizon_days": 14, "apply": True},
                                      format="json")
    assert applied.status_code == 201
    assert len(applied.json()["applied"]) == 2
    assert set(Booking.objects.filter(plan=plan).values_list("status", flat=True)) == {"proposed"}
    starts = sorted(Booking.objects.filter(plan=plan).values_list("start", flat=True))
    assert starts[0] >= timezone.now() - timedelta(minutes=1)
