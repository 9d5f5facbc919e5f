"""Pre-meeting opinions: a board member's opinion or comment on a listed case, added before or
during the meeting and shown to the chair in live mode and on the room screen (one per member
and agenda item; saving again replaces the text)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from boardsvc.domain.errors import BoardRuleError
from boardsvc.models import AgendaItem, BoardMember, Meeting, Opinion
from core.access import Principal
from core.audit import audit_record
from core.models import AuditEvent

MAX_TEXT = 4000
_OPEN = (Meeting.Status.PLANNED, Meeting.Status.FROZEN, Meeting.Status.IN_SESSION)


@transaction.atomic
def opinion_save(*, item: AgendaItem, author: Any, text: str, principal: Principal | None,
                 kind: str = Opinion.Kind.OPINION) -> tuple[Opinion, bool]:
    """Create or replace ``author``'s opinion on ``item``; returns (opinion, created).

    Raises BoardRuleError when the text is empty or longer than MAX_TEXT (400, ``text``), the
    kind is unknown (400, ``kind``), the author is not an active member of the board (400,
    ``author``), the meeting is closed or cancelled (409) or the case has left the agenda
    (409, ``item``: deferred, rolled forward or withdrawn)."""
    text = (text or "").strip()
    if not text:
        raise BoardRuleError("Write the opinion or comment.", field="text", rule="required")
    if len(text) > MAX_TEXT:
        raise BoardRuleError(f"An opinion is at most {MAX_TEXT} characters.", field="text",
                             rule="max_length")
    if kind not in Opinion.Kind.values:
        raise BoardRuleError("The kind is an opinion or a comment.", field="kind",
                             rule="invalid_choice")
    meeting = Meeting.objects.select_for_update(of=("self",)).get(pk=item.meeting_id)
    if meeting.status not in _OPEN:
        raise BoardRuleError("The meeting is over: opinions can no longer change.",
                             field="meeting", rule="state", status=409)
    locked = (AgendaItem.objects.select_for_update(of=("self",)).select_related("case__patient")
              .get(pk=item.pk))
    if locked.outcome in (AgendaItem.Outcome.DEFERRED, AgendaItem.Outcome.ROLLED_FORWARD,
                          AgendaItem.Outcome.WITHDRAWN):
        raise BoardRuleError("This case is no longer on the agenda.", field="item",
                             rule="state", status=409)
    specialty = (BoardMember.objects.filter(board_id=meeting.board_id, user=author, active=True)
                 .values_list("specialty", flat=True).first())
    if specialty is None:
        raise BoardRuleError("Only a member of the board gives an opinion on its cases.",
                             field="author", rule="not_member")
    opinion, created = Opinion.objects.update_or_create(
        agenda_item=locked, author=author,
        defaults={"text": text, "kind": kind, "specialty": specialty})
    audit_record(principal=principal,
                 action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
                 object_type="opinion", object_id=opinion.public_id,
                 patient_pseudonym=locked.case.patient.public_id)
    return opinion, created
