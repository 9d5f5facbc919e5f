"""Free time of a resource: weekly opening hours in the hospital's zone, minus closures and
maintenance, plus extra sessions, minus existing bookings.

Opening hours are wall-clock times in the resource's own timezone (a linac opens at 08:00 Rome
time in both winter and summer), so each day's hours are turned into UTC with zoneinfo for that
date: the UTC offset changes on DST days and nothing here assumes a fixed offset.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .types import AvailabilityException, ExceptionKind, Interval, WeeklyHours

Span = tuple[datetime, datetime]


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _subtract(spans: Sequence[Span], holes: Iterable[Span]) -> list[Span]:
    result = list(spans)
    for hs, he in sorted(holes):
        nxt: list[Span] = []
        for s, e in result:
            if he <= s or hs >= e:
                nxt.append((s, e))
                continue
            if s < hs:
                nxt.append((s, hs))
            if he < e:
                nxt.append((he, e))
        result = nxt
    return result


def open_periods(
    *,
    hours: Sequence[WeeklyHours],
    exceptions: Sequence[AvailabilityException] = (),
    tz: str,
    window: Interval,
) -> list[Interval]:
    """The resource's open time inside ``window`` (UTC intervals, merged, sorted)."""
    zone = ZoneInfo(tz)
    first = window.start.astimezone(zone).date() - timedelta(days=1)
    last = window.end.astimezone(zone).date() + timedelta(days=1)
    spans: list[Span] = []
    day = first
    while day <= last:
        for h in hours:
            if h.weekday == day.weekday():
                start = datetime.combine(day, h.opens, tzinfo=zone).astimezone(UTC)
                end = datetime.combine(day, h.closes, tzinfo=zone).astimezone(UTC)
                if start < end:
                    spans.append((start, end))
        day += timedelta(days=1)
    spans.extend(
        (x.start, x.end) for x in exceptions if x.kind == ExceptionKind.EXTRA_SESSION
    )
    merged = _merge(spans)
    closed = [(x.start, x.end) for x in exceptions if x.kind != ExceptionKind.EXTRA_SESSION]
    clipped = _subtract(merged, closed)
    result = []
    for s, e in clipped:
        s2, e2 = max(s, window.start), min(e, window.end)
        if s2 < e2:
            result.append(Interval(s2, e2))
    return result


def free_periods(
    *,
    hours: Sequence[WeeklyHours],
    exceptions: Sequence[AvailabilityException] = (),
    busy: Iterable[Interval] = (),
    tz: str,
    window: Interval,
    min_duration: timedelta = timedelta(0),
) -> list[Interval]:
    """Open, unbooked periods inside ``window`` at least ``min_duration`` long.

    Bookings are half-open, so a booking ending at 10:00 leaves 10:00 free.
    """
    opened = [(i.start, i.end) for i in open_periods(
        hours=hours, exceptions=exceptions, tz=tz, window=window)]
    free = _subtract(opened, [(b.start, b.end) for b in busy])
    return [Interval(s, e) for s, e in free if e - s >= min_duration and e - s > timedelta(0)]


def slot_starts(
    *,
    periods: Sequence[Interval],
    duration: timedelta,
    step: timedelta = timedelta(minutes=15),
) -> list[datetime]:
    """Candidate start times for a procedure of ``duration``, every ``step`` within each period."""
    if duration <= timedelta(0) or step <= timedelta(0):
        raise ValueError("duration and step must be positive")
    starts = []
    for period in periods:
        t = period.start
        while t + duration <= period.end:
            starts.append(t)
            t += step
    return starts


def first_fit(
    *,
    hours: Sequence[WeeklyHours],
    exceptions: Sequence[AvailabilityException] = (),
    busy: Iterable[Interval] = (),
    tz: str,
    window: Interval,
    duration: timedelta,
) -> Interval | None:
    """The earliest free interval of ``duration`` inside ``window``, or None."""
    for period in free_periods(hours=hours, exceptions=exceptions, busy=busy, tz=tz,
                               window=window, min_duration=duration):
        return Interval(period.start, period.start + duration)
    return None


def within_opening_hours(
    *,
    hours: Sequence[WeeklyHours],
    exceptions: Sequence[AvailabilityException] = (),
    tz: str,
    interval: Interval,
) -> bool:
    """Whether ``interval`` lies entirely inside one open period of the resource."""
    pad = timedelta(days=1)
    periods = open_periods(hours=hours, exceptions=exceptions, tz=tz,
                           window=Interval(interval.start - pad, interval.end + pad))
    return any(p.contains(interval) for p in periods)
