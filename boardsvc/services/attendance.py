"""Attendance at a meeting: who arrived, covering which specialty, and who left (R15's
per-case quorum is judged from it: boardsvc.selectors.meeting_quorum_at)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from boardsvc.domain.errors import BoardRuleError
from boardsvc.models import Attendance, BoardMember, Meeting
from core.access import Principal, actor_fields

from .common import now_or


@transaction.atomic
def attendance_arrive(*, meeting: Meeting, user: Any, principal: Principal | None,
                      specialty: str = "", at: datetime | None = None) -> Attendance:
    """Record that someone arrived. A member covers their own specialty unless told otherwise;
    anyone covering a specialty that is not theirs on this board is a stand-in (counts for R15).

    Raises BoardRuleError when the meeting is closed or cancelled, when a non-member gives no
    specialty, or when the person is already present (409).
    """
    moment = now_or(at)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.status in (Meeting.Status.CLOSED, Meeting.Status.CANCELLED):
        raise BoardRuleError("Attendance cannot change after the meeting is closed.",
                             field="meeting", rule="state", status=409)
    member = BoardMember.objects.filter(board_id=locked.board_id, user=user, active=True).first()
    covered = specialty or (member.specialty if member else "")
    if not covered:
        raise BoardRuleError("A person who is not a member of this board must say which "
                             "specialty they cover.", field="specialty", rule="required")
    if Attendance.objects.filter(meeting=locked, user=user, left_at__isnull=True).exists():
        raise BoardRuleError("This person is already recorded as present.", field="user",
                             rule="already_present", status=409)
    attendance = Attendance(
        meeting=locked, user=user, specialty=covered,
        stand_in=member is None or member.specialty != covered, arrived_at=moment,
        recorded_by=actor_fields(principal)["by_user"])
    attendance.full_clean(exclude=["meeting", "user", "recorded_by"])
    try:
        with transaction.atomic():
            attendance.save()
    except IntegrityError:
        raise BoardRuleError("This person is already recorded as present.", field="user",
                             rule="already_present", status=409) from None
    return attendance


@transaction.atomic
def attendance_leave(*, meeting: Meeting, user: Any, principal: Principal | None,
                     at: datetime | None = None) -> Attendance:
    """Record that someone left. Raises BoardRuleError when they are not present (409) or the
    time is not after their arrival (400)."""
    moment = now_or(at)
    attendance = (Attendance.objects.select_for_update()
                  .filter(meeting=meeting, user=user, left_at__isnull=True).first())
    if attendance is None:
        raise BoardRuleError("This person is not recorded as present.", field="user",
                             rule="not_present", status=409)
    if moment <= attendance.arrived_at:
        raise BoardRuleError("Leaving must be after arriving.", field="at", rule="after_arrival")
    Attendance.objects.filter(pk=attendance.pk).update(left_at=moment)
    attendance.refresh_from_db()
    return attendance
