"""Apologies for a meeting: a member who will not come, optionally naming who stands in for
them (the stand-in then covers that member's specialty when they arrive, for R15's quorum)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from boardsvc.domain.errors import BoardRuleError
from boardsvc.models import Apology, Attendance, BoardMember, Meeting
from core.access import Principal, actor_fields
from core.audit import audit_record
from core.models import AuditEvent

from .common import now_or

_OPEN = (Meeting.Status.PLANNED, Meeting.Status.FROZEN, Meeting.Status.IN_SESSION)


def _locked_open(meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    if locked.status not in _OPEN:
        raise BoardRuleError("Apologies cannot change after the meeting is closed.",
                             field="meeting", rule="state", status=409)
    return locked


@transaction.atomic
def apology_record(*, meeting: Meeting, user: Any, principal: Principal | None,
                   reason: str = "", stand_in: Any = None) -> Apology:
    """Record (or replace) ``user``'s apologies for the meeting, with an optional stand-in.

    Raises BoardRuleError when the meeting is closed or cancelled (409), the person is not an
    active member of the board (400, ``user``), is recorded as present (409), or names themself
    as their stand-in (400, ``stand_in``)."""
    locked = _locked_open(meeting)
    if not BoardMember.objects.filter(board_id=locked.board_id, user=user, active=True).exists():
        raise BoardRuleError("Only a member of the board sends apologies for its meetings.",
                             field="user", rule="not_member")
    if stand_in is not None and stand_in.pk == user.pk:
        raise BoardRuleError("A member cannot stand in for themself.", field="stand_in",
                             rule="not_self")
    if Attendance.objects.filter(meeting=locked, user=user, left_at__isnull=True).exists():
        raise BoardRuleError("This person is recorded as present: record that they left "
                             "first.", field="user", rule="present", status=409)
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise BoardRuleError("The reason is at most 300 characters.", field="reason",
                             rule="max_length")
    apology, _created = Apology.objects.update_or_create(
        meeting=locked, user=user,
        defaults={"reason": reason, "stand_in": stand_in, "recorded_at": now_or(None),
                  "recorded_by": actor_fields(principal)["by_user"]})
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE, object_type="meeting",
                 object_id=locked.public_id, detail={"apology": str(apology.public_id)})
    return apology


@transaction.atomic
def apology_withdraw(*, meeting: Meeting, user: Any, principal: Principal | None) -> bool:
    """Withdraw ``user``'s apologies (they will come after all). Returns whether there were
    any. Raises BoardRuleError when the meeting is closed or cancelled (409)."""
    locked = _locked_open(meeting)
    deleted, _rows = Apology.objects.filter(meeting=locked, user=user).delete()
    if deleted:
        audit_record(principal=principal, action=AuditEvent.Action.DELETE,
                     object_type="meeting", object_id=locked.public_id,
                     detail={"apology_withdrawn_by": getattr(user, "pk", None)})
    return bool(deleted)
