"""``/api/v1/resources/{id}/closures/``: closures, maintenance windows and extra sessions of a
room or a person (a person's closure is an absence: leave, a course, illness).

Adding a closure over bookings does not move them: the answer lists the bookings it falls on
(the caller's case scope; audited as a disclosure), each to re-plan with a repair run
(``POST /plans/{id}/solver-runs/`` with ``replan``). The worklist lists them too until moved.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.fields import AwareDateTimeField
from core.api.idempotency import idempotent
from core.audit import audit_record_many
from core.errors import NotFound
from scheduling import selectors, services
from scheduling.api.base import READ, WRITE, SchedulingApiView
from scheduling.domain.types import EXCEPTION_KINDS, ExceptionKind
from scheduling.models import Booking, ResourceException
from scheduling.selectors import closures

# The bookings one closure lists; past this the answer says how many more there are.
BOOKINGS_SHOWN = 100


class ClosureOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    resource = serializers.UUIDField(source="resource.public_id")
    kind = serializers.ChoiceField(
        choices=EXCEPTION_KINDS,
        help_text="closure or maintenance (the time is taken away; for a person, an absence), "
                  "or extra_session (time added outside the opening hours).")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    reason = serializers.CharField()
    created_by = serializers.CharField(help_text="user:<id> or client:<client id>; empty for "
                                                 "rows added before it was kept.")
    created_at = serializers.DateTimeField(allow_null=True)


class ClosureBookingOut(serializers.Serializer):
    """A booking the closure falls on: to move (a repair run for its plan)."""

    id = serializers.UUIDField(source="public_id")
    plan = serializers.UUIDField(source="plan.public_id")
    patient = serializers.UUIDField(source="plan.case.patient.public_id",
                                    help_text="The patient's pseudonym.")
    procedure = serializers.UUIDField(source="procedure.public_id")
    procedure_type = serializers.CharField(source="procedure.procedure_type")
    resource = serializers.UUIDField(source="resource.public_id", help_text="Its room.")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.CharField()
    version = serializers.IntegerField()


def _with_bookings(view: SchedulingApiView, closure: ResourceException) -> dict[str, Any]:
    """The closure, and the bookings it falls on (in scope, not yet started), disclosed in one
    audit row."""
    found = closures.bookings_in(closure, principal=view.principal, now=timezone.now())
    shown: list[Booking] = list(found[:BOOKINGS_SHOWN + 1])
    more = len(shown) > BOOKINGS_SHOWN
    shown = shown[:BOOKINGS_SHOWN]
    audit_record_many(principal=view.principal, action="list", object_type="booking",
                      objects=[(b.public_id, b.plan.case.patient.public_id) for b in shown],
                      path=view.request.path)
    return {**ClosureOut(closure).data,
            "bookings": ClosureBookingOut(shown, many=True).data,
            "bookings_count": found.count() if more else len(shown)}


class ClosureWithBookingsOut(ClosureOut):
    bookings = ClosureBookingOut(many=True, help_text=(
        "The proposed or booked bookings not yet started that fall in it (at most 100, "
        "soonest first), using the resource as their room or as one of their people: each "
        "waits for a repair run of its plan. Empty for an extra session."))
    bookings_count = serializers.IntegerField(help_text="How many there are in all.")


def _closure(resource: Any, public_id: object) -> ResourceException:
    closure = closures.closure_get(resource=resource, public_id=public_id)
    if closure is None:
        raise NotFound("No such closure of this resource.")
    return closure


class ResourceClosuresApi(SchedulingApiView):
    """GET /resources/{id}/closures/?from=: its closures and extra sessions not over at ``from``
    (default now), soonest first, paginated. POST (Idempotency-Key): add one; 201 with the
    bookings it falls on."""

    access = {"GET": READ, "POST": WRITE}
    idempotency_key = "optional"

    class FilterSerializer(serializers.Serializer):
        def get_fields(self) -> dict[str, serializers.Field]:
            fields = super().get_fields()
            fields["from"] = AwareDateTimeField(required=False)
            return fields

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=EXCEPTION_KINDS,
                                       default=ExceptionKind.CLOSURE.value)
        start = AwareDateTimeField()
        end = AwareDateTimeField()
        reason = serializers.CharField(max_length=200, allow_blank=True, default="",
                                       help_text="Required for a closure or maintenance.")

    @extend_schema(operation_id="resource_closure_list", responses=ClosureOut(many=True),
                   parameters=[OpenApiParameter(
                       "from", OpenApiTypes.DATETIME, required=False,
                       description="Closures not over at this instant (default: now).")])
    def get(self, request: Request, public_id: object) -> Response:
        resource = selectors.resource_get(public_id=str(public_id))
        params = self.FilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        since = params.validated_data.get("from") or timezone.now()
        rows = closures.closure_list(resource=resource, since=since).select_related("resource")
        return self.paginated(rows, ClosureOut)

    @extend_schema(operation_id="resource_closure_create", request=InputSerializer,
                   responses={201: ClosureWithBookingsOut})
    def post(self, request: Request, public_id: object) -> Response:
        response = idempotent(request, endpoint="scheduling.resource_closure_create",
                              handler=lambda: self._create(public_id),
                              replay_audit=lambda body: ("resource_exception", body["id"], ""))
        if response.get("Idempotent-Replayed") == "true":
            # The stored answer discloses its bookings again: audited as the first time.
            audit_record_many(principal=self.principal, action="list", object_type="booking",
                              objects=[(b["id"], b["patient"])
                                       for b in response.data.get("bookings", [])],
                              path=request.path)
        return response

    def _create(self, public_id: object) -> Response:
        resource = selectors.resource_get(public_id=str(public_id))
        data = self.InputSerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        closure = services.closure_add(resource=resource, principal=self.principal,
                                       path=self.request.path, **data.validated_data)
        response = Response(_with_bookings(self, closure), status=status.HTTP_201_CREATED)
        response["Location"] = (f"/api/v1/resources/{resource.public_id}/closures/"
                                f"{closure.public_id}/")
        return response


class ResourceClosureDetailApi(SchedulingApiView):
    """GET /resources/{id}/closures/{closure id}/: the closure and the bookings it falls on.
    DELETE: remove it (the time is free again); 204."""

    access = {"GET": READ, "DELETE": WRITE}

    @extend_schema(operation_id="resource_closure_read", responses=ClosureWithBookingsOut)
    def get(self, request: Request, public_id: object, closure_id: object) -> Response:
        resource = selectors.resource_get(public_id=str(public_id))
        return Response(_with_bookings(self, _closure(resource, closure_id)))

    @extend_schema(operation_id="resource_closure_delete", responses={204: None})
    def delete(self, request: Request, public_id: object, closure_id: object) -> Response:
        resource = selectors.resource_get(public_id=str(public_id))
        services.closure_remove(closure=_closure(resource, closure_id), principal=self.principal,
                                path=request.path)
        return Response(status=status.HTTP_204_NO_CONTENT)
