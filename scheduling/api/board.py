"""``GET /api/v1/plans/{id}/board/``: the booking board of one plan's procedure (issue 13): the
resources that can take it, their bookings and closures over a day or a week, and every free
start with the timing rules' verdict (preferred, allowed, warning, refused, with the rules).

Each booking lists the people booked with it (``staff``: operator, anaesthesia team), read in
one query for all of them (scheduling.selectors.board.board_people).

Read in the caller's case scope (another board's plan is 404), audited as one read of the
plan's case; the window is bounded (``view=day`` or ``week``), so the answer is not paginated.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.audit import audit_record
from core.dates import DateLimitError, parse_day
from core.errors import RuleError
from core.models import AuditEvent
from scheduling import selectors
from scheduling.api.base import READ, SchedulingApiView
from scheduling.domain.board import SlotStatus
from scheduling.selectors import board as board_selectors


def _board_body(board: board_selectors.PlanBoard, *, view: str) -> dict[str, Any]:
    rooms = {r.pk: str(r.public_id) for r in board.resources}
    return {
        "plan": str(board.plan.public_id),
        "procedure": str(board.chosen.public_id) if board.chosen else None,
        "procedure_type": board.chosen.procedure_type if board.chosen else None,
        "duration_minutes": int(board.duration.total_seconds() // 60),
        "timezone": board.tz,
        "view": view,
        "from": board.lo,
        "to": board.hi,
        "procedures": [{
            "procedure": str(row["procedure"].public_id),
            "procedure_type": row["procedure"].procedure_type,
            "purpose": row["procedure"].purpose,
            "target_lesion": (str(row["procedure"].target_lesion.public_id)
                              if row["procedure"].target_lesion_id else None),
            "step": row["step"],
            "booked": row["booking"] is not None,
        } for row in board.procedures],
        "resources": [{
            "resource": str(r.public_id), "code": r.code, "name": r.name, "kind": r.kind,
            "open": [{"start": p.start, "end": p.end}
                     for p in board.open_periods.get(r.pk, [])],
        } for r in board.resources],
        "bookings": [{
            "booking": str(b.public_id), "resource": rooms[b.resource_id],
            "start": b.start, "end": b.end, "status": b.status,
            "pseudonym": str(b.pseudonym), "procedure_type": b.procedure_type,
            "this_plan": b.plan_id == board.plan.pk,
            "staff": [{"id": str(p.public_id), "code": p.code, "name": p.name, "kind": p.kind}
                      for p in b.staff],
        } for b in board.bookings],
        "closures": [{
            "resource": rooms[x.resource_id],
            "kind": x.kind, "start": x.start, "end": x.end, "reason": x.reason,
        } for x in board.closures],
        "rules": [{
            "rule": b.rule_id, "rule_code": b.rule_code, "severity": str(b.severity),
            "windows": [{"earliest": w.earliest, "latest": w.latest} for w in b.windows],
            "rationale": board.rules.get(b.rule_code, {}).get("rationale", ""),
        } for b in board.bands],
        "slots": [{
            "resource": str(s.resource.public_id), "start": s.start, "end": s.end,
            "verdict": s.verdict.status.value, "rules": list(s.verdict.rule_ids),
        } for s in board.slots],
    }


class PlanBoardApi(SchedulingApiView):
    """GET /plans/{id}/board/?procedure=&day=&view=day|week: the board of one procedure (the
    first unbooked one in the rules' order when ``procedure`` is absent)."""

    access = {"GET": READ}

    @extend_schema(
        operation_id="plan_board",
        parameters=[
            OpenApiParameter("procedure", OpenApiTypes.UUID, required=False,
                             description="A procedure of the plan (default: the first "
                                         "unbooked one in the order the rules imply)."),
            OpenApiParameter("day", OpenApiTypes.DATE, required=False,
                             description="First day shown, in the site's zone (default: "
                                         "tomorrow)."),
            OpenApiParameter("view", str, required=False, enum=["day", "week"]),
        ],
        responses=inline_serializer("PlanBoardOutput", {
            "plan": serializers.UUIDField(),
            "procedure": serializers.UUIDField(allow_null=True),
            "procedure_type": serializers.CharField(allow_null=True),
            "duration_minutes": serializers.IntegerField(),
            "timezone": serializers.CharField(),
            "view": serializers.ChoiceField(choices=["day", "week"]),
            "from": serializers.DateTimeField(),
            "to": serializers.DateTimeField(),
            "procedures": serializers.ListField(child=serializers.DictField()),
            "resources": serializers.ListField(child=serializers.DictField()),
            "bookings": inline_serializer("PlanBoardBooking", {
                "booking": serializers.UUIDField(),
                "resource": serializers.UUIDField(),
                "start": serializers.DateTimeField(),
                "end": serializers.DateTimeField(),
                "status": serializers.CharField(),
                "pseudonym": serializers.UUIDField(),
                "procedure_type": serializers.CharField(),
                "this_plan": serializers.BooleanField(),
                "staff": inline_serializer("PlanBoardPerson", {
                    "id": serializers.UUIDField(),
                    "code": serializers.CharField(),
                    "name": serializers.CharField(),
                    "kind": serializers.CharField(),
                }, many=True),
            }, many=True),
            "closures": serializers.ListField(child=serializers.DictField()),
            "rules": serializers.ListField(child=serializers.DictField()),
            "slots": inline_serializer("PlanBoardSlot", {
                "resource": serializers.UUIDField(),
                "start": serializers.DateTimeField(),
                "end": serializers.DateTimeField(),
                "verdict": serializers.ChoiceField(choices=[s.value for s in SlotStatus]),
                "rules": serializers.ListField(child=serializers.CharField()),
            }, many=True),
        }))
    def get(self, request: Request, public_id: object) -> Response:
        plan = selectors.plan_get(principal=self.principal, public_id=str(public_id))
        params = request.query_params
        day = timezone.localdate() + timedelta(days=1)
        if params.get("day"):
            try:
                day = parse_day(params["day"])
            except DateLimitError as exc:
                raise RuleError(exc.message, field="day", rule=exc.rule) from None
        view = params.get("view") or "day"
        days = board_selectors.parse_view(view)
        board = board_selectors.plan_board(plan=plan, procedure=params.get("procedure", ""),
                                           first_day=day, days=days, now=timezone.now())
        board_selectors.board_people(board)
        audit_record(principal=self.principal, action=AuditEvent.Action.READ,
                     object_type="plan_board", object_id=plan.public_id,
                     patient_pseudonym=plan.case.patient.public_id, path=request.path)
        return Response(_board_body(board, view=view))
