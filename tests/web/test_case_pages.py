"""The intake form (service validation, errors beside the fields) and the case page."""

from __future__ import annotations

import pytest

from cases.models import Case
from core.models import AuditEvent
from tests.support.cases import intake_form
from tests.support.web import login

pytestmark = pytest.mark.django_db


def test_the_form_renders_for_a_coordinator(coordinator):
    response = login(coordinator).get("/cases/new/")
    assert response.status_code == 200
    assert b'name="lesions-0-site"' in response.content


def test_a_valid_submission_creates_the_case_and_shows_its_page(coordinator, world):
    response = login(coordinator).post("/cases/new/", intake_form())
    assert response.status_code == 302
    case = Case.objects.get(referring_clinician="Dr Web Form", primary_histology="renal_cell")
    assert response["Location"] == f"/cases/{case.public_id}/"
    page = login(coordinator).get(response["Location"])
    assert page.status_code == 200
    assert b"MRN-WEB-1" not in page.content  # identifiers never shown


def test_a_service_rule_is_shown_next_to_its_lesion_field(coordinator, world):
    # A vertebral lesion without its level breaks a cases.services rule (not a form rule).
    response = login(coordinator).post("/cases/new/",
                                       intake_form(**{"lesions-0-vertebral_level": ""}))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_lesions-0-vertebral_level-errors"' in body
    assert "vertebral level" in body
    assert not Case.objects.filter(referring_clinician="Dr Web Form").exists()


def test_a_range_error_is_shown_next_to_the_case_field(coordinator, world):
    response = login(coordinator).post("/cases/new/", intake_form(**{"case-ecog": "7"}))
    assert response.status_code == 400
    assert 'id="id_case-ecog-errors"' in response.content.decode()
    assert not Case.objects.filter(referring_clinician="Dr Web Form").exists()


def test_add_lesion_keeps_what_was_typed(coordinator):
    response = login(coordinator).post("/cases/new/", intake_form(add_lesion="1"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="lesions-1-site"' in body
    assert 'value="Dr Web Form"' in body


def test_members_cannot_submit(world):
    assert login(world.member_a).post("/cases/new/", intake_form()).status_code == 403


def test_the_case_page_shows_decision_support_with_rule_ids(world):
    response = login(world.member_a).get(f"/cases/{world.case_a.public_id}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Renal cell carcinoma" in body
    assert 'class="badge rule"' in body
    assert AuditEvent.objects.filter(object_type="case", action="read",
                                     object_id=str(world.case_a.public_id)).exists()


def test_another_boards_member_is_denied_and_audited(world):
    response = login(world.member_b).get(f"/cases/{world.case_a.public_id}/")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(outcome="denied",
                                     object_id=str(world.case_a.public_id)).exists()


def test_a_coordinator_moves_the_case_with_its_version(world, coordinator):
    case = world.case_a
    client = login(coordinator)
    ok = client.post(f"/cases/{case.public_id}/", {"to": "ready_for_mdt", "version": case.version})
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.status == "ready_for_mdt"
    stale = client.post(f"/cases/{case.public_id}/", {"to": "listed", "version": 1}, follow=True)
    assert "changed by someone else" in stale.content.decode()


def test_the_case_list_is_paginated_and_filtered(world, coordinator):
    body = login(coordinator).get("/cases/?urgency=emergency").content.decode()
    assert "No cases match." in body
