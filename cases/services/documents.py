"""Documents attached to a case (PDF reports): upload and removal.

A document is stored in the database and read only through cases.selectors.document_content
(scoped like its case, an audit row per read). What is accepted is decided here, for the API and
the pages alike: a PDF (the declared content type *and* the ``%PDF-`` magic bytes), not empty,
at most ``document_max_bytes()`` (413 beyond). Each refusal names the field and the rule.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cases.domain.errors import CaseDataError
from cases.models import Case, CaseDocument
from cases.services.imaging import lesion_of_case
from core.access import Principal
from core.audit import audit_record
from core.errors import RuleError

PDF_MAGIC = b"%PDF-"
PDF_CONTENT_TYPES = frozenset({"application/pdf"})
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
PAYLOAD_TOO_LARGE = 413


class UploadedFileLike(Protocol):
    """What the service needs of an upload (Django's UploadedFile has it)."""

    name: str | None
    size: int | None
    content_type: str | None

    def read(self, size: int = -1) -> bytes: ...


class DocumentTooLarge(RuleError):
    """The file is over the size limit (413, field ``file``, rule ``max_bytes``)."""

    status = PAYLOAD_TOO_LARGE
    rule = "max_bytes"
    field = "file"


def document_max_bytes() -> int:
    """The largest document accepted (BOARDSVC_MAX_DOCUMENT_BYTES, default 10 MB)."""
    return int(getattr(settings, "BOARDSVC_MAX_DOCUMENT_BYTES", DEFAULT_MAX_BYTES))


def _problem(field: str, rule: str, message: str) -> CaseDataError:
    return CaseDataError([{"field": field, "rule": rule, "message": message}])


def _read_pdf(file: UploadedFileLike | None) -> bytes:
    """The upload's bytes if it is a PDF within the limit; else a rule error naming ``file``."""
    if file is None:
        raise _problem("file", "required", _("Choose a PDF file to upload."))
    limit = document_max_bytes()
    declared = file.size if file.size is not None else 0
    if declared > limit:
        raise DocumentTooLarge(_("The file is %(size)d bytes; the limit is %(limit)d bytes.")
                               % {"size": declared, "limit": limit}, extra={"limit": limit})
    content = file.read(limit + 1)
    if len(content) > limit:
        raise DocumentTooLarge(_("The file is larger than the limit of %(limit)d bytes.")
                               % {"limit": limit}, extra={"limit": limit})
    if not content:
        raise _problem("file", "empty", _("The file is empty."))
    content_type = (file.content_type or "").split(";")[0].strip().lower()
    if content_type not in PDF_CONTENT_TYPES:
        raise _problem("file", "content_type", _(
            "Only PDF documents are accepted (application/pdf), not %(type)s.")
            % {"type": content_type or _("an unnamed type")})
    if not content.startswith(PDF_MAGIC):
        raise _problem("file", "pdf_signature", _(
            "The file does not start like a PDF (%%PDF-): it is not a PDF document."))
    return content


@transaction.atomic
def document_upload(*, principal: Principal | None, case: Case, file: UploadedFileLike | None,
                    kind: str, title: str = "", lesion: Any = None,
                    path: str = "") -> CaseDocument:
    """Store a PDF on ``case`` (a case the caller may see); audited as a create.

    ``kind`` is a CaseDocument.Kind; ``title`` defaults to the file's name; ``lesion`` is one
    of the case's lesions (or its public id). Raises CaseDataError (400: missing, empty, not a
    PDF, bad kind or title) or DocumentTooLarge (413), both naming the field."""
    if kind not in CaseDocument.Kind.values:
        raise _problem("kind", "invalid_choice", _("Choose one of: %(choices)s.")
                       % {"choices": ", ".join(CaseDocument.Kind.values)})
    content = _read_pdf(file)
    name = (title or (file.name if file is not None else "") or "").strip()
    if not name:
        raise _problem("title", "required", _("Give the document a title."))
    if len(name) > 200:
        raise _problem("title", "max_length", _("At most 200 characters."))
    target = lesion_of_case(case, lesion)
    document = CaseDocument.objects.create(
        case=case, lesion=target, kind=kind, title=name, content_type="application/pdf",
        content=content, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=principal.user if principal is not None and principal.is_user else None,
    )
    audit_record(principal=principal, action="create", object_type="case_document",
                 object_id=document.public_id, patient_pseudonym=case.patient.public_id,
                 path=path, detail={"case": str(case.public_id), "kind": kind,
                                    "size": document.size})
    return document


@transaction.atomic
def document_remove(*, principal: Principal | None, document: CaseDocument,
                    path: str = "") -> None:
    """Remove a document (read through cases.selectors.document_get_visible); audited."""
    audit_record(principal=principal, action="delete", object_type="case_document",
                 object_id=document.public_id,
                 patient_pseudonym=document.case.patient.public_id, path=path,
                 detail={"case": str(document.case.public_id)})
    CaseDocument.objects.filter(pk=document.pk).delete()
