"""Scheduling REST API: resources and free slots, bookings, plan validation and proposals, the
timing-rule and procedure catalogues. One APIView per operation (STYLE.md §3.5): parse,
authorise, call one service or selector, serialise.

Access: coordinators (and administrators) write, MDT members read bookings of the cases they may
see, system clients need bookings:read / bookings:write. Rule and catalogue edits are for
administrators. Every booking read and write is audited with the patient's pseudonym.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.domain.codes import ProcedureType
from cases.models import PlannedProcedure
from cases.services import StaleVersion
from core.api.concurrency import etag_for, expected_version
from core.api.exceptions import DomainRuleError
from core.api.fields import AwareDateTimeField
from core.api.idempotency import idempotent
from core.api.pagination import StandardPagination
from core.audit import audit_record, audit_record_many
from core.dates import slot_search_max_days
from core.history import revision_list
from core.models import AuditEvent
from scheduling import courses, selectors, services
from scheduling.api.base import (
    ADMIN_ONLY,
    READ,
    WRITE,
    SchedulingApiView,
    api_error,
    verdict_body,
    violation_body,
)
from scheduling.domain import rule_limits
from scheduling.domain.errors import SchedulingError
from scheduling.domain.solver import propose_plan
from scheduling.models import Booking, ProcedureCatalogueEntry, Resource, TimingRule, Violation


def _bad(field: str, rule: str, message: str) -> DomainRuleError:
    return DomainRuleError(message, errors=[{"field": field, "rule": rule, "message": message}])


# --- serializers shared by several views -----------------------------------------------------------


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


class BookingOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    procedure = serializers.UUIDField(source="procedure.public_id")
    procedure_type = serializers.CharField(source="procedure.procedure_type")
    plan = serializers.UUIDField(source="plan.public_id")
    patient = serializers.UUIDField(source="patient.public_id")
    resource = serializers.UUIDField(source="resource.public_id")
    resource_name = serializers.CharField(source="resource.name")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.CharField()
    fraction_number = serializers.IntegerField(allow_null=True)
    override_reason = serializers.CharField()
    retrospective_reason = serializers.CharField()
    version = serializers.IntegerField()


class StoredViolationOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    rule = serializers.CharField(source="rule_id")
    rule_code = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.CharField()
    bookings = serializers.ListField(source="booking_public_ids", child=serializers.CharField())
    off_by_minutes = serializers.IntegerField()
    message = serializers.CharField()
    acknowledged_reason = serializers.CharField()
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()


class ViolationOut(serializers.Serializer):
    """A timing-rule finding (R1..R18) as computed now, not yet stored."""

    rule = serializers.CharField()
    rule_code = serializers.CharField()
    severity = serializers.CharField()
    bookings = serializers.ListField(child=serializers.CharField())
    off_by_minutes = serializers.IntegerField()
    message = serializers.CharField()
    scope_note = serializers.CharField(
        help_text="Set when the rule was applied at patient scope because a target lesion is "
                  "missing (e.g. \"applied at patient scope: the surgery has no target "
                  "lesion\"); empty otherwise.")


class VerdictOut(serializers.Serializer):
    """One rule's verdict on the plan (issue 11, item 3): a rule is never skipped in silence."""

    rule = serializers.CharField(help_text="R1..R18, or same_session.")
    rule_code = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["satisfied", "violated", "pending", "not_applicable"],
        help_text="pending: the rule binds the pair but a procedure is not booked yet; "
                  "not_applicable: the rule does not bind them (reason says why).")
    procedures = serializers.ListField(child=serializers.UUIDField())
    reason = serializers.CharField()
    scope_note = serializers.CharField()
    basis = serializers.CharField(
        help_text="Why the rule binds the pair: linked (one prepares the other), same_lesion, "
                  "same_patient, patient_fallback (a target lesion is missing) or "
                  "same_session.")


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


