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

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.selectors import case_pseudonym_for
from core.access import Principal, Role, principal_from_request
from core.api.concurrency import etag_for
from core.api.permissions import RoleAndScope
from core.audit import audit_record, audit_record_many
from core.dates import DateLimitError, check_range, parse_instant, slot_search_max_days
from core.models import AuditEvent
from scheduling import selectors
from scheduling.domain.types import Interval
from scheduling.fhir import mapping, queries

FHIR_JSON = "application/fhir+json"
FHIR_ACCESS = {"GET": ({Role.ADMIN, Role.COORDINATOR, Role.MEMBER, Role.CHAIR}, "fhir:read")}
DEFAULT_SLOT_WINDOW = timedelta(days=7)


class FhirJSONRenderer(JSONRenderer):
    media_type = FHIR_JSON


class _FhirApi(APIView):
    renderer_classes = [FhirJSONRenderer]
    permission_classes = [RoleAndScope]
    access = FHIR_ACCESS

    def fhir_response(self, data: dict[str, Any], *, version: int | None = None) -> Response:
        response = Response(data, content_type=FHIR_JSON)
        if version is not None:
            response["ETag"] = etag_for(version)
        return response

    def base_url(self, request: Request) -> str:
        return request.build_absolute_uri("/fhir/R4/")


# --- search parameters -----------------------------------------------------------------------

class _PageSerializer(serializers.Serializer):
    _count = serializers.IntegerField(required=False, min_value=1, max_value=200, default=25)
    page = serializers.IntegerField(required=False, min_value=1, max_value=100000, default=1)


def _reference_id(value: str, resource_type: str) -> str:
    """Accept ``Type/<uuid>`` or a bare uuid; anything else fails validation with the rule."""
    raw = value.split("/", 1)[1] if value.startswith(f"{resource_type}/") else value
    try:
        return str(UUID(raw))
    except ValueError:
        raise serializers.ValidationError(
            f"Must be {resource_type}/<uuid> or a uuid.", code="reference"
        ) from None


_PREFIXES = {"ge": "gte", "gt": "gt", "le": "lte", "lt": "lt", "eq": "eq"}


def _date_error(field: str, message: str, rule: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [serializers.ErrorDetail(message, code=rule)]})


def _date_filters(values: list[str], field: str) -> dict[str, datetime]:
    """FHIR date search (``ge2026-01-01T00:00:00Z``): an R4 instant, so a timezone is required,
    inside the service's date window (core.dates: rules ``date``, ``timezone_required``,
    ``date_window``)."""
    out: dict[str, datetime] = {}
    for raw in values:
        prefix, text = (raw[:2], raw[2:]) if raw[:2] in _PREFIXES else ("eq", raw)
        if "T" not in text:
            raise _date_error(field, "Use an instant with a timezone, optionally prefixed "
                                     "ge/gt/le/lt.", "date")
        try:
            out[_PREFIXES[prefix]] = parse_instant(text)
        except DateLimitError as exc:
            rule = "date" if exc.rule == "invalid" else exc.rule
            raise _date_error(field, exc.message, rule) from None
    return out


def _page(qs: QuerySet[Any], params: dict[str, Any]) -> tuple[list[Any], int, bool]:
    count, page = params["_count"], params["page"]
    total = qs.count()
    offset = (page - 1) * count
    rows = list(qs[offset:offset + count])
    return rows, total, offset + count < total


def _next_url(request: Request, params: dict[str, Any], has_next: bool) -> str | None:
    if not has_next:
        return None
    query = request.query_params.copy()
    query["page"] = str(params["page"] + 1)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _audit_denied(principal: Principal, request: Request, object_type: str, object_id: object,
                  pseudonym: object) -> None:
    audit_record(principal=principal, action=AuditEvent.Action.READ,
                 outcome=AuditEvent.Outcome.DENIED, object_type=object_type,
                 object_id=object_id, patient_pseudonym=pseudonym, path=request.path)


# Query parameters as published: the schema states exactly what the serializers accept, so a
# generated request that matches the schema is never refused (schemathesis positive checks).
_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_INSTANT = (
    "20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]"
    ":[0-5][0-9](Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])"
)


