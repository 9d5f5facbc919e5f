"""/api/v1/cases/<id>/documents/ (list, multipart upload), /api/v1/case-documents/<id>/content:
hostile uploads refused naming the field, downloads scoped like the case and audited per read."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from boardsvc.models import BoardMember
from cases.models import CaseDocument
from cases.services import document_upload
from tests.factories.core import UserFactory
from tests.support.attachments import audit_rows, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def _url(case) -> str:
    return f"/api/v1/cases/{case.public_id}/documents/"


def _content_url(document) -> str:
    return f"/api/v1/case-documents/{document.public_id}/content"


@pytest.fixture
def document(case):
    return document_upload(principal=None, case=case, file=upload(pdf_bytes("MRI report")),
                           kind="radiology_report", title="MRI report")


def _errors(response) -> set[tuple[str, str]]:
    return {(e["field"], e["rule"]) for e in response.json()["errors"]}


def test_a_coordinator_uploads_a_pdf(case, coordinator_client):
    response = coordinator_client.post(_url(case), {"file": upload(), "kind": "clinic_letter",
                                                    "title": "Clinic letter"},
                                       format="multipart")
    assert response.status_code == 201
    assert response.json()["content_url"].endswith("/content")
    assert CaseDocument.objects.get(case=case).title == "Clinic letter"


def test_a_file_that_is_not_a_pdf_is_400_naming_the_file(case, coordinator_client):
    fake = upload(b"MZ\x90\x00 not a pdf", name="report.pdf")
    response = coordinator_client.post(_url(case), {"file": fake, "kind": "other"},
                                       format="multipart")
    assert response.status_code == 400
    assert ("file", "pdf_signature") in _errors(response)
    assert not CaseDocument.objects.exists()


def test_a_pdf_sent_as_html_is_400_naming_the_file(case, coordinator_client):
    response = coordinator_client.post(
        _url(case), {"file": upload(content_type="text/html"), "kind": "other"},
        format="multipart")
    assert response.status_code == 400
    assert ("file", "content_type") in _errors(response)


def test_a_file_over_the_limit_is_413_naming_the_file(case, coordinator_client, settings):
    settings.BOARDSVC_MAX_DOCUMENT_BYTES = 4096
    big = upload(b"%PDF-1.7\n" + b"x" * 8192)
    response = coordinator_client.post(_url(case), {"file": big, "kind": "other"},
                                       format="multipart")
    assert response.status_code == 413
    assert ("file", "max_bytes") in _errors(response)


def test_a_missing_file_is_400_naming_the_file(case, coordinator_client):
    response = coordinator_client.post(_url(case), {"kind": "other"}, format="multipart")
    assert response.status_code == 400
    assert "file" in {field for field, _ in _errors(response)}


def test_a_member_may_not_upload(case, spine_member_client):
    response = spine_member_client.post(_url(case), {"file": upload(), "kind": "other"},
                                        format="multipart")
    assert response.status_code == 403


def test_the_list_carries_no_content_and_audits_each_document(case, document,
                                                              spine_member_client):
    response = spine_member_client.get(_url(case))
    [row] = response.json()["results"]
    assert "content" not in row
    assert row["size"] == document.size
    assert [r.object_id for r in audit_rows("list", "case_document")] == [
        str(document.public_id)]


def test_a_download_is_an_attachment_that_is_not_sniffed(document, spine_member_client):
    response = spine_member_client.get(_content_url(document))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="MRI-report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_every_download_writes_an_audit_row(document, spine_member_client):
    spine_member_client.get(_content_url(document))
    spine_member_client.get(_content_url(document))
    rows = audit_rows("read", "case_document", object_id=str(document.public_id),
                      outcome="success")
    assert len(rows) == 2
    assert rows[0].patient_pseudonym == str(document.case.patient.public_id)


def test_another_boards_member_gets_404_and_the_refusal_is_audited(document,
                                                                   sarcoma_member_client):
    response = sarcoma_member_client.get(_content_url(document))
    assert response.status_code == 404
    [row] = audit_rows("read", "case_document", outcome="denied")
    assert row.patient_pseudonym == str(document.case.patient.public_id)


def test_another_boards_coordinator_gets_404(document, sarcoma_board):
    board_coordinator = UserFactory(username="sarcoma-coordinator")
    BoardMember.objects.create(board=sarcoma_board, user=board_coordinator,
                               specialty="coordinator", role=BoardMember.Role.COORDINATOR)
    client = APIClient()
    client.force_authenticate(board_coordinator)
    assert client.get(_content_url(document)).status_code == 404


def test_another_boards_member_cannot_list_the_documents(case, document,
                                                         sarcoma_member_client):
    assert sarcoma_member_client.get(_url(case)).status_code == 404
