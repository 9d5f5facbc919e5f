"""cases.services.documents: PDF uploads (what is accepted, what is refused) and removal."""

from __future__ import annotations

import hashlib

import pytest

from cases.domain.errors import CaseDataError
from cases.models import CaseDocument
from cases.services import DocumentTooLarge, document_remove, document_upload
from core.access import principal_for_user
from tests.factories.cases import CaseFactory
from tests.support.attachments import audit_rows, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def _rule(exc: CaseDataError) -> tuple[str, str]:
    return exc.errors[0]["field"], exc.errors[0]["rule"]


def test_a_pdf_is_stored_with_its_size_and_hash(coordinator):
    content = pdf_bytes()
    document = document_upload(principal=principal_for_user(coordinator), case=CaseFactory(),
                               file=upload(content), kind="radiology_report", title="MRI")
    stored = CaseDocument.objects.get(pk=document.pk)
    assert bytes(stored.content) == content
    assert stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()


def test_the_title_defaults_to_the_file_name():
    document = document_upload(principal=None, case=CaseFactory(),
                               file=upload(name="histology.pdf"), kind="pathology_report")
    assert document.title == "histology.pdf"


def test_an_upload_is_audited_with_the_pseudonym(coordinator):
    case = CaseFactory()
    document = document_upload(principal=principal_for_user(coordinator), case=case,
                               file=upload(), kind="other", title="Letter")
    rows = audit_rows("create", "case_document", object_id=str(document.public_id))
    assert [r.patient_pseudonym for r in rows] == [str(case.patient.public_id)]


def test_a_missing_file_is_refused_naming_the_file():
    with pytest.raises(CaseDataError) as caught:
        document_upload(principal=None, case=CaseFactory(), file=None, kind="other")
    assert _rule(caught.value) == ("file", "required")


def test_a_file_without_the_pdf_signature_is_refused():
    with pytest.raises(CaseDataError) as caught:
        document_upload(principal=None, case=CaseFactory(),
                        file=upload(b"<html><script>alert(1)</script></html>"), kind="other")
    assert _rule(caught.value) == ("file", "pdf_signature")
    assert not CaseDocument.objects.exists()


def test_a_declared_type_other_than_pdf_is_refused():
    with pytest.raises(CaseDataError) as caught:
        document_upload(principal=None, case=CaseFactory(),
                        file=upload(content_type="text/html"), kind="other")
    assert _rule(caught.value) == ("file", "content_type")


def test_an_empty_file_is_refused():
    with pytest.raises(CaseDataError) as caught:
        document_upload(principal=None, case=CaseFactory(), file=upload(b""), kind="other")
    assert _rule(caught.value) == ("file", "empty")


def test_a_file_over_the_limit_is_413_naming_the_file(settings):
    settings.BOARDSVC_MAX_DOCUMENT_BYTES = 2048
    with pytest.raises(DocumentTooLarge) as caught:
        document_upload(principal=None, case=CaseFactory(),
                        file=upload(b"%PDF-1.4\n" + b"0" * 4096), kind="other")
    assert caught.value.status == 413
    assert (caught.value.field, caught.value.rule) == ("file", "max_bytes")
    assert not CaseDocument.objects.exists()


def test_an_unknown_kind_is_refused():
    with pytest.raises(CaseDataError) as caught:
        document_upload(principal=None, case=CaseFactory(), file=upload(), kind="selfie")
    assert _rule(caught.value) == ("kind", "invalid_choice")


def test_removing_a_document_deletes_it_and_is_audited(coordinator):
    document = document_upload(principal=None, case=CaseFactory(), file=upload(), kind="other")
    document_remove(principal=principal_for_user(coordinator), document=document)
    assert not CaseDocument.objects.filter(pk=document.pk).exists()
    assert len(audit_rows("delete", "case_document", object_id=str(document.public_id))) == 1
