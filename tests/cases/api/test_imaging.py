"""GET and POST /api/v1/cases/<id>/imaging-studies/: scoped, audited, validated."""

from __future__ import annotations

import pytest

from cases.models import ImagingStudy
from tests.support.attachments import audit_rows, study_for
from tests.support.audit import audit_entries
from tests.support.queries import assert_num_queries

pytestmark = pytest.mark.django_db


def _url(case) -> str:
    return f"/api/v1/cases/{case.public_id}/imaging-studies/"


def _body(**overrides):
    body = {"modality": "MR", "study_date": "2026-10-01", "accession_number": "ACC-9",
            "study_instance_uid": "1.2.826.0.1.3680043.2.1125", "description": "MRI spine"}
    body.update(overrides)
    return body


def _fields(response) -> set[tuple[str, str]]:
    return {(e["field"], e["rule"]) for e in response.json()["errors"]}


def test_a_member_of_the_board_lists_the_studies_with_their_viewer_link(
        case, spine_member_client, settings):
    settings.BOARDSVC_PACS_VIEWER_URL = "https://pacs.example/viewer?acc={accession}"
    study_for(case, accession_number="ACC 1")
    response = spine_member_client.get(_url(case))
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["viewer_url"] == "https://pacs.example/viewer?acc=ACC%201"


def test_the_list_writes_one_audit_row_per_study_shown(case, spine_member_client):
    first, second = study_for(case), study_for(case, accession_number="ACC-2")
    spine_member_client.get(_url(case))
    rows = audit_entries(audit_rows("list", "imaging_study"))
    assert {r.object_id for r in rows} == {str(first.public_id), str(second.public_id)}
    assert {r.patient_pseudonym for r in rows} == {str(case.patient.public_id)}


def test_the_list_runs_a_fixed_number_of_queries(case, coordinator_client):
    study_for(case, accession_number="ACC-first")
    coordinator_client.get(_url(case))  # warm the principal's caches
    # the case with its lesions, count, page (case and lesion joined), one audit row
    with assert_num_queries(4):
        coordinator_client.get(_url(case))
    for n in range(3):
        study_for(case, accession_number=f"ACC-{n}")
    with assert_num_queries(4):
        coordinator_client.get(_url(case))


def test_another_boards_member_gets_404_and_an_audited_refusal(case, sarcoma_member_client):
    study_for(case)
    response = sarcoma_member_client.get(_url(case))
    assert response.status_code == 404
    [row] = audit_rows("list", "case", outcome="denied")
    assert row.patient_pseudonym == str(case.patient.public_id)


def test_a_coordinator_adds_a_study(case, coordinator_client):
    response = coordinator_client.post(_url(case), _body(), format="json")
    assert response.status_code == 201
    assert ImagingStudy.objects.get(case=case).study_instance_uid == _body()["study_instance_uid"]


def test_a_member_may_not_add_a_study(case, spine_member_client):
    response = spine_member_client.post(_url(case), _body(), format="json")
    assert response.status_code == 403
    assert not ImagingStudy.objects.exists()


def test_a_bad_uid_is_400_naming_the_field_and_rule(case, coordinator_client):
    response = coordinator_client.post(_url(case), _body(study_instance_uid="1..2"),
                                       format="json")
    assert response.status_code == 400
    assert ("study_instance_uid", "dicom_uid") in _fields(response)


def test_an_absurd_date_is_400_naming_the_field(case, coordinator_client):
    response = coordinator_client.post(_url(case), _body(study_date="0001-01-01"),
                                       format="json")
    assert response.status_code == 400
    assert "study_date" in {field for field, _ in _fields(response)}


def test_an_unknown_modality_is_400_naming_the_field(case, coordinator_client):
    response = coordinator_client.post(_url(case), _body(modality="ZZ"), format="json")
    assert response.status_code == 400
    assert "modality" in {field for field, _ in _fields(response)}


def test_a_client_with_cases_read_lists_and_without_it_is_refused(case, oauth_client_factory):
    study_for(case)
    assert oauth_client_factory("cases:read").get(_url(case)).status_code == 200
    assert oauth_client_factory("agenda:read", name="other").get(_url(case)).status_code == 403


def test_an_unknown_case_is_404(coordinator_client):
    response = coordinator_client.get(
        "/api/v1/cases/00000000-0000-4000-8000-000000000000/imaging-studies/")
    assert response.status_code == 404
