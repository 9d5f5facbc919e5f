"""``cases/<id>/placement/``: why a case is (or is not) on an agenda."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from boardsvc import selectors
from core.audit import audit_record
from core.models import AuditEvent

from .base import READ, BoardsApi


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
        case, records = self.visible_or_404(selectors.case_placement_history, public_id,
                                            object_type="case", label="case")
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
