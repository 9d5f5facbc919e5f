"""Documents (PDF reports) of a case: list, upload (multipart) and download.

- ``GET /api/v1/cases/<id>/documents/``: the case's documents without their content, paginated,
  one audit row per document shown;
- ``POST /api/v1/cases/<id>/documents/`` (multipart/form-data: ``file``, ``kind``, ``title``,
  ``lesion``): coordinators and ``cases:write`` clients; a PDF only (content type and ``%PDF-``
  signature), ≤ BOARDSVC_MAX_DOCUMENT_BYTES (413 beyond), each refusal naming ``file``;
- ``GET /api/v1/case-documents/<id>/content``: the bytes, scoped like the case (404 otherwise,
  audited), one audit row per read, as an attachment with ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import re

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import parsers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.base import CasesApiView, validated
from cases.models import CaseDocument
from cases.selectors import (
    document_content,
    document_get_visible,
    document_pseudonym_for,
    documents_for_case,
)
from cases.services import document_upload
from core.access import ROLE_COORDINATOR, ROLE_MEMBER
from core.api.base import PageAudit
from core.api.parsers import JSONParser
from core.models import AuditEvent

READ = ({ROLE_COORDINATOR, ROLE_MEMBER}, "cases:read")
WRITE = ({ROLE_COORDINATOR}, "cases:write")

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def attachment_filename(document: CaseDocument) -> str:
    """A header-safe file name for the download (ASCII, no quotes or path separators)."""
    stem = _UNSAFE_FILENAME.sub("-", document.title).strip("-.")[:80] or "document"
    return f"{stem}.pdf" if not stem.lower().endswith(".pdf") else stem


def pdf_download(document: CaseDocument, content: bytes) -> HttpResponse:
    """The PDF as an attachment the browser neither sniffs nor renders inline."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{attachment_filename(document)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Length"] = str(len(content))
    return response


@extend_schema_serializer(component_name="CaseDocument")
class CaseDocumentOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    case = serializers.UUIDField(source="case.public_id")
    lesion = serializers.UUIDField(source="lesion.public_id", allow_null=True, default=None)
    kind = serializers.CharField()
    title = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    content_url = serializers.SerializerMethodField()

    def get_content_url(self, document: CaseDocument) -> str:
        return f"/api/v1/case-documents/{document.public_id}/content"


class CaseDocumentListApi(CasesApiView):
    """GET /api/v1/cases/<id>/documents/ — the case's documents, newest first (no content)."""

    access = {"GET": READ}
    audit_action = AuditEvent.Action.LIST

    @extend_schema(operation_id="case_document_list",
                   responses=CaseDocumentOutputSerializer(many=True))
    def get(self, request: Request, public_id: object) -> Response:
        case = self.get_case(public_id)
        pseudonym = case.patient.public_id
        return self.paginated(
            documents_for_case(case=case), CaseDocumentOutputSerializer,
            audit=PageAudit(AuditEvent.Action.LIST, "case_document",
                            lambda document: (document.public_id, pseudonym)))


class CaseDocumentUploadApi(CasesApiView):
    """POST /api/v1/cases/<id>/documents/ — upload a PDF (multipart/form-data), 201."""

    access = {"POST": WRITE}
    audit_action = AuditEvent.Action.CREATE
    # Multipart carries the file; JSON is accepted only to answer "file is required" clearly.
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, JSONParser]

    @extend_schema_serializer(component_name="CaseDocumentUploadInput")
    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(allow_empty_file=True)
        kind = serializers.ChoiceField(choices=CaseDocument.Kind.choices)
        title = serializers.CharField(max_length=200, required=False, allow_blank=True)
        lesion = serializers.UUIDField(required=False, allow_null=True)

    @extend_schema(operation_id="case_document_upload",
                   request={"multipart/form-data": InputSerializer},
                   responses={201: CaseDocumentOutputSerializer})
    def post(self, request: Request, public_id: object) -> Response:
        case = self.get_case(public_id)
        data = validated(self.InputSerializer(data=request.data))
        document = document_upload(
            principal=self.principal, case=case, file=data.get("file"), kind=data["kind"],
            title=data.get("title", ""), lesion=data.get("lesion"), path=request.path)
        return Response(CaseDocumentOutputSerializer(document).data,
                        status=status.HTTP_201_CREATED)


class CaseDocumentContentApi(CasesApiView):
    """GET /api/v1/case-documents/<id>/content — the PDF, for whoever may see its case."""

    access = {"GET": READ}

    @extend_schema(operation_id="case_document_content",
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, document_id: object) -> HttpResponse:
        document = self.visible_or_404(
            document_get_visible, str(document_id), object_type="case_document",
            label="document",
            pseudonym=lambda value: document_pseudonym_for(public_id=value))
        content = document_content(principal=self.principal, document=document,
                                   path=request.path)
        return pdf_download(document, content)
