"""When a meeting may start and close (pure Python).

Decisions were once recorded against meetings three weeks ahead, because a meeting could be
started at any time. A meeting may start only from a margin before its scheduled start (a board
setting, default 60 minutes, so people can take attendance while they arrive), and it can be
closed only once it has started. Starting late is allowed: a meeting that overran its slot is
still the meeting that took place.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .errors import BoardRuleError

START_MARGIN_DEFAULT_MINUTES = 60
START_MARGIN_MAX_MINUTES = 24 * 60

RULE_START_MARGIN = "start_margin"
RULE_NOT_STARTED = "not_started"


class MeetingClockError(BoardRuleError):
    """A start outside the meeting's clock (409 on ``starts_at``); ``rule`` names the rule for
    the API, ``opens_at`` is when the meeting may start."""

    def __init__(self, message: str, rule: str, opens_at: datetime | None = None, *,
                 extra: dict[str, object] | None = None) -> None:
        super().__init__(message, field="starts_at", rule=rule, status=409, extra=extra)
        self.opens_at = opens_at


def start_opens_at(starts_at: datetime, margin_minutes: int) -> datetime:
    """The first moment a meeting scheduled at ``starts_at`` may be started."""
    return starts_at - timedelta(minutes=max(margin_minutes, 0))


def can_start(*, starts_at: datetime, now: datetime, margin_minutes: int) -> bool:
    """Whether ``now`` is within the start margin (or later). Raises ValueError when naive."""
    if now.tzinfo is None or starts_at.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return now >= start_opens_at(starts_at, margin_minutes)


def check_start(*, starts_at: datetime, now: datetime, margin_minutes: int,
                local_label: str = "") -> None:
    """Raise MeetingClockError (rule ``start_margin``) when it is too early to start.

    ``local_label`` is how the opening time reads for people (e.g. "Tue 24 Nov 13:00
    Europe/Rome"); the message names the margin and the rule, and the error's ``extra`` carries
    ``starts_at``, ``start_opens_at`` (ISO 8601) and ``start_margin_minutes`` for the API.
    """
    if can_start(starts_at=starts_at, now=now, margin_minutes=margin_minutes):
        return
    opens = start_opens_at(starts_at, margin_minutes)
    when = local_label or opens.isoformat()
    raise MeetingClockError(
        f"The meeting can be started from {when}, {margin_minutes} minutes before its "
        "scheduled start (the board's start margin).", RULE_START_MARGIN, opens,
        extra={"starts_at": starts_at.isoformat(), "start_opens_at": opens.isoformat(),
               "start_margin_minutes": margin_minutes})
