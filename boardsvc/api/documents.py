"""Documents that leave the room: ``meetings/<id>/documents/`` (GET the list, paginated;
POST generate one: chair and coordinators), ``documents/<id>/`` (metadata and deliveries),
``documents/<id>/content`` (the PDF) and ``documents/<id>/deliveries/`` (POST: send it).

Board members of the document's board and coordinators only; another board's document is 404
(existence is not leaked, the refusal audited). Every read is audited: one row per patient the
document shows (minutes show every case of the meeting)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from boardsvc import services
from boardsvc.documents import selectors as document_selectors
from boardsvc.models import OutcomeDocument
from core.api.base import PageAudit, validated
from core.audit import audit_record_many
from core.models import AuditEvent

from .base import MANAGE, READ, BoardsApi


class DeliveryOutput(serializers.Serializer):
    public_id = serializers.UUIDField()
    channel = serializers.CharField()
    recipient = serializers.CharField()
    recipient_role = serializers.CharField()
    status = serializers.CharField()
    queued_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()


class DocumentOutput(serializers.Serializer):
    public_id = serializers.UUIDField()
    kind = serializers.CharField()
    title = serializers.CharField()
    language = serializers.CharField()
    version = serializers.IntegerField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()
    meeting = serializers.UUIDField(source="meeting.public_id")
    decision = serializers.SerializerMethodField()
    case = serializers.SerializerMethodField()
    content_url = serializers.SerializerMethodField()

    def get_decision(self, obj: OutcomeDocument) -> str | None:
        return str(obj.decision.public_id) if obj.decision_id else None

    def get_case(self, obj: OutcomeDocument) -> str | None:
        return str(obj.case.public_id) if obj.case_id else None

    def get_content_url(self, obj: OutcomeDocument) -> str:
        return f"/api/v1/documents/{obj.public_id}/content"


class DocumentDetailOutput(DocumentOutput):
    deliveries = serializers.SerializerMethodField()

    def get_deliveries(self, obj: OutcomeDocument) -> list[dict[str, Any]]:
        rows = document_selectors.deliveries_of(document=obj)
        return list(DeliveryOutput(rows, many=True).data)


def _subject(document: OutcomeDocument) -> tuple[object, object]:
    return (document.public_id,
            document.case.patient.public_id if document.case_id else "")


class DocumentsApi(BoardsApi):
    object_type = "outcome_document"

    def document(self, public_id: Any, *, with_content: bool = False) -> OutcomeDocument:
        def lookup(*, principal: Any, public_id: Any) -> OutcomeDocument:
            return document_selectors.document_get_visible(
                principal=principal, public_id=public_id, with_content=with_content)

        return self.visible_or_404(
            lookup, public_id, object_type="outcome_document", label="document",
            pseudonym=lambda pid: document_selectors.document_pseudonym(public_id=pid))

    def audit_read(self, document: OutcomeDocument) -> None:
        audit_record_many(principal=self.principal, action=AuditEvent.Action.READ,
                          object_type="outcome_document",
                          objects=document_selectors.document_subjects(document),
                          path=self.request.path)


class MeetingDocumentListApi(DocumentsApi):
    """The documents of a meeting (minutes, outcome records, letters), newest first."""

    access = {"GET": READ}
    object_type = "meeting"

    class FilterSerializer(serializers.Serializer):
        kind = serializers.MultipleChoiceField(choices=OutcomeDocument.Kind.choices,
                                               required=False)

    @extend_schema(parameters=[OpenApiParameter("kind", str, many=True,
                                                enum=OutcomeDocument.Kind.values)],
                   responses=DocumentOutput(many=True))
    def get(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting(public_id)
        params = validated(self.FilterSerializer(data={"kind": request.query_params.getlist(
            "kind")} if "kind" in request.query_params else {}))
        rows = document_selectors.documents_visible(
            principal=self.principal, meeting_id=meeting.pk, kinds=params.get("kind", ()))
        return self.paginated(rows, DocumentOutput, audit=PageAudit(
            action=AuditEvent.Action.LIST, object_type="outcome_document", subject=_subject))


class MeetingDocumentGenerateApi(DocumentsApi):
    """Generate (again) a document of the meeting: its minutes, or the outcome record or a
    letter of one of its decisions (the next version)."""

    access = {"POST": MANAGE}
    object_type = "meeting"

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=sorted(services.documents.GENERATED_KINDS))
        decision = serializers.UUIDField(required=False)
        language = serializers.CharField(required=False, max_length=8)

    @extend_schema(request=InputSerializer, responses={201: DocumentOutput})
    def post(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting(public_id)
        self.require_manager(meeting.board_id)
        values = validated(self.InputSerializer(data=request.data))
        decision = None
        if values.get("decision") is not None:
            decision = self.decision(values["decision"])
            if decision.meeting_id != meeting.pk:
                raise services.BoardRuleError("The decision was not taken at this meeting.",
                                              field="decision", rule="same_meeting")
        document = services.document_generate(
            kind=values["kind"], meeting=meeting, decision=decision,
            language=values.get("language"), principal=self.principal)
        response = Response(DocumentOutput(document).data, status=201)
        response["Location"] = f"/api/v1/documents/{document.public_id}/"
        return response


class DocumentDetailApi(DocumentsApi):
    access = {"GET": READ}

    @extend_schema(responses=DocumentDetailOutput)
    def get(self, request: Request, public_id: Any) -> Response:
        document = self.document(public_id)
        self.audit_read(document)
        return Response(DocumentDetailOutput(document).data)


class DocumentContentApi(DocumentsApi):
    """The PDF itself (audited: one row per patient it shows). The bytes go out as a plain
    response; refusals stay problem+json through the API's own renderers."""

    access = {"GET": READ}

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request: Request, public_id: Any) -> HttpResponse:
        document = self.document(public_id, with_content=True)
        self.audit_read(document)
        response = HttpResponse(bytes(document.content), content_type=document.content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="{document.kind}-v{document.version}.pdf"')
        response["Cache-Control"] = "no-store"
        return response


class DocumentDeliveryCreateApi(DocumentsApi):
    """Send the document by e-mail (queued through the outbox; one delivery per recipient,
    never sent twice). Without ``recipients``: a letter goes to its addressee, minutes and
    records to the board's members."""

    access = {"POST": MANAGE}

    class InputSerializer(serializers.Serializer):
        recipients = serializers.ListField(child=serializers.CharField(max_length=254),
                                           required=False, max_length=50)

    @extend_schema(request=InputSerializer, responses={202: DeliveryOutput(many=True)})
    def post(self, request: Request, public_id: Any) -> Response:
        document = self.document(public_id)
        self.require_manager(document.meeting.board_id)
        values = validated(self.InputSerializer(data=request.data))
        rows = services.delivery_queue(document=document, principal=self.principal,
                                       recipients=values.get("recipients"))
        return Response(DeliveryOutput(rows, many=True).data, status=202)
