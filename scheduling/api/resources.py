"""``/api/v1/resources/``: rooms and machines, their opening hours and free slots.

Resources are not patient data: every person who reads bookings reads them, unaudited.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cases.domain.codes import ProcedureType
from core.api.concurrency import etag_for
from core.api.fields import AwareDateTimeField
from core.dates import slot_search_max_days
from scheduling import selectors
from scheduling.api.base import READ, SchedulingApiView
from scheduling.domain.errors import ResourceNotSuitable
from scheduling.models import Resource


class OpeningHoursOut(serializers.Serializer):
    """Wall-clock "HH:MM" in the resource's own timezone (not an RFC 3339 time with offset)."""

    weekday = serializers.IntegerField()
    opens = serializers.SerializerMethodField()
    closes = serializers.SerializerMethodField()

    def get_opens(self, hours: Any) -> str:
        return hours.opens.strftime("%H:%M")

    def get_closes(self, hours: Any) -> str:
        return hours.closes.strftime("%H:%M")


class ResourceOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    capacity = serializers.IntegerField()
    timezone = serializers.CharField()
    active = serializers.BooleanField()
    opening_hours = OpeningHoursOut(many=True)


class ResourceListApi(SchedulingApiView):
    """GET /resources/?kind=: rooms and machines with their weekly opening hours."""

    access = {"GET": READ}

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Resource.Kind.choices, required=False)

    @extend_schema(operation_id="resource_list", parameters=[FilterSerializer],
                   responses=ResourceOut(many=True))
    def get(self, request: Request) -> Response:
        # A plain dict, not the QueryDict: DRF reads a blank form value (``?to=``) as "absent",
        # and a blank filter is a mistake the caller should hear about (400).
        params = self.FilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        qs = selectors.resource_list(kind=params.validated_data.get("kind"))
        return self.paginated(qs, ResourceOut)


class ResourceDetailApi(SchedulingApiView):
    """GET /resources/{id}/: one room or machine with its weekly opening hours and ETag."""

    access = {"GET": READ}

    @extend_schema(operation_id="resource_read", responses=ResourceOut)
    def get(self, request: Request, public_id: object) -> Response:
        resource = selectors.resource_get(public_id=str(public_id))
        response = Response(ResourceOut(resource).data)
        response["ETag"] = etag_for(resource.version)
        return response


class ResourceSlotsApi(SchedulingApiView):
    """GET /resources/{id}/slots/?procedure_type=&from=&to=: free periods long enough for the
    procedure's catalogue duration (opening hours, exceptions and bookings applied)."""

    access = {"GET": READ}

    class FilterSerializer(serializers.Serializer):
        procedure_type = serializers.ChoiceField(choices=ProcedureType.choices())
        # "from" is a Python keyword: declared below through the fields mapping.
        to = AwareDateTimeField()

        def get_fields(self) -> dict[str, serializers.Field]:
            fields = super().get_fields()
            fields["from"] = AwareDateTimeField()
            return fields

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if attrs["to"] <= attrs["from"]:
                raise serializers.ValidationError({"to": ["Must be after 'from'."]}, code="order")
            days = slot_search_max_days()  # BOARDSVC_SLOT_SEARCH_MAX_DAYS (README)
            if attrs["to"] - attrs["from"] > timedelta(days=days):
                raise serializers.ValidationError(
                    {"to": [f"The range may span at most {days} days."]}, code="max_range")
            return attrs

    class OutputSerializer(serializers.Serializer):
        start = serializers.DateTimeField()
        end = serializers.DateTimeField()

    @extend_schema(
        operation_id="resource_slots",
        parameters=[
            OpenApiParameter("procedure_type", str, required=True,
                             enum=[value for value, _ in ProcedureType.choices()]),
            OpenApiParameter("from", OpenApiTypes.DATETIME, required=True,
                             description="Start of the range (ISO 8601 with offset, inside "
                                         "the date window)"),
            OpenApiParameter("to", OpenApiTypes.DATETIME, required=True,
                             description="End of the range: after 'from', at most "
                                         "BOARDSVC_SLOT_SEARCH_MAX_DAYS (31) days"),
        ],
        responses=inline_serializer("ResourceSlotsResult", {
            "resource": serializers.UUIDField(),
            "procedure_type": serializers.CharField(),
            "duration_minutes": serializers.IntegerField(),
            "timezone": serializers.CharField(),
            "slots": OutputSerializer(many=True),
        }),
    )
    def get(self, request: Request, public_id: object) -> Response:
        resource = selectors.resource_get(public_id=str(public_id))
        params = self.FilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        data = params.validated_data
        entry = selectors.catalogue_entry(data["procedure_type"])
        if resource.kind not in entry.resource_kinds:
            raise ResourceNotSuitable(
                f"A {resource.get_kind_display().lower()} cannot host "
                f"{data['procedure_type'].replace('_', ' ')}.", field="procedure_type")
        free = selectors.resource_free_slots(
            resource=resource, procedure_type=data["procedure_type"],
            date_from=data["from"], date_to=data["to"],
        )
        return Response({
            "resource": str(resource.public_id),
            "procedure_type": data["procedure_type"],
            "duration_minutes": entry.duration_minutes,
            "timezone": resource.timezone,
            "slots": self.OutputSerializer(free, many=True).data,
        })
