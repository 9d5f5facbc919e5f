"""A meeting's agenda: ``meetings/<id>/agenda/`` (read, audited one row per case shown),
``meetings/<id>/agenda/reorder/``, ``meetings/<id>/agenda/late-additions/``, and one item's
``agenda-items/<id>/defer/`` and ``agenda-items/<id>/standard-of-care/``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from boardsvc import selectors, services
from boardsvc.models import AgendaItem
from cases import selectors as case_selectors
from cases.models import Case
from core.api.base import PageAudit, validated
from core.errors import RuleError
from core.models import AuditEvent

from .base import MANAGE, READ, BoardsApi


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


class AgendaRowOut(AgendaItemOutput):
    """AgendaItemOutput from a listed row (boardsvc.selectors.agenda_rows): the same fields
    and formats written out, without model instances or the generic field lookups. A test
    holds it to AgendaItemOutput's output for the same items."""

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        carried = row["carried_from__public_id"]
        decision = row["decision__public_id"]
        return {
            "public_id": str(row["public_id"]),
            "position": row["position"],
            "allotted_minutes": row["allotted_minutes"],
            "complex_case": row["complex_case"],
            "priority": row["priority"],
            "purpose": row["purpose"],
            "standard_of_care": row["standard_of_care"],
            "outcome": row["outcome"],
            "late_addition": row["late_addition"],
            "late_reason": row["late_reason"],
            "ratification_required": row["ratification_required"],
            "defer_reason": row["defer_reason"],
            "discussed_at": _INSTANT.to_representation(row["discussed_at"])
            if row["discussed_at"] is not None else None,
            "carry_count": row["carry_count"],
            "carried_from": {"public_id": str(carried),
                             "starts_at": row["carried_from__starts_at"].isoformat()}
            if carried is not None else None,
            "decision": str(decision) if decision is not None else None,
            "case": {
                "public_id": str(row["case__public_id"]),
                "patient": str(row["case__patient__public_id"]),
                "status": row["case__status"],
                "urgency": row["case__urgency"],
                "primary_histology": row["case__primary_histology"],
                "clinical_question": row["case__clinical_question"],
                "lesion_count": int(row["lesion_count"] or 0),
                "requested_board": row["case__requested_board"],
            },
        }


_INSTANT = serializers.DateTimeField()  # the API's date-time format and zone


class MeetingAgendaApi(BoardsApi):
    """The agenda in order with case summaries; one audit row per case shown."""

    access = {"GET": READ}

    @extend_schema(responses=AgendaItemOutput(many=True))
    def get(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting(public_id)
        return self.paginated(
            selectors.agenda_rows(meeting=meeting), AgendaRowOut,
            audit=PageAudit(AuditEvent.Action.READ, "case",
                            lambda row: (row["case__public_id"],
                                         row["case__patient__public_id"])))


class AgendaReorderApi(BoardsApi):
    access = {"POST": MANAGE}

    class InputSerializer(serializers.Serializer):
        items = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)

    @extend_schema(request=InputSerializer, responses=inline_serializer(
        "AgendaReorderResult", {"results": AgendaItemOutput(many=True)}))
    def post(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting(public_id)
        self.require_manager(meeting.board_id)
        values = validated(self.InputSerializer(data=request.data))
        services.agenda_reorder(meeting=meeting, item_public_ids=values["items"],
                                principal=self.principal)
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
        meeting = self.meeting(public_id)
        self.require_manager(meeting.board_id)
        values = validated(self.InputSerializer(data=request.data))
        try:
            case = case_selectors.case_get_visible(principal=self.principal,
                                                   public_id=values["case"])
        except Case.DoesNotExist:
            raise RuleError("No such case.", field="case", rule="does_not_exist") from None
        item = services.agenda_item_add_late(meeting=meeting, case=case, reason=values["reason"],
                                             principal=self.principal)
        item = selectors.agenda_entry(item=item)
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
        item = self.agenda_item(public_id)
        self.require_manager(item.meeting.board_id)
        values = validated(self.InputSerializer(data=request.data))
        record = services.agenda_item_defer(item=item, reason=values["reason"],
                                            principal=self.principal)
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
        item = self.agenda_item(public_id)
        self.require_manager(item.meeting.board_id)
        values = validated(self.InputSerializer(data=request.data))
        services.agenda_item_set_standard_of_care(
            item=item, standard_of_care=values["standard_of_care"], principal=self.principal)
        item = selectors.agenda_entry(item=item)
        return Response(AgendaItemOutput(item).data)
