"""Board-test helpers: bring a meeting within its start margin (boardsvc/domain/clock.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from boardsvc.models import Meeting


def due_soon(meeting: Meeting, *, minutes: int = 30, now: datetime | None = None) -> Meeting:
    """Move ``meeting`` to start ``minutes`` from now (keeping its length and cut-off gap), so
    it may be started: a meeting starts at the earliest its board's margin before its start."""
    moment = (now or timezone.now()).replace(microsecond=0)
    starts = moment + timedelta(minutes=minutes)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=starts, ends_at=starts + (meeting.ends_at - meeting.starts_at),
        cutoff_at=starts - (meeting.starts_at - meeting.cutoff_at))
    meeting.refresh_from_db()
    return meeting


def outcome_fields(board: Any, *, api: bool = False, **overrides: Any) -> dict[str, Any]:
    """The structured outcome the default outcome template makes mandatory (category, intent,
    responsible clinician: the board's first active member), for decision_record (a user) or
    the API (``api=True``: a username); ``overrides`` replace any of them."""
    from boardsvc.models import BoardMember

    member = (BoardMember.objects.filter(board=board, active=True).select_related("user")
              .order_by("id").first())
    assert member is not None, "the board needs an active member to be responsible"
    clinician = member.user.get_username() if api else member.user
    return {"outcome_category": "treatment", "intent": "palliative",
            "responsible_clinician": clinician, **overrides}
