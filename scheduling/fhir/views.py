"""FHIR R4 read facade: Appointment, Schedule, Slot, ServiceRequest (docs/security.md, FHIR).

Read-only, JSON only (``application/fhir+json``), scoped exactly like the REST API: coordinators
and administrators see everything, an MDT member sees the bookings and referrals of cases on
their boards only (another board's object is 404, never 403, so existence does not leak), and
system clients need the ``fhir:read`` scope. Every read or search of patient data is audited
(docs/security.md, S8); a hidden object asked for by id is audited as a denied read.

Errors are application/problem+json like the rest of the API (documented in the OpenAPI
schema), not OperationOutcome: one error contract for every integration.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from cases.selectors import case_pseudonym_for
from core.access import principal_from_request
from core.audit import audit_record, audit_record_many
from core.dates import DateLimitError, check_range, slot_search_max_days
from core.models import AuditEvent
from scheduling import selectors
from scheduling.domain.types import Interval
from scheduling.fhir import mapping, queries
from scheduling.fhir.base import (
    FHIR_JSON,
    PAGE_PARAMS,
    FhirApi,
    PageSerializer,
    audit_denied,
    date_error,
    date_filters,
    date_param,
    next_url,
    page_of,
    ref_param,
    reference_id,
)
from scheduling.fhir.careplan import procedure_service_request

DEFAULT_SLOT_WINDOW = timedelta(days=7)


# --- Appointment (bookings) -------------------------------------------------------------------

class AppointmentReadApi(FhirApi):
    @extend_schema(operation_id="fhir_appointment_read", tags=["fhir"],
                   responses={(200, FHIR_JSON): OpenApiTypes.OBJECT})
    def get(self, request: Request, booking_id: UUID) -> Response:
        principal = principal_from_request(request)
        booking = queries.appointments_visible(principal).filter(public_id=booking_id).first()
        if booking is None:
            hidden = selectors.booking_pseudonym(booking_id)
            if hidden:
                audit_denied(principal, request, "booking", booking_id, hidden)
            raise NotFound()
        audit_record(principal=principal, action=AuditEvent.Action.READ, object_type="booking",
                     object_id=booking.public_id, patient_pseudonym=booking.patient.public_id,
                     path=request.path)
        return self.fhir_response(mapping.appointment_from_booking(booking),
                                  version=booking.version)


class AppointmentSearchApi(FhirApi):
    class FilterSerializer(PageSerializer):
        patient = serializers.CharField(required=False)
        location = serializers.CharField(required=False)
        status = serializers.ChoiceField(
            choices=sorted(set(mapping.APPOINTMENT_STATUS.values())), required=False)
        date = serializers.ListField(child=serializers.CharField(), required=False)

        def validate_patient(self, value: str) -> str:
            return reference_id(value, "Patient")

        def validate_location(self, value: str) -> str:
            return reference_id(value, "Location")

    @extend_schema(
        operation_id="fhir_appointment_search", tags=["fhir"],
        parameters=[
            ref_param("patient", "Patient"),
            ref_param("location", "Location"),
            OpenApiParameter("status", str, enum=sorted(set(mapping.APPOINTMENT_STATUS.values()))),
            date_param("date", "ge|gt|le|lt|eq"),
            *PAGE_PARAMS,
        ],
        responses={(200, FHIR_JSON): OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        principal = principal_from_request(request)
        data = {k: v for k, v in request.query_params.items() if k != "date"}
        if "date" in request.query_params:
            data["date"] = request.query_params.getlist("date")
        params_s = self.FilterSerializer(data=data)
        params_s.is_valid(raise_exception=True)
        params = params_s.validated_data
        statuses = ([k for k, v in mapping.APPOINTMENT_STATUS.items() if v == params["status"]]
                    if "status" in params else None)
        # An appointment matches a date range when it overlaps it (FHIR period semantics).
        qs = queries.appointments_search(
            principal, patient=params.get("patient"), location=params.get("location"),
            statuses=statuses, dates=date_filters(params.get("date", []), "date"))
        rows, total, has_next = page_of(qs, params)
        audit_record_many(principal=principal, action=AuditEvent.Action.LIST,
                          object_type="booking",
                          objects=[(b.public_id, b.patient.public_id) for b in rows],
                          path=request.path)
        bundle = mapping.searchset(
            base=self.base_url(request), self_url=request.build_absolute_uri(),
            resources=[mapping.appointment_from_booking(b) for b in rows], total=total,
            next_url=next_url(request, params, has_next),
        )
        return self.fhir_response(bundle)


# --- ServiceRequest (case referrals) ------------------------------------------------------------

class ServiceRequestReadApi(FhirApi):
    @extend_schema(operation_id="fhir_service_request_read", tags=["fhir"],
                   responses={(200, FHIR_JSON): OpenApiTypes.OBJECT})
    def get(self, request: Request, case_id: UUID) -> Response:
        principal = principal_from_request(request)
        case = queries.service_request_get(principal, case_id)
        if case is None:
            # A planned procedure of a CarePlan (scheduling/fhir/careplan.py) is a
            # ServiceRequest too, read by its own id.
            found = procedure_service_request(request, case_id)
            if found is not None:
                return found
            hidden = case_pseudonym_for(public_id=case_id)
            if hidden:
                audit_denied(principal, request, "case", case_id, hidden)
            raise NotFound()
        audit_record(principal=principal, action=AuditEvent.Action.READ, object_type="case",
                     object_id=case.public_id, patient_pseudonym=case.patient.public_id,
                     path=request.path)
        return self.fhir_response(mapping.service_request_from_case(case), version=case.version)


class ServiceRequestSearchApi(FhirApi):
    class FilterSerializer(PageSerializer):
        patient = serializers.CharField(required=False)
        status = serializers.ChoiceField(choices=["active", "completed"], required=False)

        def validate_patient(self, value: str) -> str:
            return reference_id(value, "Patient")

    @extend_schema(
        operation_id="fhir_service_request_search", tags=["fhir"],
        parameters=[
            ref_param("patient", "Patient"),
            OpenApiParameter("status", str, enum=["active", "completed"]),
            *PAGE_PARAMS,
        ],
        responses={(200, FHIR_JSON): OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        principal = principal_from_request(request)
        params_s = self.FilterSerializer(data=request.query_params.dict())
        params_s.is_valid(raise_exception=True)
        params = params_s.validated_data
        statuses = ([k for k, v in mapping.SERVICE_REQUEST_STATUS.items()
                     if v == params["status"]] if "status" in params else None)
        qs = queries.service_requests_visible(principal, patient=params.get("patient"),
                                              statuses=statuses)
        rows, total, has_next = page_of(qs, params)
        audit_record_many(principal=principal, action=AuditEvent.Action.LIST, object_type="case",
                          objects=[(c.public_id, c.patient.public_id) for c in rows],
                          path=request.path)
        bundle = mapping.searchset(
            base=self.base_url(request), self_url=request.build_absolute_uri(),
            resources=[mapping.service_request_from_case(c) for c in rows], total=total,
            next_url=next_url(request, params, has_next),
        )
        return self.fhir_response(bundle)


# --- Schedule and Slot (resources and their free time) -----------------------------------------

class ScheduleReadApi(FhirApi):
    @extend_schema(operation_id="fhir_schedule_read", tags=["fhir"],
                   responses={(200, FHIR_JSON): OpenApiTypes.OBJECT})
    def get(self, request: Request, resource_id: UUID) -> Response:
        resource = selectors.resource_find(public_id=resource_id)
        if resource is None:
            raise NotFound()
        return self.fhir_response(mapping.schedule_from_resource(resource),
                                  version=resource.version)


class ScheduleSearchApi(FhirApi):
    @extend_schema(
        operation_id="fhir_schedule_search", tags=["fhir"],
        parameters=PAGE_PARAMS,
        responses={(200, FHIR_JSON): OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        params_s = PageSerializer(data=request.query_params.dict())
        params_s.is_valid(raise_exception=True)
        params = params_s.validated_data
        rows, total, has_next = page_of(queries.schedules(), params)
        bundle = mapping.searchset(
            base=self.base_url(request), self_url=request.build_absolute_uri(),
            resources=[mapping.schedule_from_resource(r) for r in rows], total=total,
            next_url=next_url(request, params, has_next),
        )
        return self.fhir_response(bundle)


class SlotSearchApi(FhirApi):
    """Free time of one resource, computed (Medplum's model: only busy time is stored)."""

    class FilterSerializer(serializers.Serializer):
        schedule = serializers.CharField()
        start = serializers.ListField(child=serializers.CharField(), required=False)
        status = serializers.ChoiceField(choices=["free"], required=False)

        def validate_schedule(self, value: str) -> str:
            return reference_id(value, "Schedule")

    @extend_schema(
        operation_id="fhir_slot_search", tags=["fhir"],
        parameters=[
            ref_param("schedule", "Schedule", required=True),
            date_param("start", "ge|gt|le|lt"),
            OpenApiParameter("status", str, enum=["free"]),
        ],
        responses={(200, FHIR_JSON): OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        data: dict[str, Any] = {k: v for k, v in request.query_params.items() if k != "start"}
        if "start" in request.query_params:
            data["start"] = request.query_params.getlist("start")
        params_s = self.FilterSerializer(data=data)
        params_s.is_valid(raise_exception=True)
        params = params_s.validated_data
        bounds = date_filters(params.get("start", []), "start")
        now = timezone.now()
        window_start = bounds.get("gte") or bounds.get("gt") or bounds.get("eq") or now
        window_end = bounds.get("lt") or bounds.get("lte") or window_start + DEFAULT_SLOT_WINDOW
        # At most BOARDSVC_SLOT_SEARCH_MAX_DAYS (31) are computed per search; a longer range is
        # a 400 naming "start" (page on with a later ge=).
        if window_start < window_end:
            try:
                check_range(window_start, window_end, max_days=slot_search_max_days())
            except DateLimitError as exc:
                raise date_error("start", exc.message, exc.rule) from None
        resource = queries.slot_resource(params["schedule"])
        if resource is None:
            raise NotFound()
        if not window_start < window_end:
            return self.fhir_response(mapping.searchset(
                base=self.base_url(request), self_url=request.build_absolute_uri(),
                resources=[], total=0))
        periods = queries.free_time(resource, Interval(window_start, window_end))
        slots = [mapping.slot_free(resource=resource, start=p.start, end=p.end)
                 for p in periods[:500]]
        bundle = mapping.searchset(
            base=self.base_url(request), self_url=request.build_absolute_uri(),
            resources=slots, total=len(slots),
        )
        return self.fhir_response(bundle)
