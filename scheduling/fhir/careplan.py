"""FHIR R4 CarePlan (read; search by patient) for cases.TreatmentPlan, and the read of a
planned procedure as the ServiceRequest a CarePlan's activity references. Scoped, audited and
refused exactly as the rest of the facade (scheduling/fhir/views.py)."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from core.access import principal_from_request
from core.audit import audit_record, audit_record_many
from core.models import AuditEvent
from scheduling.fhir import mapping, queries
from scheduling.fhir.base import (
    FHIR_JSON,
    PAGE_PARAMS,
    FhirApi,
    PageSerializer,
    audit_denied,
    next_url,
    page_of,
    ref_param,
    reference_id,
)


class CarePlanReadApi(FhirApi):
    @extend_schema(operation_id="fhir_care_plan_read", tags=["fhir"],
                   responses={(200, FHIR_JSON): OpenApiTypes.OBJECT})
    def get(self, request: Request, plan_id: UUID) -> Response:
        principal = principal_from_request(request)
        plan = queries.care_plans_visible(principal).filter(public_id=plan_id).first()
        if plan is None:
            hidden = queries.care_plan_pseudonym(plan_id)
            if hidden:
                audit_denied(principal, request, "treatment_plan", plan_id, hidden)
            raise NotFound()
        audit_record(principal=principal, action=AuditEvent.Action.READ,
                     object_type="treatment_plan", object_id=plan.public_id,
                     patient_pseudonym=plan.case.patient.public_id, path=request.path)
        return self.fhir_response(mapping.care_plan_from_plan(plan), version=plan.version)


class CarePlanSearchApi(FhirApi):
    class FilterSerializer(PageSerializer):
        patient = serializers.CharField(required=False)

        def validate_patient(self, value: str) -> str:
            return reference_id(value, "Patient")

    @extend_schema(operation_id="fhir_care_plan_search", tags=["fhir"],
                   parameters=[ref_param("patient", "Patient"), *PAGE_PARAMS],
                   responses={(200, FHIR_JSON): OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        principal = principal_from_request(request)
        params_s = self.FilterSerializer(data=request.query_params.dict())
        params_s.is_valid(raise_exception=True)
        params = params_s.validated_data
        qs = queries.care_plans_visible(principal, patient=params.get("patient"))
        rows, total, has_next = page_of(qs, params)
        audit_record_many(principal=principal, action=AuditEvent.Action.LIST,
                          object_type="treatment_plan", path=request.path,
                          objects=[(p.public_id, p.case.patient.public_id) for p in rows])
        bundle = mapping.searchset(
            base=self.base_url(request), self_url=request.build_absolute_uri(),
            resources=[mapping.care_plan_from_plan(p) for p in rows], total=total,
            next_url=next_url(request, params, has_next))
        return self.fhir_response(bundle)


def procedure_service_request(request: Request, procedure_id: UUID) -> Response | None:
    """ServiceRequest/<id> for a planned procedure (a CarePlan activity), or None when the id
    is no procedure the caller may see (the referral read then answers as before)."""
    principal = principal_from_request(request)
    procedure = queries.planned_procedure_get(principal, procedure_id)
    if procedure is None:
        hidden = queries.planned_procedure_pseudonym(procedure_id)
        if hidden:
            audit_denied(principal, request, "planned_procedure", procedure_id, hidden)
        return None
    plan = procedure.plan
    audit_record(principal=principal, action=AuditEvent.Action.READ,
                 object_type="planned_procedure", object_id=procedure.public_id,
                 patient_pseudonym=plan.case.patient.public_id, path=request.path)
    return Response(mapping.service_request_from_procedure(procedure, plan),
                        content_type=FHIR_JSON)
