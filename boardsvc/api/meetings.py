"""``meetings/``, ``meetings/<id>/`` and the meeting clock: ``meetings/<id>/start/``,
``meetings/<id>/close/``."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from boardsvc import selectors, services
from boardsvc.models import Meeting
from core.api.concurrency import etag_for
from core.api.fields import AwareDateTimeField

from .base import MANAGE, READ, BoardsApi


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
        return obj.starts_at.astimezone(ZoneInfo(obj.board.timezone)).isoformat()

    def get_start_opens_at(self, obj: Meeting) -> str:
        """The earliest moment the meeting may be started (the board's start margin)."""
        return selectors.meeting_start_window(meeting=obj, now=timezone.now())[
            "opens_at"].isoformat()

    def get_minutes_used(self, obj: Meeting) -> int:
        return int(getattr(obj, "minutes_used", 0) or 0)

    def get_item_count(self, obj: Meeting) -> int:
        return int(getattr(obj, "item_count", 0) or 0)


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
        return self.paginated(queryset, MeetingOutput)


class MeetingDetailApi(BoardsApi):
    access = {"GET": READ}

    class OutputSerializer(MeetingOutput):
        quorum_now = serializers.SerializerMethodField()

        def get_quorum_now(self, obj: Meeting) -> dict[str, Any]:
            return selectors.meeting_quorum_at(meeting=obj, at=timezone.now())

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting(public_id)
        response = Response(self.OutputSerializer(meeting).data)
        response["ETag"] = etag_for(meeting.version)
        return response


class MeetingStartApi(BoardsApi):
    """Open the meeting; from the board's start margin before its start (409 ``start_margin``
    earlier, with ``start_opens_at``)."""

    access = {"POST": MANAGE}

    @extend_schema(request=None, responses=MeetingOutput)
    def post(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting(public_id)
        self.require_manager(meeting.board_id)
        services.meeting_start(meeting=meeting, principal=self.principal)
        return Response(MeetingOutput(self.meeting(public_id)).data)


class MeetingCloseApi(BoardsApi):
    """Finish the meeting: undiscussed items roll forward to the next meeting. Only a meeting
    that has started can close (409 ``not_started``)."""

    access = {"POST": MANAGE}

    @extend_schema(request=None, responses=MeetingOutput)
    def post(self, request: Request, public_id: Any) -> Response:
        meeting = self.meeting(public_id)
        self.require_manager(meeting.board_id)
        services.meeting_close(meeting=meeting, principal=self.principal)
        return Response(MeetingOutput(self.meeting(public_id)).data)
