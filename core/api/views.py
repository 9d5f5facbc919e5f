"""Kernel endpoints: who am I, my notifications, the audit trail (administrators)."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import selectors
from core.access import Role, principal_from_request
from core.api.base import ProjectApiView
from core.api.fields import AwareDateTimeField
from core.api.permissions import RoleAndScope
from core.feeds import feed_token_revoke
from core.models import AuditEvent
from core.notifications import notification_mark_read

EVERY_ROLE: set[str] = set(Role)  # every person with a role; clients by scope


class MeApi(APIView):
    """Who the caller is: integration engineers use it to check a token's scopes."""

    permission_classes = [RoleAndScope]
    access = {"GET": (EVERY_ROLE, "")}

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


class NotificationListApi(ProjectApiView):
    permission_classes = [RoleAndScope]
    access = {"GET": (EVERY_ROLE, None)}

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
        qs = selectors.notification_list(
            user=principal.user, unread_only=request.query_params.get("unread") in ("1", "true"))
        return self.paginated(qs, self.OutputSerializer)


class NotificationReadApi(APIView):
    permission_classes = [RoleAndScope]
    access = {"POST": (EVERY_ROLE, None)}

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, notification_id: UUID) -> Response:
        principal = principal_from_request(request)
        if not notification_mark_read(user=principal.user, public_id=notification_id):
            raise exceptions.NotFound()
        return Response(status=204)


class AuditEntitySerializer(serializers.Serializer):
    object_id = serializers.CharField()
    patient_pseudonym = serializers.CharField()


class AuditEventListApi(ProjectApiView):
    """The audit trail, filterable, for administrators and clients with audit:read."""

    permission_classes = [RoleAndScope]
    access = {"GET": ({Role.ADMIN}, "audit:read")}

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
        entities = serializers.SerializerMethodField(
            help_text="What a list, agenda or export disclosed, in the order shown (empty for "
                      "a single read or change, which names its object above).")
        request_id = serializers.CharField()
        path = serializers.CharField()

        @extend_schema_field(AuditEntitySerializer(many=True))
        def get_entities(self, event: AuditEvent) -> list[dict[str, str]]:
            return [{"object_id": object_id, "patient_pseudonym": pseudonym}
                    for object_id, pseudonym in event.entities or ()]

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        # A plain dict, not the QueryDict: DRF reads a blank HTML-form value as "absent", and a
        # blank filter (``?until=``) is a mistake the caller should hear about.
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        qs = selectors.audit_event_list(filters=filters.validated_data)
        return self.paginated(qs, self.OutputSerializer)


class FeedTokenListApi(ProjectApiView):
    """The caller's own calendar-feed tokens (secrets are never shown again after creation)."""

    permission_classes = [RoleAndScope]
    access = {"GET": (EVERY_ROLE, None)}

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
        qs = selectors.feed_token_list(owner=principal.user)
        return self.paginated(qs, self.OutputSerializer)


class FeedTokenRevokeApi(APIView):
    """Revoke a feed token: its URL stops working at once (404, like an unknown token)."""

    permission_classes = [RoleAndScope]
    access = {"POST": (EVERY_ROLE, None)}

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, token_id: UUID) -> Response:
        principal = principal_from_request(request)
        token = selectors.feed_token_revocable(principal=principal, public_id=token_id)
        if token is None:
            raise exceptions.NotFound()
        feed_token_revoke(token=token, principal=principal)
        return Response(status=204)
