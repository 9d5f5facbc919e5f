"""Attendance at a meeting: who arrived, covering which specialty, and who left (R15's
per-case quorum is judged from it: boardsvc.selectors.meeting_quorum_at); everyone expected
arriving at once ("all present"). Apologies are in apologies.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from boardsvc.domain.errors import BoardRuleError
from boardsvc.models import Apology, Attendance, BoardMember, Meeting
from core.access import Principal, actor_fields

from .common import now_or


@transaction.atomic
def attendance_arrive(*, meeting: Meeting, user: Any, principal: Principal | None,
                      specialty: str = "", at: datetime | None = None) -> Attendance:
    """Record that someone arrived. A member covers their own specialty unless told otherwise;
    someone named as a stand-in in a member's apologies covers that member's specialty; anyone
    covering a specialty that is not theirs on this board is a stand-in (counts for R15). A
    member who had sent apologies came after all: their apologies are withdrawn.

    Raises BoardRuleError when the meeting is closed or cancelled, when a non-member gives no
    specialty, or when the person is already present (409).
    """
    moment = now_or(at)
    locked = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    if locked.status in (Meeting.Status.CLOSED, Meeting.Status.CANCELLED):
        raise BoardRuleError("Attendance cannot change after the meeting is closed.",
                             field="meeting", rule="state", status=409)
    member = BoardMember.objects.filter(board_id=locked.board_id, user=user, active=True).first()
    covered = specialty or _standing_in_for(locked, user) or (member.specialty if member else "")
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
    Apology.objects.filter(meeting=locked, user=user).delete()
    return attendance


def _standing_in_for(meeting: Meeting, user: Any) -> str:
    """The specialty of the member whose apologies name ``user`` as their stand-in, or ""."""
    apology = (Apology.objects.filter(meeting=meeting, stand_in=user).order_by("recorded_at", "pk")
               .values_list("user_id", flat=True).first())
    if apology is None:
        return ""
    return (BoardMember.objects.filter(board_id=meeting.board_id, user_id=apology, active=True)
            .values_list("specialty", flat=True).first() or "")


@transaction.atomic
def attendance_all_present(*, meeting: Meeting, principal: Principal | None,
                           at: datetime | None = None) -> list[Attendance]:
    """Every active member of the board who is not present and sent no apologies arrives now,
    covering their own specialty (the chair's "all present"). Returns the new attendance rows
    (none when everyone expected is already there). Raises BoardRuleError when the meeting is
    closed or cancelled (409)."""
    moment = now_or(at)
    locked = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    if locked.status in (Meeting.Status.CLOSED, Meeting.Status.CANCELLED):
        raise BoardRuleError("Attendance cannot change after the meeting is closed.",
                             field="meeting", rule="state", status=409)
    present = Attendance.objects.filter(meeting=locked, left_at__isnull=True).values("user_id")
    apologised = Apology.objects.filter(meeting=locked).values("user_id")
    members = (BoardMember.objects.filter(board_id=locked.board_id, active=True,
                                          user__is_active=True)
               .exclude(user_id__in=present).exclude(user_id__in=apologised).order_by("pk"))
    by_user = actor_fields(principal)["by_user"]
    rows = [Attendance(meeting=locked, user_id=m.user_id, specialty=m.specialty, stand_in=False,
                       arrived_at=moment, recorded_by=by_user) for m in members]
    try:
        with transaction.atomic():
            Attendance.objects.bulk_create(rows)
    except IntegrityError:
        raise BoardRuleError("Someone was recorded as present at the same moment: try again.",
                             field="meeting", rule="concurrent_change", status=409) from None
    return rows


@transaction.atomic
def attendance_leave(*, meeting: Meeting, user: Any, principal: Principal | None,
                     at: datetime | None = None) -> Attendance:
    """Record that someone left. Raises BoardRuleError when they are not present (409) or the
    time is not after their arrival (400)."""
    moment = now_or(at)
    attendance = (Attendance.objects.select_for_update(of=("self",))
                  .filter(meeting=meeting, user=user, left_at__isnull=True).first())
    if attendance is None:
        raise BoardRuleError("This person is not recorded as present.", field="user",
                             rule="not_present", status=409)
    if moment <= attendance.arrived_at:
        raise BoardRuleError("Leaving must be after arriving.", field="at", rule="after_arrival")
    Attendance.objects.filter(pk=attendance.pk).update(left_at=moment)
    attendance.refresh_from_db()
    return attendance