def _ref_param(name: str, resource_type: str, *, required: bool = False) -> OpenApiParameter:
    return OpenApiParameter(
        name, {"type": "string", "pattern": f"^({resource_type}/)?{_UUID}$"},
        required=required, description=f"{resource_type}/<uuid> or the bare uuid",
    )


def _date_param(name: str, prefixes: str) -> OpenApiParameter:
    return OpenApiParameter(
        # Repeatable (?date=ge...&date=lt...): an exploded array of prefixed instants.
        name, {"type": "array", "items": {"type": "string",
                                          "pattern": f"^({prefixes})?{_INSTANT}$"}},
        style="form", explode=True,
        description=f"An instant with a timezone, optionally prefixed {prefixes}, inside the "
                    "date window (README: Limits on dates and ranges); repeatable.",
    )


_PAGE_PARAMS = [
    OpenApiParameter("_count", {"type": "integer", "minimum": 1, "maximum": 200},
                     description="Page size (default 25, at most 200)"),
    OpenApiParameter("page", {"type": "integer", "minimum": 1, "maximum": 100000}),
]


# --- Appointment (bookings) -------------------------------------------------------------------

class AppointmentReadApi(_FhirApi):
    @extend_schema(operation_id="fhir_appointment_read", tags=["fhir"],
                   responses={(200, FHIR_JSON): OpenApiTypes.OBJECT})
    def get(self, request: Request, booking_id: UUID) -> Response:
        principal = principal_from_request(request)
        booking = queries.appointments_visible(principal).filter(public_id=booking_id).first()
        if booking is None:
            hidden = selectors.booking_pseudonym(booking_id)
            if hidden:
                _audit_denied(principal, request, "booking", booking_id, hidden)
            raise NotFound()
        audit_record(principal=principal, action=AuditEvent.Action.READ, object_type="booking",
                     object_id=booking.public_id, patient_pseudonym=booking.patient.public_id,
                     path=request.path)
        return self.fhir_response(mapping.appointment_from_booking(booking),
                                  version=booking.version)


