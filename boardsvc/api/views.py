"""REST API for boards, meetings, agendas, attendance and decisions (one APIView per operation).

Each view parses, authorises, calls one service or selector and serialises (README, "Architecture").
Access: members see only their boards (another board's meeting is 404); chairs, board
coordinators, group coordinators and administrators manage agendas and record decisions (a
member of the board without that role gets 403); system clients need agenda:read to read and
decisions:write to write. Agenda reads are audited one row per case shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from boardsvc import selectors, services
from boardsvc.models import AgendaItem, Board, Decision, Meeting, Specialty
from cases import selectors as case_selectors
from cases.domain.codes import EmbolizationPurpose, Intent, ProcedurePurpose, ProcedureType
from cases.domain.purposes import legacy_purpose, purpose_problem
from cases.models import Case
from core.access import Principal
from core.api.base import ProjectApiView, validated
from core.api.concurrency import etag_for, expected_version
from core.api.exceptions import Conflict, DomainRuleError, PreconditionFailed
from core.api.fields import AwareDateTimeField, WallClockTimeField
from core.api.idempotency import idempotent
from core.api.pagination import StandardPagination
from core.audit import audit_record, audit_record_many
from core.models import AuditEvent

User = get_user_model()

READERS = {"member", "chair", "board_coordinator", "coordinator"}
MANAGERS = {"chair", "board_coordinator", "coordinator"}
READ = (READERS, "agenda:read")
MANAGE = (MANAGERS, "decisions:write")
ATTEND = (READERS, "decisions:write")


def rule_error(exc: services.BoardRuleError) -> Exception:
    """A service rule error as problem+json: 409 for a wrong state, else 400 with the field."""
    if exc.status == status.HTTP_409_CONFLICT:
        return Conflict(exc.message, errors=exc.errors, extra=exc.extra)
    return DomainRuleError(exc.message, errors=exc.errors, status_code=exc.status,
                           extra=exc.extra)


class BoardsApi(ProjectApiView):
    object_type = "meeting"

    def denied(self, object_type: str, public_id: Any, exc: Exception) -> Exception:
        """Audit a refused access (docs/security.md, row S8) and return the exception to raise."""
        audit_record(principal=self.principal, action=AuditEvent.Action.READ,
                     outcome=AuditEvent.Outcome.DENIED, object_type=object_type,
                     object_id=public_id, path=self.request.path)
        return exc

    def meeting_or_404(self, public_id: Any) -> Meeting:
        try:
            return selectors.meeting_get_visible(principal=self.principal, public_id=public_id)
        except Meeting.DoesNotExist:
            raise self.denied("meeting", public_id, NotFound("No such meeting.")) from None

    def item_or_404(self, public_id: Any) -> AgendaItem:
        try:
            return selectors.agenda_item_get_visible(principal=self.principal,
                                                     public_id=public_id)
        except AgendaItem.DoesNotExist:
            raise self.denied("agenda_item", public_id,
                              NotFound("No such agenda item.")) from None

    def require_manager(self, board_id: int) -> None:
        if not selectors.principal_manages_board(principal=self.principal, board_id=board_id):
            raise self.denied(self.object_type, self.kwargs.get("public_id", ""),
                              PermissionDenied("Only the board's chair or coordinators may "
                                               "do this."))


# --- Serializers shared by several views -------------------------------------------------------


class BoardOutput(serializers.Serializer):
    public_id = serializers.UUIDField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    focus = serializers.CharField()
    timezone = serializers.CharField()
    histologies = serializers.ListField(child=serializers.CharField())
    recurrence_active = serializers.BooleanField()
    recurrence_weekday = serializers.IntegerField()
    recurrence_time = WallClockTimeField()
    default_duration_minutes = serializers.IntegerField()
    capacity_minutes = serializers.IntegerField()
    cutoff_hours = serializers.IntegerField()
    standard_case_minutes = serializers.IntegerField()
    complex_case_minutes = serializers.IntegerField()
    quorum_requirements = serializers.ListField(child=serializers.ListField(
        child=serializers.CharField()))
    oncall_start = WallClockTimeField()
    oncall_end = WallClockTimeField()
    start_margin_minutes = serializers.IntegerField()


class MeetingOutput(serializers.Serializer):
    public_id = serializers.UUIDField()
    board = serializers.UUIDField(source="board.public_id")
    board_slug = serializers.SlugField(source="board.slug")
    kind = serializers.CharField()
    status = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    cutoff_at = serializers.DateTimeField()
    local_start = serializers.SerializerMethodField()
    start_opens_at = serializers.SerializerMethodField()
    capacity_minutes = serializers.IntegerField()
    minutes_used = serializers.SerializerMethodField()
    item_count = serializers.SerializerMethodField()
    virtual = serializers.BooleanField()
    location = serializers.CharField()
    note = serializers.CharField()
    version = serializers.IntegerField()

    def get_local_start(self, obj: Meeting) -> str:
        from zoneinfo import ZoneInfo

        return obj.starts_at.astimezone(ZoneInfo(obj.board.timezone)).isoformat()

    def get_start_opens_at(self, obj: Meeting) -> str:
        """The earliest moment the meeting may be started (the board's start margin)."""
        return selectors.meeting_start_window(meeting=obj, now=timezone.now())[
            "opens_at"].isoformat()

    def get_minutes_used(self, obj: Meeting) -> int:
        return int(getattr(obj, "minutes_used", 0) or 0)

    def get_item_count(self, obj: Meeting) -> int:
        return int(getattr(obj, "item_count", 0) or 0)


class AgendaItemOutput(serializers.Serializer):
    public_id = serializers.UUIDField()
    position = serializers.IntegerField()
    allotted_minutes = serializers.IntegerField()
    complex_case = serializers.BooleanField()
    priority = serializers.CharField()
    purpose = serializers.CharField()
    standard_of_care = serializers.BooleanField()
    outcome = serializers.CharField()
    late_addition = serializers.BooleanField()
    late_reason = serializers.CharField()
    ratification_required = serializers.BooleanField()
    defer_reason = serializers.CharField()
    discussed_at = serializers.DateTimeField(allow_null=True)
    carry_count = serializers.IntegerField()
    carried_from = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()
    case = serializers.SerializerMethodField()

    def get_carried_from(self, obj: AgendaItem) -> dict[str, Any] | None:
        """The meeting this item was carried over from (undiscussed), or None."""
        meeting = obj.carried_from
        if meeting is None:
            return None
        return {"public_id": str(meeting.public_id), "starts_at": meeting.starts_at.isoformat()}

    def get_decision(self, obj: AgendaItem) -> str | None:
        decision = getattr(obj, "decision", None) if hasattr(obj, "decision") else None
        return str(decision.public_id) if decision is not None else None

    def get_case(self, obj: AgendaItem) -> dict[str, Any]:
        case = obj.case
        return {
            "public_id": str(case.public_id),
            "patient": str(case.patient.public_id),
            "status": case.status,
            "urgency": case.urgency,
            "primary_histology": case.primary_histology,
            "clinical_question": case.clinical_question,
            "lesion_count": int(getattr(obj, "lesion_count", 0) or 0),
            "requested_board": case.requested_board,
        }


# --- Boards ------------------------------------------------------------------------------------


class BoardListApi(BoardsApi):
    access = {"GET": READ}
    OutputSerializer = BoardOutput

    @extend_schema(responses=BoardOutput(many=True))
    def get(self, request: Request) -> Response:
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            selectors.board_list_visible(principal=self.principal), request, view=self)
        return paginator.get_paginated_response(BoardOutput(page, many=True).data)


