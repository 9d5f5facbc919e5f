"""What every FHIR R4 resource view shares (scheduling/fhir/views.py, careplan.py and
boardsvc/fhir/views.py): the FHIR JSON renderer and access rule, the base view, paging, search
parameters (references, dates) with their OpenAPI description, and the audit of a refused read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import Principal, Role
from core.api.concurrency import etag_for
from core.api.permissions import RoleAndScope
from core.audit import audit_record
from core.dates import DateLimitError, parse_instant
from core.models import AuditEvent

FHIR_JSON = "application/fhir+json"
FHIR_ACCESS = {"GET": ({Role.ADMIN, Role.COORDINATOR, Role.MEMBER, Role.CHAIR}, "fhir:read")}


class FhirJSONRenderer(JSONRenderer):
    media_type = FHIR_JSON


class FhirApi(APIView):
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

class PageSerializer(serializers.Serializer):
    _count = serializers.IntegerField(required=False, min_value=1, max_value=200, default=25)
    page = serializers.IntegerField(required=False, min_value=1, max_value=100000, default=1)


def reference_id(value: str, resource_type: str) -> str:
    """Accept ``Type/<uuid>`` or a bare uuid; anything else fails validation with the rule."""
    raw = value.split("/", 1)[1] if value.startswith(f"{resource_type}/") else value
    try:
        return str(UUID(raw))
    except ValueError:
        raise serializers.ValidationError(
            f"Must be {resource_type}/<uuid> or a uuid.", code="reference"
        ) from None


_PREFIXES = {"ge": "gte", "gt": "gt", "le": "lte", "lt": "lt", "eq": "eq"}


def date_error(field: str, message: str, rule: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [serializers.ErrorDetail(message, code=rule)]})


def date_filters(values: list[str], field: str) -> dict[str, datetime]:
    """FHIR date search (``ge2026-01-01T00:00:00Z``): an R4 instant, so a timezone is required,
    inside the service's date window (core.dates: rules ``date``, ``timezone_required``,
    ``date_window``)."""
    out: dict[str, datetime] = {}
    for raw in values:
        prefix, text = (raw[:2], raw[2:]) if raw[:2] in _PREFIXES else ("eq", raw)
        if "T" not in text:
            raise date_error(field, "Use an instant with a timezone, optionally prefixed "
                                     "ge/gt/le/lt.", "date")
        try:
            out[_PREFIXES[prefix]] = parse_instant(text)
        except DateLimitError as exc:
            rule = "date" if exc.rule == "invalid" else exc.rule
            raise date_error(field, exc.message, rule) from None
    return out


def page_of(qs: QuerySet[Any], params: dict[str, Any]) -> tuple[list[Any], int, bool]:
    count, page = params["_count"], params["page"]
    total = qs.count()
    offset = (page - 1) * count
    rows = list(qs[offset:offset + count])
    return rows, total, offset + count < total


def next_url(request: Request, params: dict[str, Any], has_next: bool) -> str | None:
    if not has_next:
        return None
    query = request.query_params.copy()
    query["page"] = str(params["page"] + 1)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def audit_denied(principal: Principal, request: Request, object_type: str, object_id: object,
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


def ref_param(name: str, resource_type: str, *, required: bool = False) -> OpenApiParameter:
    return OpenApiParameter(
        name, {"type": "string", "pattern": f"^({resource_type}/)?{_UUID}$"},
        required=required, description=f"{resource_type}/<uuid> or the bare uuid",
    )


def date_param(name: str, prefixes: str) -> OpenApiParameter:
    return OpenApiParameter(
        # Repeatable (?date=ge...&date=lt...): an exploded array of prefixed instants.
        name, {"type": "array", "items": {"type": "string",
                                          "pattern": f"^({prefixes})?{_INSTANT}$"}},
        style="form", explode=True,
        description=f"An instant with a timezone, optionally prefixed {prefixes}, inside the "
                    "date window (README: Limits on dates and ranges); repeatable.",
    )


PAGE_PARAMS = [
    OpenApiParameter("_count", {"type": "integer", "minimum": 1, "maximum": 200},
                     description="Page size (default 25, at most 200)"),
    OpenApiParameter("page", {"type": "integer", "minimum": 1, "maximum": 100000}),
]