class AppointmentSearchApi(_FhirApi):
    class FilterSerializer(_PageSerializer):
        patient = serializers.CharField(required=False)
        location = serializers.CharField(required=False)
        status = serializers.ChoiceField(
            choices=sorted(set(mapping.APPOINTMENT_STATUS.values())), required=False)
        date = serializers.ListField(child=serializers.CharField(), required=False)

        def validate_patient(self, value: str) -> str:
            return _reference_id(value, "Patient")

        def validate_location(self, value: str) -> str:
            return _reference_id(value, "Location")

    @extend_schema(
        operation_id="fhir_appointment_search", tags=["fhir"],
        parameters=[
            _ref_param("patient", "Patient"),
            _ref_param("location", "Location"),
            OpenApiParameter("status", str, enum=sorted(set(mapping.APPOINTMENT_STATUS.values()))),
            _date_param("date", "ge|gt|le|lt|eq"),
            *_PAGE_PARAMS,
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
            statuses=statuses, dates=_date_filters(params.get("date", []), "date"))
        rows, total, has_next = _page(qs, params)
        audit_record_many(principal=principal, action=AuditEvent.Action.LIST,
                          object_type="booking",
                          objects=[(b.public_id, b.patient.public_id) for b in rows],
                          path=request.path)
        bundle = mapping.searchset(
            base=self.base_url(request), self_url=request.build_absolute_uri(),
            resources=[mapping.appointment_from_booking(b) for b in rows], total=total,
            next_url=_next_url(request, params, has_next),
        )
        return self.fhir_response(bundle)


# --- ServiceRequest (case referrals) ------------------------------------------------------------

class ServiceRequestReadApi(_FhirApi):
    @extend_schema(operation_id="fhir_service_request_read", tags=["fhir"],
                   responses={(200, FHIR_JSON): OpenApiTypes.OBJECT})
    def get(self, request: Request, case_id: UUID) -> Response:
        principal = principal_from_request(request)
        case = queries.service_request_get(principal, case_id)
        if case is None:
            hidden = case_pseudonym_for(public_id=case_id)
            if hidden:
                _audit_denied(principal, request, "case", case_id, hidden)
            raise NotFound()
        audit_record(principal=principal, action=AuditEvent.Action.READ, object_type="case",
                     object_id=case.public_id, patient_pseudonym=case.patient.public_id,
                     path=request.path)
        return self.fhir_response(mapping.service_request_from_case(case), version=case.version)


class ServiceRequestSearchApi(_FhirApi):
    class FilterSerializer(_PageSerializer):
        patient = serializers.CharField(required=False)
        status = serializers.ChoiceField(choices=["active", "completed"], required=False)

        def validate_patient(self, value: str) -> str:
            return _reference_id(value, "Patient")

    @extend_schema(
        operation_id="fhir_service_request_search", tags=["fhir"],
        parameters=[
            _ref_param("patient", "Patient"),
            OpenApiParameter("status", str, enum=["active", "completed"]),
            *_PAGE_PARAMS,
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
        rows, total, has_next = _page(qs, params)
        audit_record_many(principal=principal, action=AuditEvent.Action.LIST, object_type="case",
                          objects=[(c.public_id, c.patient.public_id) for c in rows],
                          path=request.path)
        bundle = mapping.searchset(
            base=self.base_url(request), self_url=request.build_absolute_uri(),
            resources=[mapping.service_request_from_case(c) for c in rows], total=total,
            next_url=_next_url(request, params, has_next),
        )
        return self.fhir_response(bundle)


# --- Schedule and Slot (resources and their free time) -----------------------------------------

class ScheduleReadApi(_FhirApi):
    @extend_schema(operation_id="fhir_schedule_read", tags=["fhir"],
                   responses={(200, FHIR_JSON): OpenApiTypes.OBJECT})
    def get(self, request: Request, resource_id: UUID) -> Response:
        resource = selectors.resource_find(public_id=resource_id)
        if resource is None:
            raise NotFound()
        return self.fhir_response(mapping.schedule_from_resource(resource),
                                  version=resource.version)


class ScheduleSearchApi(_FhirApi):
    @extend_schema(
        operation_id="fhir_schedule_search", tags=["fhir"],
        parameters=_PAGE_PARAMS,
        responses={(200, FHIR_JSON): OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        params_s = _PageSerializer(data=request.query_params.dict())
        params_s.is_valid(raise_exception=True)
        params = params_s.validated_data
        rows, total, has_next = _page(queries.schedules(), params)
        bundle = mapping.searchset(
            base=self.base_url(request), self_url=request.build_absolute_uri(),
            resources=[mapping.schedule_from_resource(r) for r in rows], total=total,
            next_url=_next_url(request, params, has_next),
        )
        return self.fhir_response(bundle)


class SlotSearchApi(_FhirApi):
    """Free time of one resource, computed (Medplum's model: only busy time is stored)."""

    class FilterSerializer(serializers.Serializer):
        schedule = serializers.CharField()
        start = serializers.ListField(child=serializers.CharField(), required=False)
        status = serializers.ChoiceField(choices=["free"], required=False)

        def validate_schedule(self, value: str) -> str:
            return _reference_id(value, "Schedule")

    @extend_schema(
        operation_id="fhir_slot_search", tags=["fhir"],
        parameters=[
            _ref_param("schedule", "Schedule", required=True),
            _date_param("start", "ge|gt|le|lt"),
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
        bounds = _date_filters(params.get("start", []), "start")
        now = timezone.now()
        window_start = bounds.get("gte") or bounds.get("gt") or bounds.get("eq") or now
        window_end = bounds.get("lt") or bounds.get("lte") or window_start + DEFAULT_SLOT_WINDOW
        # At most BOARDSVC_SLOT_SEARCH_MAX_DAYS (31) are computed per search; a longer range is
        # a 400 naming "start" (page on with a later ge=).
        if window_start < window_end:
            try:
                check_range(window_start, window_end, max_days=slot_search_max_days())
            except DateLimitError as exc:
                raise _date_error("start", exc.message, exc.rule) from None
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
