"""``meetings/<id>/attendance/`` (who is present, and the quorum now) and
``meetings/<id>/attendance/record/`` (an arrival or a departure)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from boardsvc import selectors, services
from boardsvc.models import Specialty
from core.api.base import validated
from core.api.fields import AwareDateTimeField
from core.api.pagination import StandardPagination
from core.errors import RuleError

from .base import ATTEND, READ, BoardsApi


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
        meeting = self.meeting(public_id)
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
        meeting = self.meeting(public_id)
        values = validated(self.InputSerializer(data=request.data))
        principal = self.principal
        if "username" in values:
            user = selectors.active_user(username=values["username"])
            if user is None:
                raise RuleError("No such person.", field="username", rule="does_not_exist")
        elif principal.is_user:
            user = principal.user
        else:
            raise RuleError("Name the person.", field="username", rule="required")
        if not (principal.is_user and user.pk == principal.user.pk):
            self.require_manager(meeting.board_id)
        if values["action"] == "arrive":
            attendance = services.attendance_arrive(
                meeting=meeting, user=user, principal=principal,
                specialty=values.get("specialty", ""), at=values.get("at"))
            code = status.HTTP_201_CREATED
        else:
            attendance = services.attendance_leave(meeting=meeting, user=user,
                                                   principal=principal, at=values.get("at"))
            code = status.HTTP_200_OK
        return Response(AttendanceOutput(attendance).data, status=code)