class BoardDetailApi(BoardsApi):
    access = {"GET": READ}

    class OutputSerializer(BoardOutput):
        members = serializers.SerializerMethodField()

        def get_members(self, obj: Board) -> list[dict[str, Any]]:
            return [
                {"username": m.user.get_username(), "name": m.user.get_full_name(),
                 "specialty": m.specialty, "role": m.role}
                for m in obj.members.all()
            ]

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, public_id: Any) -> Response:
        try:
            board = selectors.board_get_visible(principal=self.principal, public_id=public_id)
        except Board.DoesNotExist:
            raise self.denied("board", public_id, NotFound("No such board.")) from None
        return Response(self.OutputSerializer(board).data)


# --- Meetings ----------------------------------------------------------------------------------


class MeetingListApi(BoardsApi):
    access = {"GET": READ}

    class FilterSerializer(serializers.Serializer):
        board = serializers.UUIDField(required=False)
        starts_from = AwareDateTimeField(required=False)
        starts_to = AwareDateTimeField(required=False)
        status = serializers.MultipleChoiceField(choices=Meeting.Status.choices, required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            start, end = attrs.get("starts_from"), attrs.get("starts_to")
            if start and end and end <= start:
                raise serializers.ValidationError(
                    {"starts_to": serializers.ErrorDetail("Must be after starts_from.",
                                                          code="after_start")})
            return attrs

    @extend_schema(
        parameters=[
            OpenApiParameter("board", OpenApiTypes.UUID, description="Board public id"),
            OpenApiParameter("starts_from", OpenApiTypes.DATETIME,
                             description="Start at or after (ISO 8601 with offset)"),
            OpenApiParameter("starts_to", OpenApiTypes.DATETIME,
                             description="Start before (ISO 8601 with offset); after starts_from"),
            OpenApiParameter("status", str, many=True, explode=True,
                             enum=[value for value, _ in Meeting.Status.choices]),
        ],
        responses=MeetingOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data={
            **{k: v for k, v in request.query_params.items() if k != "status"},
            **({"status": request.query_params.getlist("status")}
               if "status" in request.query_params else {}),
        })
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        queryset = selectors.meeting_list_visible(
            principal=self.principal, board=data.get("board"),
            starts_from=data.get("starts_from"), starts_to=data.get("starts_to"),
            status=data.get("status") or (),
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(MeetingOutput(page, many=True).data)


class MeetingDetailApi(BoardsApi):
    access = {"GET": READ}

    class OutputSerializer(MeetingOutput):
        quorum_now = serializers.SerializerMethodField()

        def get_quorum_now(self, obj: Meeting) -> dict[str, Any]:
            return selectors.meeting_quorum_at(meeting=obj, at=timezone.now())

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting_or_404(public_id)
        response = Response(self.OutputSerializer(meeting).data)
        response["ETag"] = etag_for(meeting.version)
        return response


class MeetingAgendaApi(BoardsApi):
    """The agenda in order with case summaries; one audit row per case shown."""

    access = {"GET": READ}

    @extend_schema(responses=AgendaItemOutput(many=True))
    def get(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting_or_404(public_id)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(selectors.agenda_for_meeting(meeting=meeting),
                                           request, view=self)
        audit_record_many(
            principal=self.principal, action=AuditEvent.Action.READ, object_type="case",
            objects=[(item.case.public_id, item.case.patient.public_id) for item in page],
            path=request.path,
        )
        return paginator.get_paginated_response(AgendaItemOutput(page, many=True).data)


class MeetingStartApi(BoardsApi):
    """Open the meeting; from the board's start margin before its start (409 ``start_margin``
    earlier, with ``start_opens_at``)."""

    access = {"POST": MANAGE}

    @extend_schema(request=None, responses=MeetingOutput)
    def post(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting_or_404(public_id)
        self.require_manager(meeting.board_id)
        try:
            services.meeting_start(meeting=meeting, principal=self.principal)
        except services.BoardRuleError as exc:
            raise rule_error(exc) from None
        return Response(MeetingOutput(self.meeting_or_404(public_id)).data)


class MeetingCloseApi(BoardsApi):
    """Finish the meeting: undiscussed items roll forward to the next meeting. Only a meeting
    that has started can close (409 ``not_started``)."""

    access = {"POST": MANAGE}

    @extend_schema(request=None, responses=MeetingOutput)
    def post(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting_or_404(public_id)
        self.require_manager(meeting.board_id)
        try:
            services.meeting_close(meeting=meeting, principal=self.principal)
        except services.BoardRuleError as exc:
            raise rule_error(exc) from None
        return Response(MeetingOutput(self.meeting_or_404(public_id)).data)


# --- Agenda actions ------------------------------------------------------------------------------


class AgendaReorderApi(BoardsApi):
    access = {"POST": MANAGE}

    class InputSerializer(serializers.Serializer):
        items = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)

    @extend_schema(request=InputSerializer, responses=inline_serializer(
        "AgendaReorderResult", {"results": AgendaItemOutput(many=True)}))
    def post(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting_or_404(public_id)
        self.require_manager(meeting.board_id)
        values = validated(self.InputSerializer(data=request.data))
        try:
            services.agenda_reorder(meeting=meeting, item_public_ids=values["items"],
                                    principal=self.principal)
        except services.BoardRuleError as exc:
            raise rule_error(exc) from None
        items = list(selectors.agenda_for_meeting(meeting=meeting))
        return Response({"results": AgendaItemOutput(items, many=True).data})


class AgendaLateAddApi(BoardsApi):
    """Add a case to this meeting; after the cut-off only urgent cases with a reason (R13)."""

    access = {"POST": MANAGE}

    class InputSerializer(serializers.Serializer):
        case = serializers.UUIDField()
        reason = serializers.CharField(max_length=300, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: AgendaItemOutput})
    def post(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting_or_404(public_id)
        self.require_manager(meeting.board_id)
        values = validated(self.InputSerializer(data=request.data))
        try:
            case = case_selectors.case_get_visible(principal=self.principal,
                                                   public_id=values["case"])
        except Case.DoesNotExist:
            raise DomainRuleError("No such case.", errors=[
                {"field": "case", "rule": "does_not_exist", "message": "No such case."}
            ]) from None
        try:
            item = services.agenda_item_add_late(
                meeting=meeting, case=case, reason=values["reason"],
                principal=self.principal)
        except services.BoardRuleError as exc:
            raise rule_error(exc) from None
        item = selectors.agenda_for_meeting(meeting=meeting).get(pk=item.pk)
        return Response(AgendaItemOutput(item).data, status=status.HTTP_201_CREATED)


class AgendaItemDeferApi(BoardsApi):
    access = {"POST": MANAGE}

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

    class OutputSerializer(serializers.Serializer):
        deferred = serializers.UUIDField()
        outcome = serializers.CharField()
        meeting = serializers.UUIDField(allow_null=True)
        agenda_item = serializers.UUIDField(allow_null=True)
        explanation = serializers.ListField(child=serializers.DictField())

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: Request, public_id: Any) -> Response:
        item = self.item_or_404(public_id)
        self.require_manager(item.meeting.board_id)
        values = validated(self.InputSerializer(data=request.data))
        try:
            record = services.agenda_item_defer(item=item, reason=values["reason"],
                                                principal=self.principal)
        except services.BoardRuleError as exc:
            raise rule_error(exc) from None
        return Response(self.OutputSerializer({
            "deferred": item.public_id, "outcome": record.outcome,
            "meeting": record.meeting.public_id if record.meeting else None,
            "agenda_item": record.agenda_item.public_id if record.agenda_item else None,
            "explanation": record.explanation,
        }).data)


class AgendaItemStandardOfCareApi(BoardsApi):
    """Mark an item standard of care (listed, not discussed), or undo it."""

    access = {"POST": MANAGE}

    class InputSerializer(serializers.Serializer):
        standard_of_care = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses=AgendaItemOutput)
    def post(self, request: Request, public_id: Any) -> Response:
        item = self.item_or_404(public_id)
        self.require_manager(item.meeting.board_id)
        values = validated(self.InputSerializer(data=request.data))
        try:
            services.agenda_item_set_standard_of_care(
                item=item, standard_of_care=values["standard_of_care"],
                principal=self.principal)
        except services.BoardRuleError as exc:
            raise rule_error(exc) from None
        item = selectors.agenda_for_meeting(meeting=item.meeting).get(pk=item.pk)
        return Response(AgendaItemOutput(item).data)


# --- Attendance --------------------------------------------------------------------------------


class AttendanceOutput(serializers.Serializer):
    public_id = serializers.UUIDField()
    username = serializers.CharField(source="user.username")
    specialty = serializers.CharField()
    stand_in = serializers.BooleanField()
    arrived_at = serializers.DateTimeField()
    left_at = serializers.DateTimeField(allow_null=True)


class AttendanceListApi(BoardsApi):
    access = {"GET": READ}

    @extend_schema(responses=AttendanceOutput(many=True))
    def get(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting_or_404(public_id)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(selectors.attendance_for_meeting(meeting=meeting),
                                           request, view=self)
        response = paginator.get_paginated_response(AttendanceOutput(page, many=True).data)
        response.data["quorum_now"] = selectors.meeting_quorum_at(meeting=meeting,
                                                                  at=timezone.now())
        return response


class AttendanceRecordApi(BoardsApi):
    """Record an arrival or a departure. Members record themselves; chairs and coordinators
    record anyone (a stand-in names the specialty they cover)."""

    access = {"POST": ATTEND}

    class InputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=["arrive", "leave"])
        username = serializers.CharField(max_length=150, required=False)
        specialty = serializers.ChoiceField(choices=Specialty.choices, required=False)
        at = AwareDateTimeField(required=False)

    @extend_schema(request=InputSerializer, responses=AttendanceOutput)
    def post(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting_or_404(public_id)
        values = validated(self.InputSerializer(data=request.data))
        principal = self.principal
        if "username" in values:
            user = User.objects.filter(username=values["username"], is_active=True).first()
            if user is None:
                raise DomainRuleError("No such person.", errors=[
                    {"field": "username", "rule": "does_not_exist", "message": "No such person."}
                ])
        elif principal.is_user:
            user = principal.user
        else:
            raise DomainRuleError("Name the person.", errors=[
                {"field": "username", "rule": "required", "message": "Name the person."}])
        if not (principal.is_user and user.pk == principal.user.pk):
            self.require_manager(meeting.board_id)
        try:
            if values["action"] == "arrive":
                attendance = services.attendance_arrive(
                    meeting=meeting, user=user, principal=principal,
                    specialty=values.get("specialty", ""), at=values.get("at"))
                code = status.HTTP_201_CREATED
            else:
                attendance = services.attendance_leave(meeting=meeting, user=user,
                                                       principal=principal, at=values.get("at"))
                code = status.HTTP_200_OK
        except services.BoardRuleError as exc:
            raise rule_error(exc) from None
        return Response(AttendanceOutput(attendance).data, status=code)


# --- Decisions ---------------------------------------------------------------------------------


class ProcedureInput(serializers.Serializer):
    """One procedure of the plan. ``purpose`` (why it is done: it decides the timing rules
    that bind it) and ``prepares_index`` (the index, in this list, of the procedure it
    prepares: a pre-operative embolization → its surgery, a pre-ablation embolization → its
    ablation) link the plan as decision support suggested it (issue 11, item 2)."""

    procedure_type = serializers.ChoiceField(choices=ProcedureType.choices())
    intent = serializers.ChoiceField(choices=Intent.choices())
    purpose = serializers.ChoiceField(
        choices=ProcedurePurpose.choices(), required=False, allow_blank=True,
        help_text="Allowed per procedure type: an embolization is pre_operative, pre_ablation, "
                  "palliative, curative or post_operative; an ablation curative or palliative; "
                  "other procedures carry none.")
    prepares_index = serializers.IntegerField(
        required=False, allow_null=True, min_value=0,
        help_text="Index in this list of the procedure this one prepares (needs purpose "
                  "pre_operative → surgery/osteosynthesis, or pre_ablation → an ablation).")
    embolization_purpose = serializers.ChoiceField(
        choices=[*EmbolizationPurpose.choices(),
                 *((c, label) for c, label in ProcedurePurpose.choices()
                   if c not in {e.value for e in EmbolizationPurpose})],
        required=False, allow_blank=True,
        help_text="Deprecated alias of purpose for an embolization (\"adjuvant\" is read as "
                  "\"pre_ablation\"). Send purpose instead.")
    target_lesion = serializers.UUIDField(required=False, allow_null=True)
    fractions = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                         max_value=50)
    dose_gy = serializers.DecimalField(required=False, allow_null=True, max_digits=5,
                                       decimal_places=2, min_value=0, max_value=200)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=300)
    same_session_with_index = serializers.IntegerField(required=False, allow_null=True,
                                                       min_value=0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs["procedure_type"]
        legacy = attrs.get("embolization_purpose") or ""
        if legacy and kind != "embolization":
            raise serializers.ValidationError({"embolization_purpose": serializers.ErrorDetail(
                "Only an embolization has an embolization purpose; send purpose.",
                code="only_embolization")})
        purpose = attrs.get("purpose") or ""
        if legacy and purpose and legacy_purpose(legacy) != purpose:
            raise serializers.ValidationError({"embolization_purpose": serializers.ErrorDetail(
                "purpose and the deprecated embolization_purpose disagree; send purpose only.",
                code="conflict")})
        problem = purpose_problem(kind, purpose or legacy_purpose(legacy))
        if problem is not None:
            raise serializers.ValidationError({"purpose": serializers.ErrorDetail(
                problem, code="purpose_not_allowed")})
        return attrs


class DecisionOutput(serializers.Serializer):
    public_id = serializers.UUIDField()
    version = serializers.IntegerField()
    meeting = serializers.UUIDField(source="meeting.public_id")
    agenda_item = serializers.UUIDField(source="agenda_item.public_id")
    case = serializers.UUIDField(source="case.public_id")
    outcome_text = serializers.CharField()
    procedures = serializers.ListField(child=serializers.DictField())
    plan = serializers.UUIDField(source="plan_public_id", allow_null=True)
    suggestions_snapshot = serializers.DictField()
    followed_suggestions = serializers.BooleanField()
    departures = serializers.ListField(child=serializers.DictField())
    override_reason = serializers.CharField()
    quorum_met = serializers.BooleanField()
    quorum = serializers.DictField(source="quorum_snapshot")
    emergency = serializers.BooleanField()
    ratification_required = serializers.BooleanField()
    ratified_at = serializers.DateTimeField(allow_null=True)
    recorded_by = serializers.SerializerMethodField()
    recorded_at = serializers.DateTimeField()
    amended_at = serializers.DateTimeField(allow_null=True)
    revisions = serializers.SerializerMethodField()

    def get_recorded_by(self, obj: Decision) -> str:
        if obj.recorded_by_id:
            return obj.recorded_by.get_username()
        return f"client:{obj.recorded_by_client}" if obj.recorded_by_client else "system"

    def get_revisions(self, obj: Decision) -> list[dict[str, Any]]:
        return [{"version": r.version, "at": r.at, "reason": r.reason, "snapshot": r.snapshot}
                for r in obj.revisions.all()]


def _decision_response(principal: Principal, public_id: Any, code: int = 200) -> Response:
    decision = selectors.decision_get_visible(principal=principal, public_id=public_id)
    return _decision_body(decision, code)


def _decision_body(decision: Decision, code: int = 200) -> Response:
    response = Response(DecisionOutput(decision).data, status=code)
    response["ETag"] = etag_for(decision.version)
    return response


def _decision_replay_audit(body: Mapping[str, Any]) -> tuple[str, object, object]:
    """What an Idempotency-Key replay of a decision body discloses (core.api.idempotency).
    The body names the case, not the patient: the pseudonym is looked up."""
    return ("decision", body["public_id"],
            case_selectors.case_pseudonym_for(public_id=str(body["case"])))


class DecisionCreateApi(BoardsApi):
    """Record the decision on an agenda item (the meeting must be in session).

    Takes an optional Idempotency-Key (required for system clients)."""

    access = {"POST": MANAGE}
    idempotency_key = "optional"  # published; required for system clients (core.api.idempotency)

    class InputSerializer(serializers.Serializer):
        outcome_text = serializers.CharField(max_length=5000)
        procedures = ProcedureInput(many=True, required=False, default=list)
        override_reason = serializers.CharField(max_length=2000, required=False,
                                                allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: DecisionOutput})
    def post(self, request: Request, public_id: Any) -> Response:
        item = self.item_or_404(public_id)
        self.require_manager(item.meeting.board_id)

        def handler() -> Response:
            values = validated(self.InputSerializer(data=request.data))
            try:
                decision = services.decision_record(
                    item=item, outcome_text=values["outcome_text"],
                    procedures=[dict(p) for p in values["procedures"]],
                    override_reason=values["override_reason"], principal=self.principal)
            except services.BoardRuleError as exc:
                raise rule_error(exc) from None
            response = _decision_response(self.principal, decision.public_id, 201)
            response["Location"] = f"/api/v1/decisions/{decision.public_id}/"
            return response

        return idempotent(request, endpoint=f"decision-create:{item.public_id}", handler=handler,
                          replay_audit=_decision_replay_audit)


class DecisionDetailApi(BoardsApi):
    access = {"GET": READ}

    @extend_schema(responses=DecisionOutput)
    def get(self, request: Request, public_id: Any) -> Response:
        try:
            decision = selectors.decision_get_visible(principal=self.principal,
                                                      public_id=public_id)
        except Decision.DoesNotExist:
            raise self.denied("decision", public_id, NotFound("No such decision.")) from None
        # The patient's pseudonym, not the case id (issue 10, item 7).
        audit_record(principal=self.principal, action=AuditEvent.Action.READ,
                     object_type="decision", object_id=decision.public_id,
                     patient_pseudonym=decision.case.patient.public_id, path=request.path)
        return _decision_body(decision)


class DecisionAmendApi(BoardsApi):
    """Amend a decision after the meeting; needs If-Match (428 missing, 412 stale). The
    original stays visible in ``revisions``."""

    access = {"PATCH": MANAGE}

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300)
        outcome_text = serializers.CharField(max_length=5000, required=False)
        procedures = ProcedureInput(many=True, required=False)
        override_reason = serializers.CharField(max_length=2000, required=False,
                                                allow_blank=True)

    @extend_schema(request=InputSerializer, responses=DecisionOutput)
    def patch(self, request: Request, public_id: Any) -> Response:
        try:
            decision = selectors.decision_get_visible(principal=self.principal,
                                                      public_id=public_id)
        except Decision.DoesNotExist:
            raise self.denied("decision", public_id, NotFound("No such decision.")) from None
        self.require_manager(decision.meeting.board_id)
        version = expected_version(request)
        values = validated(self.InputSerializer(data=request.data))
        try:
            services.decision_amend(
                decision=decision, expected_version=version, reason=values["reason"],
                principal=self.principal, outcome_text=values.get("outcome_text"),
                procedures=([dict(p) for p in values["procedures"]]
                            if "procedures" in values else None),
                override_reason=values.get("override_reason"))
        except services.StaleDecision as exc:
            raise PreconditionFailed(
                f"The decision changed since you read it (current ETag {etag_for(exc.current)})."
            ) from None
        except services.BoardRuleError as exc:
            raise rule_error(exc) from None
        return _decision_response(self.principal, public_id)


class DecisionRatifyApi(BoardsApi):
    """Ratify an emergency decision from its ratification item at a regular meeting."""

    access = {"POST": MANAGE}

    @extend_schema(request=None, responses=DecisionOutput)
    def post(self, request: Request, public_id: Any) -> Response:
        item = self.item_or_404(public_id)
        self.require_manager(item.meeting.board_id)
        try:
            decision = services.decision_ratify(item=item, principal=self.principal)
        except services.BoardRuleError as exc:
            raise rule_error(exc) from None
        return _decision_response(self.principal, decision.public_id)


# --- Placement explanation ---------------------------------------------------------------------


class CasePlacementExplanationApi(BoardsApi):
    """Why a case is (or is not) on an agenda: every placement attempt, newest first."""

    access = {"GET": READ}
    paginated = False  # bounded: the 50 newest attempts, in one envelope

    class OutputSerializer(serializers.Serializer):
        at = serializers.DateTimeField()
        outcome = serializers.CharField()
        board = serializers.SlugField(source="board.slug", allow_null=True, default=None)
        meeting = serializers.UUIDField(source="meeting.public_id", allow_null=True,
                                        default=None)
        meeting_starts_at = serializers.DateTimeField(source="meeting.starts_at",
                                                      allow_null=True, default=None)
        agenda_item = serializers.UUIDField(source="agenda_item.public_id", allow_null=True,
                                            default=None)
        explanation = serializers.ListField(child=serializers.DictField())
        unresolved = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses=inline_serializer("CasePlacementHistory", {
        "case": serializers.UUIDField(),
        "status": serializers.CharField(),
        "count": serializers.IntegerField(),
        "results": OutputSerializer(many=True),
    }))
    def get(self, request: Request, public_id: Any) -> Response:
        try:
            case, records = selectors.case_placement_history(principal=self.principal,
                                                             case_public_id=public_id)
        except Case.DoesNotExist:
            raise self.denied("case", public_id, NotFound("No such case.")) from None
        audit_record(principal=self.principal, action=AuditEvent.Action.READ,
                     object_type="case", object_id=case.public_id,
                     patient_pseudonym=case.patient.public_id, path=request.path,
                     detail={"view": "placement"})
        return Response({
            "case": str(case.public_id),
            "status": case.status,
            "count": len(records),
            "results": self.OutputSerializer(records, many=True).data,
        })