class DeadlineOut(serializers.Serializer):
    """A clock running for the plan from a case event (R9-R11): the suspicion of MSCC or of
    spinal metastases, or the decision to treat."""

    rule = serializers.CharField(source="rule_id")
    rule_code = serializers.CharField()
    severity = serializers.CharField(help_text="The rule's severity while the deadline can be "
                                               "met; a missed deadline is reported as soft.")
    event = serializers.ChoiceField(choices=["suspicion", "decision_to_treat"])
    event_at = serializers.DateTimeField()
    due = serializers.DateTimeField(help_text="The measured procedure must start by then.")
    procedure_types = serializers.ListField(child=serializers.CharField())
    missed = serializers.BooleanField(help_text="The deadline has passed: book the earliest "
                                                "slot.")
    message = serializers.CharField()


def _course_extra(bookings: tuple[Booking, ...] | list[Booking]) -> dict[str, Any]:
    """The course part of a write's response: empty unless radiotherapy fractions were written."""
    if not bookings or bookings[0].fraction_number is None:
        return {}
    ordered = sorted(bookings, key=lambda b: (b.start, b.pk))
    return {"course": [str(b.public_id) for b in ordered],
            "fractions": FractionOut(ordered, many=True).data}


def _deadline_body(deadline: Any, *, tz: str, now: Any) -> dict[str, Any]:
    return {
        "rule": deadline.rule_id, "rule_code": deadline.rule_code,
        "severity": deadline.severity_at(now).value, "event": deadline.event,
        "event_at": deadline.event_at, "due": deadline.due,
        "procedure_types": sorted(deadline.procedure_types),
        "missed": deadline.missed(now),
        "message": f"{deadline.rule_id}: {deadline.describe(tz)}.",
    }


class BookingRevisionOut(serializers.Serializer):
    version = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor_type = serializers.CharField()
    actor_id = serializers.CharField()
    reason = serializers.CharField()
    snapshot = serializers.DictField()


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


def _audit(view: SchedulingApiView, booking: Booking, action: str) -> None:
    audit_record(principal=view.principal, action=action, object_type="booking",
                 object_id=booking.public_id, patient_pseudonym=booking.patient.public_id,
                 path=view.request.path)


def _booking_or_404(view: SchedulingApiView, public_id: object, action: str) -> Booking:
    """A booking the caller may see, or 404; a refused access is itself an audit row (S8),
    with the patient's pseudonym when the booking exists (another board's booking)."""
    try:
        return selectors.booking_get(principal=view.principal, public_id=str(public_id))
    except Http404:
        pseudonym = (Booking.objects.filter(public_id=str(public_id))
                     .values_list("patient__public_id", flat=True).first())
        audit_record(principal=view.principal, action=action,
                     outcome=AuditEvent.Outcome.DENIED, object_type="booking",
                     object_id=public_id, patient_pseudonym=pseudonym or "",
                     path=view.request.path)
        raise exceptions.NotFound("No booking with this id is visible to you.") from None


# --- resources -----------------------------------------------------------------------------------


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
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ResourceOut(page, many=True).data)


class ResourceDetailApi(SchedulingApiView):
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
            raise _bad("procedure_type", "resource_kind",
                       f"A {resource.get_kind_display().lower()} cannot host "
                       f"{data['procedure_type'].replace('_', ' ')}.")
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


# --- bookings ------------------------------------------------------------------------------------


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
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        audit_record_many(
            principal=self.principal, action=AuditEvent.Action.LIST, object_type="booking",
            objects=[(b.public_id, b.patient.public_id) for b in page], path=request.path,
        )
        return paginator.get_paginated_response(BookingOut(page, many=True).data)


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
        status = serializers.ChoiceField(choices=["booked", "proposed"], default="booked")
        override_reason = serializers.CharField(max_length=300, required=False, default="",
                                                allow_blank=True)
        retrospective_reason = serializers.CharField(
            max_length=300, required=False, default="", allow_blank=True,
            help_text="Required when start is in the past: why work already done is recorded.")
        fractions = serializers.IntegerField(min_value=1, max_value=40, required=False)

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
        procedure = (PlannedProcedure.objects.filter(public_id=v["procedure"])
                     .filter(plan__case__in=selectors.visible_cases(self.principal)).first())
        if procedure is None:
            raise _bad("procedure", "does_not_exist", "No planned procedure with this id.")
        resource = Resource.objects.filter(public_id=v["resource"]).first()
        if resource is None:
            raise _bad("resource", "does_not_exist", "No resource with this id.")
        try:
            outcome = services.booking_create(
                procedure=procedure, resource=resource, start=v["start"], end=v.get("end"),
                principal=self.principal, status=v["status"],
                override_reason=v["override_reason"], fractions=v.get("fractions"),
                retrospective_reason=v["retrospective_reason"],
            )
        except SchedulingError as exc:
            raise api_error(exc) from None
        first = selectors.booking_list(principal=self.principal).get(pk=outcome.booking.pk)
        extra = {"warnings": [violation_body(w) for w in outcome.warnings]}
        extra.update(_course_extra(outcome.bookings))
        response = _booking_response(first, status_code=status.HTTP_201_CREATED, extra=extra)
        response["Location"] = f"/api/v1/bookings/{first.public_id}/"
        return response


