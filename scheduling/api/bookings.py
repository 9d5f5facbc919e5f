"""``/api/v1/bookings/``: list, book, read, history, move, cancel, mark done.

Coordinators (and administrators) write, MDT members read the bookings of the cases they may
see, system clients need bookings:read / bookings:write. Every read and write is audited with
the patient's pseudonym; a booking outside the caller's scope is 404 and an audit row
(docs/security.md, S8). Refusals are the services' rule errors (409 for a taken slot or a hard
timing rule, with the violations in the body; 412 for a stale If-Match).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import PageAudit
from core.api.concurrency import etag_for, expected_version
from core.api.fields import AwareDateTimeField
from core.api.idempotency import idempotent
from core.audit import audit_record
from core.errors import RuleError
from core.history import revision_list
from core.models import AuditEvent
from scheduling import selectors, services
from scheduling.api.base import READ, WRITE, SchedulingApiView
from scheduling.api.serializers import BookingOut, BookingRowOut, ViolationOut
from scheduling.domain.types import BookingStatus, violation_body
from scheduling.models import Booking


class FractionOut(serializers.Serializer):
    """One fraction of a radiotherapy course (R17)."""

    id = serializers.UUIDField(source="public_id")
    fraction_number = serializers.IntegerField(allow_null=True)
    resource = serializers.UUIDField(source="resource.public_id")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.CharField()
    version = serializers.IntegerField()


class BookingWriteOut(BookingOut):
    """A booking after a write, with the soft-rule warnings it raised. For a radiotherapy
    course (R17), which is booked, moved and cancelled as one: ``course`` lists the ids of the
    fractions the request wrote and ``fractions`` the fractions themselves, in time order (the
    booking itself is the first of them)."""

    warnings = ViolationOut(many=True)
    course = serializers.ListField(child=serializers.UUIDField(), required=False)
    fractions = FractionOut(many=True, required=False)


class BookingCourseOut(BookingOut):
    """A booking after a cancellation; for a radiotherapy fraction, ``fractions`` lists every
    fraction the request cancelled with it (the whole course not yet done)."""

    fractions = FractionOut(many=True, required=False)


class BookingRevisionOut(serializers.Serializer):
    version = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor_type = serializers.CharField()
    actor_id = serializers.CharField()
    reason = serializers.CharField()
    snapshot = serializers.DictField()


def _course_extra(bookings: Sequence[Booking]) -> dict[str, Any]:
    """The course part of a write's response: empty unless radiotherapy fractions were written."""
    if not bookings or bookings[0].fraction_number is None:
        return {}
    ordered = sorted(bookings, key=lambda b: (b.start, b.pk))
    return {"course": [str(b.public_id) for b in ordered],
            "fractions": FractionOut(ordered, many=True).data}


def _booking_response(booking: Booking, *, status_code: int = 200,
                      extra: dict[str, Any] | None = None) -> Response:
    body = dict(BookingOut(booking).data)
    if extra:
        body.update(extra)
    response = Response(body, status=status_code)
    response["ETag"] = etag_for(booking.version)
    return response


def _booking_replay_audit(body: Mapping[str, Any]) -> tuple[str, object, object]:
    """What an Idempotency-Key replay of a booking body discloses (core.api.idempotency)."""
    return "booking", body["id"], body["patient"]


class _BookingApi(SchedulingApiView):
    """A view of one booking: found in the caller's scope or 404 (audited either way)."""

    def booking(self, public_id: object, action: str) -> Booking:
        return self.visible_or_404(selectors.booking_get, public_id, object_type="booking",
                                   label="booking", action=action,
                                   pseudonym=selectors.booking_pseudonym)

    def audit_read(self, booking: Booking) -> None:
        audit_record(principal=self.principal, action=AuditEvent.Action.READ,
                     object_type="booking", object_id=booking.public_id,
                     patient_pseudonym=booking.patient.public_id, path=self.request.path)


