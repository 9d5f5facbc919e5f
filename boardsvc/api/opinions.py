"""``meetings/<id>/items/<item_id>/opinions/``: members' pre-meeting opinions on one listed case.

GET lists them (paginated; one audit row per opinion shown, with the patient's pseudonym); PUT
creates or replaces the caller's own opinion (one per member and item, people only: an opinion
is a clinician's). A meeting or item outside the caller's boards is an audited 404.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from boardsvc import selectors, services
from boardsvc.models import AgendaItem, Opinion
from boardsvc.services.opinions import MAX_TEXT
from core.api.base import PageAudit, validated
from core.audit import audit_record
from core.models import AuditEvent

from .base import READ, READERS, BoardsApi

# People only: a hospital system has no opinion of its own.
OPINE = (READERS, None)


class OpinionOutput(serializers.Serializer):
    public_id = serializers.UUIDField()
    author = serializers.CharField(source="author.username")
    specialty = serializers.CharField()
    kind = serializers.CharField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class _ItemApi(BoardsApi):
    object_type = "agenda_item"

    def item(self, public_id: Any, item_id: Any) -> AgendaItem:
        meeting = self.meeting(public_id)
        try:
            return selectors.agenda_item_on_meeting(meeting=meeting, public_id=item_id)
        except AgendaItem.DoesNotExist:
            audit_record(principal=self.principal, action=AuditEvent.Action.READ,
                         outcome=AuditEvent.Outcome.DENIED, object_type="agenda_item",
                         object_id=str(item_id), path=self.request.path)
            raise NotFound("No agenda item with this id is on this meeting.") from None


class OpinionListApi(_ItemApi):
    access = {"GET": READ}

    @extend_schema(responses=OpinionOutput(many=True))
    def get(self, request: Request, public_id: Any, item_id: Any) -> Response:
        item = self.item(public_id, item_id)
        pseudonym = item.case.patient.public_id
        return self.paginated(
            selectors.opinions_for_item(item=item), OpinionOutput,
            audit=PageAudit(AuditEvent.Action.READ, "opinion",
                            lambda opinion: (opinion.public_id, pseudonym)))


class OpinionPutApi(_ItemApi):
    """Create or replace the caller's own opinion (200 replaced, 201 created)."""

    access = {"PUT": OPINE}

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=MAX_TEXT)
        kind = serializers.ChoiceField(choices=Opinion.Kind.choices, required=False,
                                       default=Opinion.Kind.OPINION)

    @extend_schema(request=InputSerializer, responses={200: OpinionOutput, 201: OpinionOutput})
    def put(self, request: Request, public_id: Any, item_id: Any) -> Response:
        item = self.item(public_id, item_id)
        values = validated(self.InputSerializer(data=request.data))
        principal = self.principal
        if not principal.is_user or selectors.board_membership(
                board_id=item.meeting.board_id, user=principal.user) is None:
            raise PermissionDenied("Only a member of the board gives an opinion on its cases.")
        opinion, created = services.opinion_save(item=item, author=principal.user,
                                                 text=values["text"], kind=values["kind"],
                                                 principal=principal)
        return Response(OpinionOutput(opinion).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