class BookingDetailApi(SchedulingApiView):
    access = {"GET": READ}

    @extend_schema(operation_id="booking_read", responses=BookingOut)
    def get(self, request: Request, public_id: object) -> Response:
        booking = _booking_or_404(self, public_id, AuditEvent.Action.READ)
        _audit(self, booking, AuditEvent.Action.READ)
        return _booking_response(booking)


class BookingHistoryApi(SchedulingApiView):
    """GET /bookings/{id}/history/: the booking as it was at each version (point in time),
    oldest first, with who changed it and why. Audited like a read."""

    access = {"GET": READ}
    paginated = False  # bounded: one revision per write of one booking

    @extend_schema(operation_id="booking_history", responses=inline_serializer(
        "BookingHistoryOutput", {"id": serializers.UUIDField(),
                                 "revisions": BookingRevisionOut(many=True)}))
    def get(self, request: Request, public_id: object) -> Response:
        booking = _booking_or_404(self, public_id, AuditEvent.Action.READ)
        _audit(self, booking, AuditEvent.Action.READ)
        revisions = revision_list(object_type="booking", object_id=booking.public_id)
        return Response({"id": str(booking.public_id),
                         "revisions": BookingRevisionOut(revisions, many=True).data})


class BookingMoveApi(SchedulingApiView):
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
        booking = _booking_or_404(self, public_id, AuditEvent.Action.UPDATE)
        version = expected_version(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        resource = None
        if v.get("resource"):
            resource = Resource.objects.filter(public_id=v["resource"]).first()
            if resource is None:
                raise _bad("resource", "does_not_exist", "No resource with this id.")
        try:
            outcome = services.booking_move(
                booking=booking, start=v["start"], end=v.get("end"), resource=resource,
                expected_version=version, principal=self.principal,
                override_reason=v["override_reason"],
                retrospective_reason=v["retrospective_reason"],
            )
        except (SchedulingError, StaleVersion) as exc:
            raise api_error(exc) from None
        moved = selectors.booking_get(principal=self.principal, public_id=str(public_id))
        return _booking_response(moved, extra={
            "warnings": [violation_body(w) for w in outcome.warnings],
            **_course_extra(outcome.bookings)})


class BookingCancelApi(SchedulingApiView):
    """POST /bookings/{id}/cancel/ (If-Match optional): frees the slot. A radiotherapy fraction
    is cancelled with its whole course not yet done (R17; ``fractions`` in the response)."""

    access = {"POST": WRITE}
    if_match = "optional"

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)

    @extend_schema(operation_id="booking_cancel", request=InputSerializer,
                   responses=BookingCourseOut)
    def post(self, request: Request, public_id: object) -> Response:
        booking = _booking_or_404(self, public_id, AuditEvent.Action.UPDATE)
        version = expected_version(request) if request.headers.get("If-Match") else None
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The fractions the cancellation takes with it (the course not yet done).
        course = [b.pk for b in courses.course_fractions(booking)
                  if b.fraction_number is not None and b.status in courses.CHANGEABLE]
        try:
            services.booking_cancel(booking=booking, principal=self.principal,
                                    reason=data.validated_data["reason"], expected_version=version)
        except (SchedulingError, StaleVersion) as exc:
            raise api_error(exc) from None
        cancelled = list(Booking.objects.filter(pk__in=course).select_related("resource"))
        return _booking_response(
            selectors.booking_get(principal=self.principal, public_id=str(public_id)),
            extra={"fractions": _course_extra(cancelled)["fractions"]} if cancelled else None)


