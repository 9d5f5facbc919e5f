"""Ready means ready (issue 11, item 10): a case becomes ready for MDT only with its readiness
met (409 listing every missing item), an edit that reopens a requirement takes it back, and
intake refuses contradictory data in one round with every error at once."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseStatusChange
from core.models import OutboxMessage
from tests.factories.cases import CaseFactory, LesionFactory, submission_payload

pytestmark = pytest.mark.django_db


def transition(client, case, to="ready_for_mdt"):
    return client.post(f"/api/v1/cases/{case.public_id}/transition/", {"to": to}, format="json")


def test_an_incomplete_case_is_not_ready_409_lists_what_is_missing(coordinator_client,
                                                                    spine_board):
    case = CaseFactory(requested_board="bone-mets-spine", imaging_available=False)
    LesionFactory(case=case, position=0)
    LesionFactory(case=case, position=1, sins_pain="", sins_collapse="")
    response = transition(coordinator_client, case)
    assert response.status_code == 409
    body = response.json()
    assert [m["code"] for m in body["missing"]] == ["imaging_not_available", "sins_incomplete"]
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [
        ("to", "imaging_not_available"), ("lesions[1]", "sins_incomplete")]
    assert "sins_pain" in body["errors"][1]["message"]
    assert body["current"] == "submitted"
    case.refresh_from_db()
    assert (case.status, case.version) == ("submitted", 1)
    assert not CaseStatusChange.objects.filter(case=case).exists()
    assert not OutboxMessage.objects.filter(task_name="boardsvc.tasks.agenda_place_case").exists()


def test_once_complete_the_same_move_succeeds(coordinator_client, spine_board):
    case = CaseFactory(requested_board="bone-mets-spine")
    LesionFactory(case=case)
    assert transition(coordinator_client, case).status_code == 200


def test_an_edit_that_reopens_a_requirement_takes_a_ready_case_back(coordinator_client,
                                                                     spine_board):
    case = CaseFactory(requested_board="bone-mets-spine")
    LesionFactory(case=case)
    assert transition(coordinator_client, case).status_code == 200
    response = coordinator_client.patch(f"/api/v1/cases/{case.public_id}/",
                                        {"imaging_available": False}, format="json",
                                        HTTP_IF_MATCH='W/"2"')
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"
    change = CaseStatusChange.objects.filter(case=case).order_by("-at", "-id").first()
    assert (change.from_status, change.to_status) == ("ready_for_mdt", "submitted")
    assert "imaging_not_available" in change.reason


def test_inconsistent_intake_is_one_400_with_every_error(coordinator_client, spine_board):
    payload = submission_payload(ecog=9)
    payload["lesions"][0]["mirels_pain"] = "mild"  # Mirels on a spinal lesion
    payload["lesions"][1].update(vertebral_level="T12", vascularity="hyper",  # a femur
                                 max_diameter_mm=0)
    response = coordinator_client.post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 400
    errors = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert errors == {
        ("ecog", "max_value"),
        ("lesions[0].mirels_pain", "mirels_long_bone_only"),
        ("lesions[1].max_diameter_mm", "min_value"),
        ("lesions[1].vertebral_level", "level_needs_spine"),
        ("lesions[1].vascularity_method", "required_with_vascularity"),
    }
    assert not Case.objects.exists()


def test_contradictions_alone_are_reported_together_too(coordinator_client, spine_board):
    payload = submission_payload()
    payload["lesions"][1].update(vertebral_level="L4", vascularity="hyper",
                                 sins_pain="mechanical")
    response = coordinator_client.post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("lesions[1].vertebral_level", "level_needs_spine"),
        ("lesions[1].vascularity_method", "required_with_vascularity"),
        ("lesions[1].sins_pain", "sins_spine_only"),
    ]


def test_a_patch_is_checked_against_the_merged_lesion(coordinator_client, spine_board):
    created = coordinator_client.post("/api/v1/cases/", submission_payload(),
                                      format="json").json()
    femur = created["lesions"][1]["id"]
    response = coordinator_client.patch(
        f"/api/v1/cases/{created['id']}/", {"lesions": [{"id": femur, "vertebral_level": "L1",
                                                         "vascularity": "hyper"}]},
        format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400
    assert {(e["field"], e["rule"]) for e in response.json()["errors"]} == {
        ("lesions[0].vertebral_level", "level_needs_spine"),
        ("lesions[0].vascularity_method", "required_with_vascularity"),
    }
