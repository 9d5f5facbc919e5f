"""Meeting occurrences from a board's weekly recurrence, DST-safe (pure Python).

A board meets on a weekday at a *local* wall-clock time in its own zone (e.g. Tuesday 14:00
Europe/Rome). The UTC instant of that meeting changes across daylight-saving transitions, so each
occurrence is built in the local zone with zoneinfo and only then converted to UTC for storage.
Holidays (local dates) are skipped. One-off cancellations and moves are stored on the meeting rows
themselves (the generator never recreates an occurrence date that already has a row).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# R13: the list closes at least 24 h before the meeting; a site may choose up to 72 h.
CUTOFF_HOURS_DEFAULT = 24
CUTOFF_HOURS_MIN = 24
CUTOFF_HOURS_MAX = 72


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a series: its local date and its UTC start and end."""

    local_date: date
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC


def local_to_utc(day: date, at: time, tz_name: str) -> datetime:
    """The UTC instant of a local wall-clock time.

    Ambiguous times (the repeated hour when clocks go back) take the first occurrence (fold=0).
    Non-existent times (the skipped hour when clocks go forward) are moved forward by the gap, as
    a person would: a 02:30 meeting on the spring-forward night happens at 03:30 local.
    """
    zone = ZoneInfo(tz_name)
    local = datetime.combine(day, at, tzinfo=zone)
    as_utc = local.astimezone(UTC)
    round_trip = as_utc.astimezone(zone)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        # Non-existent local time: zoneinfo used the pre-transition offset; moving forward by
        # the difference lands on the same wall-clock minutes after the jump.
        gap = round_trip.replace(tzinfo=None) - local.replace(tzinfo=None)
        as_utc = (local + abs(gap)).astimezone(UTC)
    return as_utc


def weekly_occurrences(
    *,
    weekday: int,
    local_time: time,
    tz_name: str,
    duration_minutes: int,
    start: date,
    end: date,
    holidays: Iterable[date] = (),
) -> list[Occurrence]:
    """Every weekly occurrence with ``start <= local date <= end``, holidays skipped.

    ``weekday`` follows ``date.weekday()`` (Monday = 0). Raises ValueError for a weekday outside
    0..6 or a non-positive duration.
    """
    if not 0 <= weekday <= 6:
        raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
    if duration_minutes <= 0:
        raise ValueError("duration_minutes must be positive")
    skip = set(holidays)
    first = start + timedelta(days=(weekday - start.weekday()) % 7)
    out: list[Occurrence] = []
    day = first
    while day <= end:
        if day not in skip:
            starts_at = local_to_utc(day, local_time, tz_name)
            out.append(Occurrence(day, starts_at, starts_at + timedelta(minutes=duration_minutes)))
        day += timedelta(days=7)
    return out


def cutoff_for(starts_at: datetime, cutoff_hours: int) -> datetime:
    """When the agenda closes (R13): ``cutoff_hours`` before the start, in absolute time.

    Absolute hours, not local wall-clock: "24 h before" across a DST night is still 24 h.
    Raises ValueError outside the allowed 24-72 h range.
    """
    if not CUTOFF_HOURS_MIN <= cutoff_hours <= CUTOFF_HOURS_MAX:
        raise ValueError(
            f"The submission cut-off must be {CUTOFF_HOURS_MIN}-{CUTOFF_HOURS_MAX} hours (R13)."
        )
    return starts_at - timedelta(hours=cutoff_hours)