class BookingDoneApi(SchedulingApiView):
    """POST /bookings/{id}/done/: the procedure was performed (embolization → R8 follow-ups)."""

    access = {"POST": WRITE}
    if_match = "optional"

    @extend_schema(operation_id="booking_done", request=None, responses=BookingOut)
    def post(self, request: Request, public_id: object) -> Response:
        booking = _booking_or_404(self, public_id, AuditEvent.Action.UPDATE)
        version = expected_version(request) if request.headers.get("If-Match") else None
        try:
            services.booking_mark_done(booking=booking, principal=self.principal,
                                       expected_version=version)
        except (SchedulingError, StaleVersion) as exc:
            raise api_error(exc) from None
        return _booking_response(
            selectors.booking_get(principal=self.principal, public_id=str(public_id)))


# --- plans ---------------------------------------------------------------------------------------


class PlanValidationApi(SchedulingApiView):
    """GET /plans/{id}/validation/: current violations, stored ones (with acknowledgements), a
    verdict per rule and pair of procedures (satisfied, violated, pending, not_applicable with
    the reason), the case clocks running for the plan (R9-R11: ``deadlines``, from the MSCC
    suspicion or the decision to treat) and allowed start windows for each procedure not yet
    booked (narrowed to those deadlines)."""

    access = {"GET": READ}

    @extend_schema(operation_id="plan_validation", responses=inline_serializer(
        "PlanValidationOutput", {
            "plan": serializers.UUIDField(),
            "valid": serializers.BooleanField(),
            "violations": ViolationOut(many=True),
            "stored_violations": StoredViolationOut(many=True),
            "verdicts": VerdictOut(many=True),
            "deadlines": DeadlineOut(many=True),
            "windows": inline_serializer("PlanProcedureWindows", {
                "procedure": serializers.UUIDField(),
                "procedure_type": serializers.CharField(),
                "hard": inline_serializer("PlanWindow", {
                    "earliest": serializers.DateTimeField(allow_null=True),
                    "latest": serializers.DateTimeField(allow_null=True),
                }, many=True),
                "preferred": inline_serializer("PlanPreferredWindow", {
                    "earliest": serializers.DateTimeField(allow_null=True),
                    "latest": serializers.DateTimeField(allow_null=True),
                }, many=True),
                "rules": serializers.ListField(child=serializers.CharField()),
            }, many=True),
        }))
    def get(self, request: Request, public_id: object) -> Response:
        plan = selectors.plan_get(principal=self.principal, public_id=str(public_id))
        now = timezone.now()
        report = selectors.plan_validation_report(plan=plan, now=now)
        audit_record(principal=self.principal, action=AuditEvent.Action.READ,
                     object_type="plan_validation", object_id=plan.public_id,
                     patient_pseudonym=plan.case.patient.public_id, path=request.path)
        return Response({
            "plan": str(plan.public_id),
            "valid": not any(v.severity == "hard" for v in report.violations) and not any(
                v.status == "violated" and v.severity == "hard" for v in report.verdicts),
            "violations": [violation_body(v) for v in report.violations],
            "stored_violations": StoredViolationOut(report.stored, many=True).data,
            "verdicts": [verdict_body(v) for v in report.verdicts],
            "deadlines": [_deadline_body(d, tz=report.tz, now=now) for d in report.deadlines],
            "windows": [
                {
                    "procedure": str(item["procedure"].public_id),
                    "procedure_type": item["procedure"].procedure_type,
                    "hard": [{"earliest": w.earliest, "latest": w.latest}
                             for w in item["windows"].hard],
                    "preferred": [{"earliest": w.earliest, "latest": w.latest}
                                  for w in item["windows"].preferred],
                    "rules": list(item["windows"].reasons),
                }
                for item in report.windows
            ],
        })