class BookingListApi(SchedulingApiView):
    """GET /bookings/?resource=&patient=&plan=&status=&from=&to=, paginated and audited."""

    access = {"GET": READ}

    class FilterSerializer(serializers.Serializer):
        resource = serializers.UUIDField(required=False)
        patient = serializers.UUIDField(required=False)
        plan = serializers.UUIDField(required=False)
        status = serializers.ChoiceField(choices=Booking.Status.choices, required=False)
        to = AwareDateTimeField(required=False)

        def get_fields(self) -> dict[str, serializers.Field]:
            fields = super().get_fields()
            fields["from"] = AwareDateTimeField(required=False)
            return fields

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if "from" in attrs and "to" in attrs and attrs["to"] <= attrs["from"]:
                raise serializers.ValidationError({"to": ["Must be after 'from'."]}, code="order")
            return attrs

    @extend_schema(operation_id="booking_list", parameters=[FilterSerializer],
                   responses=BookingOut(many=True))
    def get(self, request: Request) -> Response:
        # A plain dict, not the QueryDict: DRF reads a blank form value (``?to=``) as "absent",
        # and a blank filter is a mistake the caller should hear about (400).
        params = self.FilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        f = params.validated_data
        qs = selectors.booking_list(
            principal=self.principal, resource=f.get("resource"), patient=f.get("patient"),
            plan=f.get("plan"), status=f.get("status"), date_from=f.get("from"),
            date_to=f.get("to"),
        )
        return self.paginated(
            selectors.booking_rows(qs), BookingRowOut, complete=selectors.booking_rows_people,
            audit=PageAudit(AuditEvent.Action.LIST, "booking",
                            lambda row: (row["public_id"], row["patient__public_id"])))


class BookingCreateApi(SchedulingApiView):
    """POST /bookings/ (Idempotency-Key): book a planned procedure; 201 with soft warnings, 409
    when the slot is taken or a hard timing rule refuses it (violations in the body)."""

    access = {"POST": WRITE}
    idempotency_key = "optional"  # published; required for system clients (core.api.idempotency)

    class InputSerializer(serializers.Serializer):
        procedure = serializers.UUIDField()
        resource = serializers.UUIDField()
        start = AwareDateTimeField()
        end = AwareDateTimeField(required=False)
        status = serializers.ChoiceField(
            choices=[BookingStatus.BOOKED.value, BookingStatus.PROPOSED.value],
            default=BookingStatus.BOOKED.value)
        override_reason = serializers.CharField(max_length=300, required=False, default="",
                                                allow_blank=True)
        retrospective_reason = serializers.CharField(
            max_length=300, required=False, default="", allow_blank=True,
            help_text="Required when start is in the past: why work already done is recorded.")
        fractions = serializers.IntegerField(min_value=1, max_value=40, required=False)
        staff = serializers.ListField(
            child=serializers.UUIDField(), required=False, default=list, max_length=5,
            help_text="People to book with the room (operator, anaesthesia team), one of each "
                      "kind the procedure needs; a kind not named gets the first free person.")

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if "end" in attrs and attrs["end"] <= attrs["start"]:
                raise serializers.ValidationError({"end": ["Must be after start."]}, code="order")
            return attrs

    @extend_schema(operation_id="booking_create", request=InputSerializer,
                   responses={201: BookingWriteOut})
    def post(self, request: Request) -> Response:
        return idempotent(request, endpoint="scheduling.booking_create", handler=self._create,
                          replay_audit=_booking_replay_audit)

    def _create(self) -> Response:
        data = self.InputSerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        procedure = selectors.procedure_visible(principal=self.principal,
                                                public_id=v["procedure"])
        if procedure is None:
            raise RuleError("No planned procedure with this id.", field="procedure",
                            rule="does_not_exist")
        resource = selectors.resource_find(public_id=v["resource"])
        if resource is None:
            raise RuleError("No resource with this id.", field="resource", rule="does_not_exist")
        staff = selectors.resources_by_public_ids(v["staff"])
        if len(staff) != len(set(v["staff"])):
            raise RuleError("No person with one of these ids.", field="staff",
                            rule="does_not_exist")
        outcome = services.booking_create(
            procedure=procedure, resource=resource, start=v["start"], end=v.get("end"),
            principal=self.principal, status=v["status"],
            override_reason=v["override_reason"], fractions=v.get("fractions"),
            retrospective_reason=v["retrospective_reason"], staff=staff,
        )
        first = selectors.booking_get(principal=self.principal,
                                      public_id=outcome.booking.public_id)
        extra = {"warnings": [violation_body(w) for w in outcome.warnings]}
        extra.update(_course_extra(outcome.bookings))
        response = _booking_response(first, status_code=status.HTTP_201_CREATED, extra=extra)
        response["Location"] = f"/api/v1/bookings/{first.public_id}/"
        return response


class BookingDetailApi(_BookingApi):
    """GET /bookings/{id}/: one booking the caller may see, with its ETag; audited."""

    access = {"GET": READ}

    @extend_schema(operation_id="booking_read", responses=BookingOut)
    def get(self, request: Request, public_id: object) -> Response:
        booking = self.booking(public_id, AuditEvent.Action.READ)
        self.audit_read(booking)
        return _booking_response(booking)


