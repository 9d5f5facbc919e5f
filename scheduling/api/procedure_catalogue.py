"""``/api/v1/procedure-catalogue/``: each procedure type's default duration, suitable room kinds,
fraction options and the people booked with the room (operator, anaesthesia); every person who reads bookings lists them, administrators edit them
(If-Match)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.concurrency import etag_for, expected_version
from scheduling import selectors, services
from scheduling.api.base import ADMIN_ONLY, READ, SchedulingApiView
from scheduling.domain.catalogue import ROOM_KINDS, STAFF_KINDS
from scheduling.models import Resource

ROOM_CHOICES = [(k, label) for k, label in Resource.Kind.choices if k in ROOM_KINDS]
STAFF_CHOICES = [(k, label) for k, label in Resource.Kind.choices if k in STAFF_KINDS]


class CatalogueEntryOut(serializers.Serializer):
    procedure_type = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    resource_kinds = serializers.ListField(child=serializers.CharField())
    fraction_options = serializers.ListField(child=serializers.IntegerField())
    staff_kinds = serializers.ListField(child=serializers.CharField())
    version = serializers.IntegerField()


class ProcedureCatalogueListApi(SchedulingApiView):
    """GET /procedure-catalogue/: each procedure type's duration, room kinds and fractions."""

    access = {"GET": READ}

    @extend_schema(operation_id="procedure_catalogue_list",
                   responses=CatalogueEntryOut(many=True))
    def get(self, request: Request) -> Response:
        return self.paginated(selectors.catalogue_list(), CatalogueEntryOut)


class ProcedureCatalogueUpdateApi(SchedulingApiView):
    """PATCH /procedure-catalogue/{procedure_type}/ (administrators, If-Match)."""

    access = {"PATCH": ADMIN_ONLY}

    class InputSerializer(serializers.Serializer):
        duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60, required=False)
        resource_kinds = serializers.ListField(
            child=serializers.ChoiceField(choices=ROOM_CHOICES), allow_empty=False,
            required=False)
        fraction_options = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=40), required=False)
        # One person of each kind is booked with the room (an empty list: the room alone).
        staff_kinds = serializers.ListField(
            child=serializers.ChoiceField(choices=STAFF_CHOICES), required=False)

        def validate_staff_kinds(self, value: list[str]) -> list[str]:
            if len(set(value)) != len(value):
                raise serializers.ValidationError("Each kind of person is listed once.")
            return sorted(value)

    @extend_schema(operation_id="procedure_catalogue_update", request=InputSerializer,
                   responses=CatalogueEntryOut)
    def patch(self, request: Request, procedure_type: str) -> Response:
        entry = selectors.catalogue_entry_get(procedure_type=procedure_type)
        version = expected_version(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.catalogue_entry_update(entry=entry, principal=self.principal,
                                                expected_version=version,
                                                changes=dict(data.validated_data))
        response = Response(CatalogueEntryOut(entry).data)
        response["ETag"] = etag_for(entry.version)
        return response
