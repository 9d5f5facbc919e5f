"""Kernel endpoints: who am I, my notifications, the audit trail (administrators)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import (
    ROLE_ADMIN,
    ROLE_CHAIR,
    ROLE_COORDINATOR,
    ROLE_MEMBER,
    principal_from_request,
)
from core.api.fields import AwareDateTimeField
from core.api.pagination import StandardPagination
from core.api.permissions import RoleAndScope
from core.feeds import feed_token_revoke
from core.models import AuditEvent, FeedToken, Notification

EVERY_ROLE = {ROLE_ADMIN, ROLE_COORDINATOR, ROLE_MEMBER, ROLE_CHAIR}


class MeApi(APIView):
    """Who the caller is: integration engineers use it to check a token's scopes."""

    permission_classes = [RoleAndScope]
    access = {"GET": ({*EVERY_ROLE, "board_coordinator"}, "")}

    class OutputSerializer(serializers.Serializer):
        kind = serializers.CharField()
        username = serializers.CharField(allow_blank=True)
        client_id = serializers.CharField(allow_blank=True)
        roles = serializers.ListField(child=serializers.CharField())
        scopes = serializers.ListField(child=serializers.CharField())

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        principal = principal_from_request(request)
        data = {
            "kind": principal.kind,
            "username": principal.user.get_username() if principal.is_user else "",
            "client_id": principal.client_id,
            "roles": sorted(principal.roles),
            "scopes": sorted(principal.scopes),
        }
        return Response(self.OutputSerializer(data).data)


class NotificationListApi(APIView):
    permission_classes = [RoleAndScope]
    access = {"GET": ({*EVERY_ROLE, "board_coordinator"}, None)}

    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        kind = serializers.CharField()
        subject = serializers.CharField()
        body = serializers.CharField()
        link = serializers.CharField()
        created_at = serializers.DateTimeField()
        read_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(
        parameters=[OpenApiParameter("unread", {"type": "string", "enum": ["1", "true"]},
                                     description="only unread notifications")],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        principal = principal_from_request(request)
        qs = Notification.objects.filter(recipient=principal.user).order_by("-created_at")
        if request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class NotificationReadApi(APIView):
    permission_classes = [RoleAndScope]
    access = {"POST": ({*EVERY_ROLE, "board_coordinator"}, None)}

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, notification_id: UUID) -> Response:
        principal = principal_from_request(request)
        note = get_object_or_404(Notification, id=notification_id, recipient=principal.user)
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
        return Response(status=204)


class AuditEventListApi(APIView):
    """The audit trail, filterable, for administrators and clients with audit:read."""

    permission_classes = [RoleAndScope]
    access = {"GET": ({ROLE_ADMIN}, "audit:read")}

    class FilterSerializer(serializers.Serializer):
        actor_id = serializers.CharField(required=False)
        action = serializers.ChoiceField(choices=AuditEvent.Action.choices, required=False)
        outcome = serializers.ChoiceField(choices=AuditEvent.Outcome.choices, required=False)
        object_type = serializers.CharField(required=False)
        object_id = serializers.CharField(required=False)
        patient = serializers.CharField(required=False)
        since = AwareDateTimeField(required=False)
        until = AwareDateTimeField(required=False)

    class OutputSerializer(serializers.Serializer):
        at = serializers.DateTimeField()
        actor_type = serializers.CharField()
        actor_id = serializers.CharField()
        action = serializers.CharField()
        outcome = serializers.CharField()
        object_type = serializers.CharField()
        object_id = serializers.CharField()
        patient_pseudonym = serializers.CharField()
        request_id = serializers.CharField()
        path = serializers.CharField()

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        # A plain dict, not the QueryDict: DRF reads a blank HTML-form value as "absent", and a
        # blank filter (``?until=``) is a mistake the caller should hear about.
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        f: dict[str, Any] = filters.validated_data
        qs = AuditEvent.objects.all()
        for field in ("actor_id", "action", "outcome", "object_type", "object_id"):
            if field in f:
                qs = qs.filter(**{field: f[field]})
        if "patient" in f:
            qs = qs.filter(patient_pseudonym=f["patient"])
        if "since" in f:
            qs = qs.filter(at__gte=f["since"])
        if "until" in f:
            qs = qs.filter(at__lt=f["until"])
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class FeedTokenListApi(APIView):
    """The caller's own calendar-feed tokens (secrets are never shown again after creation)."""

    permission_classes = [RoleAndScope]
    access = {"GET": ({*EVERY_ROLE, "board_coordinator"}, None)}

    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField(source="public_id")
        kind = serializers.CharField()
        target_id = serializers.CharField()
        label = serializers.CharField()
        created_at = serializers.DateTimeField()
        last_used_at = serializers.DateTimeField(allow_null=True)
        revoked_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        principal = principal_from_request(request)
        qs = FeedToken.objects.filter(owner=principal.user).order_by("-created_at", "-id")
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class FeedTokenRevokeApi(APIView):
    """Revoke a feed token: its URL stops working at once (404, like an unknown token)."""

    permission_classes = [RoleAndScope]
    access = {"POST": ({*EVERY_ROLE, "board_coordinator"}, None)}

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, token_id: UUID) -> Response:
        principal = principal_from_request(request)
        qs = FeedToken.objects.all() if principal.is_admin else FeedToken.objects.filter(
            owner=principal.user
        )
        token = get_object_or_404(qs, public_id=token_id)
        feed_token_revoke(token=token, principal=principal)
        return Response(status=204)