class BookingHistoryApi(_BookingApi):
    """GET /bookings/{id}/history/: the booking as it was at each version (point in time),
    oldest first, with who changed it and why. Audited like a read."""

    access = {"GET": READ}
    paginated = False  # bounded: one revision per write of one booking

    @extend_schema(operation_id="booking_history", responses=inline_serializer(
        "BookingHistoryOutput", {"id": serializers.UUIDField(),
                                 "revisions": BookingRevisionOut(many=True)}))
    def get(self, request: Request, public_id: object) -> Response:
        booking = self.booking(public_id, AuditEvent.Action.READ)
        self.audit_read(booking)
        revisions = revision_list(object_type="booking", object_id=booking.public_id)
        return Response({"id": str(booking.public_id),
                         "revisions": BookingRevisionOut(revisions, many=True).data})


class BookingMoveApi(_BookingApi):
    """POST /bookings/{id}/move/ with If-Match: new start (and optionally end and resource).
    A radiotherapy fraction moves with the rest of its course (R17): the later fractions not yet
    done follow on the next working days (``course`` / ``fractions`` in the response)."""

    access = {"POST": WRITE}
    if_match = "required"  # published in the schema: missing → 428, stale → 412

    class InputSerializer(serializers.Serializer):
        start = AwareDateTimeField()
        end = AwareDateTimeField(required=False)
        resource = serializers.UUIDField(required=False)
        override_reason = serializers.CharField(max_length=300, required=False, default="",
                                                allow_blank=True)
        retrospective_reason = serializers.CharField(
            max_length=300, required=False, default="", allow_blank=True,
            help_text="Required when the new start is in the past: why work already done is "
                      "recorded.")

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if "end" in attrs and attrs["end"] <= attrs["start"]:
                raise serializers.ValidationError({"end": ["Must be after start."]}, code="order")
            return attrs

    @extend_schema(operation_id="booking_move", request=InputSerializer,
                   responses=BookingWriteOut)
    def post(self, request: Request, public_id: object) -> Response:
        booking = self.booking(public_id, AuditEvent.Action.UPDATE)
        version = expected_version(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        resource = None
        if v.get("resource"):
            resource = selectors.resource_find(public_id=v["resource"])
            if resource is None:
                raise RuleError("No resource with this id.", field="resource",
                                rule="does_not_exist")
        outcome = services.booking_move(
            booking=booking, start=v["start"], end=v.get("end"), resource=resource,
            expected_version=version, principal=self.principal,
            override_reason=v["override_reason"],
            retrospective_reason=v["retrospective_reason"],
        )
        moved = selectors.booking_get(principal=self.principal, public_id=str(public_id))
        return _booking_response(moved, extra={
            "warnings": [violation_body(w) for w in outcome.warnings],
            **_course_extra(outcome.bookings)})


class BookingCancelApi(_BookingApi):
    """POST /bookings/{id}/cancel/ (If-Match optional): frees the slot. A radiotherapy fraction
    is cancelled with its whole course not yet done (R17; ``fractions`` in the response)."""

    access = {"POST": WRITE}
    if_match = "optional"

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)

    @extend_schema(operation_id="booking_cancel", request=InputSerializer,
                   responses=BookingCourseOut)
    def post(self, request: Request, public_id: object) -> Response:
        booking = self.booking(public_id, AuditEvent.Action.UPDATE)
        version = expected_version(request) if request.headers.get("If-Match") else None
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The fractions the cancellation takes with it (the course not yet done).
        course = [b.pk for b in selectors.course_pending(booking)]
        services.booking_cancel(booking=booking, principal=self.principal,
                                reason=data.validated_data["reason"], expected_version=version)
        cancelled = selectors.bookings_by_pk(course)
        return _booking_response(
            selectors.booking_get(principal=self.principal, public_id=str(public_id)),
            extra={"fractions": _course_extra(cancelled)["fractions"]} if cancelled else None)


class BookingDoneApi(_BookingApi):
    """POST /bookings/{id}/done/: the procedure was performed (embolization → R8 follow-ups)."""

    access = {"POST": WRITE}
    if_match = "optional"

    @extend_schema(operation_id="booking_done", request=None, responses=BookingOut)
    def post(self, request: Request, public_id: object) -> Response:
        booking = self.booking(public_id, AuditEvent.Action.UPDATE)
        version = expected_version(request) if request.headers.get("If-Match") else None
        services.booking_mark_done(booking=booking, principal=self.principal,
                                   expected_version=version)
        return _booking_response(
            selectors.booking_get(principal=self.principal, public_id=str(public_id)))
