"""The case page's imaging and documents panels: viewer links and reports, the coordinator's
add and upload forms (refusals next to the field), downloads scoped and audited."""

from __future__ import annotations

import pytest

from cases.models import CaseDocument, ImagingStudy
from cases.services import document_upload
from tests.support.attachments import audit_rows, pdf_bytes, study_for, upload
from tests.support.web import login

pytestmark = pytest.mark.django_db


def _page(case) -> str:
    return f"/cases/{case.public_id}/"


def _form(**overrides):
    data = {"imaging-modality": "CT", "imaging-study_date": "2026-09-01",
            "imaging-accession_number": "ACC-WEB", "imaging-study_instance_uid": "1.2.3.4.5",
            "imaging-description": "CT staging"}
    data.update(overrides)
    return data


def test_the_imaging_panel_links_each_study_to_the_viewer(world, settings):
    settings.BOARDSVC_PACS_VIEWER_URL = "https://pacs.example/v?study={study_uid}"
    study_for(world.case_a, study_instance_uid="1.2.3.9", report="Lytic lesion at T12.")
    html = login(world.member_a).get(_page(world.case_a)).content.decode()
    assert 'href="https://pacs.example/v?study=1.2.3.9"' in html
    assert "Lytic lesion at T12." in html


def test_without_a_viewer_the_study_is_listed_without_a_link(world, settings):
    settings.BOARDSVC_PACS_VIEWER_URL = ""
    study_for(world.case_a, description="MRI whole spine")
    html = login(world.member_a).get(_page(world.case_a)).content.decode()
    assert "MRI whole spine" in html
    assert "Open in PACS viewer" not in html


def test_a_member_sees_no_add_form(world):
    html = login(world.member_a).get(_page(world.case_a)).content.decode()
    assert "Add an imaging study" not in html
    assert "Upload a PDF document" not in html


def test_a_coordinator_adds_a_study_from_the_page(world, coordinator):
    response = login(coordinator).post(f"{_page(world.case_a)}imaging/", _form())
    assert response.status_code == 302
    assert ImagingStudy.objects.get(case=world.case_a).accession_number == "ACC-WEB"


def test_a_refused_study_is_shown_next_to_its_field(world, coordinator):
    response = login(coordinator).post(f"{_page(world.case_a)}imaging/",
                                       _form(**{"imaging-study_instance_uid": "1.02.x"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_imaging-study_instance_uid-errors"' in html
    assert "dot-separated" in html
    assert not ImagingStudy.objects.exists()


def test_a_member_may_not_add_a_study(world):
    response = login(world.member_a).post(f"{_page(world.case_a)}imaging/", _form())
    assert response.status_code == 403


def test_a_coordinator_removes_a_study(world, coordinator):
    study = study_for(world.case_a)
    response = login(coordinator).post(f"{_page(world.case_a)}imaging/{study.public_id}/remove/")
    assert response.status_code == 302
    assert not ImagingStudy.objects.exists()


def test_a_coordinator_uploads_a_pdf_from_the_page(world, coordinator):
    response = login(coordinator).post(f"{_page(world.case_a)}documents/", {
        "document-file": upload(), "document-kind": "radiology_report",
        "document-title": "CT report"})
    assert response.status_code == 302
    assert CaseDocument.objects.get(case=world.case_a).title == "CT report"


def test_a_page_upload_that_is_not_a_pdf_is_refused_on_the_file_field(world, coordinator):
    response = login(coordinator).post(f"{_page(world.case_a)}documents/", {
        "document-file": upload(b"GIF89a", name="x.pdf"), "document-kind": "other"})
    assert response.status_code == 400
    assert "does not start like a PDF" in response.content.decode()
    assert not CaseDocument.objects.exists()


def test_a_download_from_the_page_is_audited(world):
    document = document_upload(principal=None, case=world.case_a,
                               file=upload(pdf_bytes()), kind="other", title="Letter")
    response = login(world.member_a).get(f"{_page(world.case_a)}documents/{document.public_id}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(audit_rows("read", "case_document", outcome="success")) == 1


def test_another_boards_member_cannot_download(world):
    document = document_upload(principal=None, case=world.case_a, file=upload(), kind="other")
    response = login(world.member_b).get(f"{_page(world.case_a)}documents/{document.public_id}/")
    assert response.status_code == 404
    assert audit_rows("read", "case_document", outcome="success") == []