class PlanProposalCreateApi(SchedulingApiView):
    """POST /plans/{id}/proposals/: a CP-SAT proposal for the plan's unbooked procedures;
    with ``apply`` the proposal is booked as ``proposed`` bookings (201)."""

    access = {"POST": WRITE}

    class InputSerializer(serializers.Serializer):
        horizon_days = serializers.IntegerField(min_value=1, max_value=90, default=28)
        apply = serializers.BooleanField(default=False)
        time_limit_seconds = serializers.FloatField(min_value=0.5, max_value=20, default=5)

    class OutputSerializer(serializers.Serializer):
        plan = serializers.UUIDField()
        status = serializers.CharField()
        message = serializers.CharField()
        bookings = inline_serializer("PlanProposalBooking", {
            "procedure": serializers.UUIDField(),
            "resource": serializers.UUIDField(),
            "start": serializers.DateTimeField(),
            "end": serializers.DateTimeField(),
            "fraction": serializers.IntegerField(allow_null=True),
        }, many=True)
        warnings = ViolationOut(many=True)
        applied = serializers.ListField(child=serializers.UUIDField())

    @extend_schema(operation_id="plan_proposal_create", request=InputSerializer,
                   responses={200: OutputSerializer, 201: OutputSerializer})
    def post(self, request: Request, public_id: object) -> Response:
        plan = selectors.plan_get(principal=self.principal, public_id=str(public_id))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        problem = selectors.plan_problem_build(plan=plan, now=timezone.now(),
                                               horizon_days=v["horizon_days"])
        proposal = propose_plan(problem, time_limit=v["time_limit_seconds"])
        # A proposal reads the plan (its procedures, bookings and patient's other bookings):
        # one read row, whether or not it is applied (applying adds one create row per booking).
        audit_record(principal=self.principal, action=AuditEvent.Action.READ,
                     object_type="plan_proposal", object_id=plan.public_id,
                     patient_pseudonym=plan.case.patient.public_id, path=request.path,
                     detail={"apply": v["apply"], "status": proposal.status})
        body: dict[str, Any] = {
            "plan": str(plan.public_id),
            "status": proposal.status,
            "message": proposal.message,
            "bookings": [
                {"procedure": b.procedure_id, "resource": b.resource_id, "start": b.start,
                 "end": b.end, "fraction": b.fraction}
                for b in proposal.bookings
            ],
            "warnings": [violation_body(w) for w in proposal.violations],
            "applied": [],
        }
        if v["apply"] and proposal.bookings:
            try:
                created = services.plan_proposal_apply(plan=plan, proposal=proposal,
                                                       principal=self.principal)
            except SchedulingError as exc:
                raise api_error(exc) from None
            body["applied"] = [str(b.public_id) for b in created]
            return Response(body, status=status.HTTP_201_CREATED)
        return Response(body)


class ViolationAcknowledgeApi(SchedulingApiView):
    """POST /violations/{id}/acknowledge/: a coordinator accepts a soft violation, with a reason."""

    access = {"POST": (WRITE[0], None)}

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

    @extend_schema(operation_id="violation_acknowledge", request=InputSerializer,
                   responses=StoredViolationOut)
    def post(self, request: Request, public_id: object) -> Response:
        violation = Violation.objects.filter(
            public_id=str(public_id), plan__case__in=selectors.visible_cases(self.principal)
        ).first()
        if violation is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            violation = services.violation_acknowledge(
                violation=violation, principal=self.principal, reason=data.validated_data["reason"])
        except ValueError as exc:
            raise DomainRuleError(str(exc), errors=[{"field": "reason", "rule": "acknowledge",
                                                     "message": str(exc)}],
                                  status_code=409) from None
        return Response(StoredViolationOut(violation).data)


# --- catalogues ----------------------------------------------------------------------------------


class TimingRuleOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    code = serializers.CharField()
    rule = serializers.CharField(source="rule_id")
    kind = serializers.CharField()
    from_procedures = serializers.ListField(child=serializers.CharField())
    from_purposes = serializers.ListField(child=serializers.CharField())
    to_procedures = serializers.ListField(child=serializers.CharField())
    from_anchor = serializers.CharField()
    to_anchor = serializers.CharField()
    min_lag_minutes = serializers.IntegerField(allow_null=True)
    max_lag_minutes = serializers.IntegerField(allow_null=True)
    preferred_lag_minutes = serializers.IntegerField(allow_null=True)
    symmetric = serializers.BooleanField()
    severity = serializers.CharField()
    scope = serializers.CharField()
    template = serializers.DictField()
    rationale = serializers.CharField()
    source = serializers.CharField()
    active = serializers.BooleanField()
    version = serializers.IntegerField()


