"""FHIR R4 DocumentReference (read; search by patient/subject and type) for the stored outcome
documents. Scoped like the REST API (boardsvc.documents.selectors): board members see their
boards' documents, coordinators every board's; another board's is 404 (the refusal audited).
Every read and search is audited. System clients need ``fhir:read``."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from boardsvc.documents import selectors as document_selectors
from boardsvc.fhir import mapping
from boardsvc.models import OutcomeDocument
from core.access import principal_from_request
from core.audit import audit_record_many
from core.models import AuditEvent
from scheduling.fhir import mapping as fhir_mapping
from scheduling.fhir.base import (
    PAGE_PARAMS,
    FhirApi,
    PageSerializer,
    audit_denied,
    next_url,
    page_of,
    ref_param,
    reference_id,
)


def _base(request: Request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


class DocumentReferenceReadApi(FhirApi):
    @extend_schema(operation_id="fhir_document_reference_read", tags=["fhir"],
                   responses={(200, "application/fhir+json"): OpenApiTypes.OBJECT})
    def get(self, request: Request, document_id: UUID) -> Response:
        principal = principal_from_request(request)
        try:
            document = document_selectors.document_get_visible(principal=principal,
                                                               public_id=document_id)
        except OutcomeDocument.DoesNotExist:
            hidden = document_selectors.document_pseudonym(public_id=str(document_id))
            audit_denied(principal, request, "outcome_document", document_id, hidden)
            raise NotFound() from None
        audit_record_many(principal=principal, action=AuditEvent.Action.READ,
                          object_type="outcome_document", path=request.path,
                          objects=document_selectors.document_subjects(document))
        return self.fhir_response(mapping.document_reference(document, base=_base(request)),
                                  version=document.version)


def _type_code(value: str) -> str:
    """``type`` as a token: ``<system>|<code>`` or a bare code of the document-kind system."""
    system, _, code = value.rpartition("|")
    if system and system != mapping.DOCUMENT_KIND_SYSTEM:
        raise serializers.ValidationError("Unknown type system.", code="type_system")
    if code not in OutcomeDocument.Kind.values:
        raise serializers.ValidationError(
            f"Must be one of {', '.join(OutcomeDocument.Kind.values)}.", code="choice")
    return code


class DocumentReferenceSearchApi(FhirApi):
    class FilterSerializer(PageSerializer):
        patient = serializers.CharField(required=False)
        subject = serializers.CharField(required=False)
        type = serializers.CharField(required=False)

        def validate_patient(self, value: str) -> str:
            return reference_id(value, "Patient")

        def validate_subject(self, value: str) -> str:
            return reference_id(value, "Patient")

        def validate_type(self, value: str) -> str:
            return _type_code(value)

    @extend_schema(
        operation_id="fhir_document_reference_search", tags=["fhir"],
        parameters=[
            ref_param("patient", "Patient"), ref_param("subject", "Patient"),
            OpenApiParameter("type", {"type": "string", "pattern": (
                rf"^({mapping.DOCUMENT_KIND_SYSTEM}\|)?"
                rf"({'|'.join(OutcomeDocument.Kind.values)})$")},
                description="A document kind, optionally system|code"),
            *PAGE_PARAMS,
        ],
        responses={(200, "application/fhir+json"): OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        principal = principal_from_request(request)
        params_s = self.FilterSerializer(data=request.query_params.dict())
        params_s.is_valid(raise_exception=True)
        params = params_s.validated_data
        patient = params.get("patient") or params.get("subject")
        kinds = [params["type"]] if params.get("type") else []
        qs = (document_selectors.documents_of_patient(principal=principal,
                                                      patient_public_id=patient, kinds=kinds)
              if patient else document_selectors.documents_visible(principal=principal,
                                                                   kinds=kinds))
        rows, total, has_next = page_of(qs, params)
        audit_record_many(principal=principal, action=AuditEvent.Action.LIST,
                          object_type="outcome_document", path=request.path,
                          objects=[(d.public_id, d.case.patient.public_id if d.case_id else "")
                                   for d in rows])
        bundle = fhir_mapping.searchset(
            base=self.base_url(request), self_url=request.build_absolute_uri(),
            resources=[mapping.document_reference(d, base=_base(request)) for d in rows],
            total=total, next_url=next_url(request, params, has_next))
        return self.fhir_response(bundle)
