"""``boards/`` and ``boards/<id>/``: the boards the caller may see, one board with its members."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from boardsvc import selectors
from boardsvc.models import Board
from core.api.fields import WallClockTimeField

from .base import READ, BoardsApi


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


class BoardListApi(BoardsApi):
    access = {"GET": READ}
    OutputSerializer = BoardOutput

    @extend_schema(responses=BoardOutput(many=True))
    def get(self, request: Request) -> Response:
        return self.paginated(selectors.board_list_visible(principal=self.principal),
                              BoardOutput)


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
        board = self.visible_or_404(selectors.board_get_visible, public_id, object_type="board",
                                    label="board")
        return Response(self.OutputSerializer(board).data)