def _lag_field() -> serializers.IntegerField:
    limit = rule_limits.LAG_LIMIT_MINUTES
    message = f"A lag is at most one year either way: from {-limit} to {limit} minutes."
    return serializers.IntegerField(
        allow_null=True, required=False, min_value=-limit, max_value=limit,
        error_messages={"min_value": message, "max_value": message})


class TimingRuleListApi(SchedulingApiView):
    access = {"GET": READ}

    @extend_schema(operation_id="timing_rule_list", responses=TimingRuleOut(many=True))
    def get(self, request: Request) -> Response:
        paginator = StandardPagination()
        page = paginator.paginate_queryset(selectors.timing_rule_list(), request, view=self)
        return paginator.get_paginated_response(TimingRuleOut(page, many=True).data)


class TimingRuleUpdateApi(SchedulingApiView):
    """PATCH /timing-rules/{code}/ (administrators, If-Match): lags, severity, active, text."""

    access = {"PATCH": ADMIN_ONLY}

    class InputSerializer(serializers.Serializer):
        # Published bounds: a year either way (the database's own bound); each rule id's
        # clinical range is checked by the service (rule "lag_range", range in the message).
        min_lag_minutes = _lag_field()
        max_lag_minutes = _lag_field()
        preferred_lag_minutes = _lag_field()
        severity = serializers.ChoiceField(choices=TimingRule.Severity.choices, required=False)
        active = serializers.BooleanField(required=False)
        rationale = serializers.CharField(required=False)
        source = serializers.CharField(max_length=300, required=False, allow_blank=True)
        reason = serializers.CharField(max_length=300)

    @extend_schema(operation_id="timing_rule_update", request=InputSerializer,
                   responses=TimingRuleOut)
    def patch(self, request: Request, code: str) -> Response:
        rule = TimingRule.objects.filter(code=code).first()
        if rule is None:
            raise Http404
        version = expected_version(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        reason = changes.pop("reason")
        try:
            rule = services.timing_rule_update(rule=rule, principal=self.principal,
                                               expected_version=version, changes=changes,
                                               reason=reason)
        except StaleVersion as exc:
            raise api_error(exc) from None
        except services.RuleValueError as exc:
            raise _bad(exc.field, exc.rule, exc.message) from None
        response = Response(TimingRuleOut(rule).data)
        response["ETag"] = etag_for(rule.version)
        return response


class CatalogueEntryOut(serializers.Serializer):
    procedure_type = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    resource_kinds = serializers.ListField(child=serializers.CharField())
    fraction_options = serializers.ListField(child=serializers.IntegerField())
    version = serializers.IntegerField()


class ProcedureCatalogueListApi(SchedulingApiView):
    access = {"GET": READ}

    @extend_schema(operation_id="procedure_catalogue_list",
                   responses=CatalogueEntryOut(many=True))
    def get(self, request: Request) -> Response:
        paginator = StandardPagination()
        page = paginator.paginate_queryset(selectors.catalogue_list(), request, view=self)
        return paginator.get_paginated_response(CatalogueEntryOut(page, many=True).data)


class ProcedureCatalogueUpdateApi(SchedulingApiView):
    """PATCH /procedure-catalogue/{procedure_type}/ (administrators, If-Match)."""

    access = {"PATCH": ADMIN_ONLY}

    class InputSerializer(serializers.Serializer):
        duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60, required=False)
        resource_kinds = serializers.ListField(
            child=serializers.ChoiceField(choices=Resource.Kind.choices), allow_empty=False,
            required=False)
        fraction_options = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=40), required=False)

    @extend_schema(operation_id="procedure_catalogue_update", request=InputSerializer,
                   responses=CatalogueEntryOut)
    def patch(self, request: Request, procedure_type: str) -> Response:
        entry = ProcedureCatalogueEntry.objects.filter(procedure_type=procedure_type).first()
        if entry is None:
            raise Http404
        version = expected_version(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            entry = services.catalogue_entry_update(entry=entry, principal=self.principal,
                                                    expected_version=version,
                                                    changes=dict(data.validated_data))
        except StaleVersion as exc:
            raise api_error(exc) from None
        response = Response(CatalogueEntryOut(entry).data)
        response["ETag"] = etag_for(entry.version)
        return response
