"""``/api/v1/violations/{id}/acknowledge/``: a coordinator accepts a soft timing-rule violation.

A violation of a plan outside the caller's case scope is 404; a hard or resolved one is refused
(409, rule ``acknowledge``).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from scheduling import selectors, services
from scheduling.api.base import WRITE, SchedulingApiView
from scheduling.api.serializers import StoredViolationOut


class ViolationAcknowledgeApi(SchedulingApiView):
    """POST /violations/{id}/acknowledge/: a coordinator accepts a soft violation, with a reason."""

    access = {"POST": (WRITE[0], None)}

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

    @extend_schema(operation_id="violation_acknowledge", request=InputSerializer,
                   responses=StoredViolationOut)
    def post(self, request: Request, public_id: object) -> Response:
        violation = selectors.violation_get(principal=self.principal, public_id=str(public_id))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        violation = services.violation_acknowledge(
            violation=violation, principal=self.principal, reason=data.validated_data["reason"])
        return Response(StoredViolationOut(violation).data)
