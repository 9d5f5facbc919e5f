"""Radiotherapy as a course (clinical-rules.md R17), pure and deterministic.

A palliative RT course is N fractions, one a day on **consecutive working days** on a linac:
8 Gy × 1, 20 Gy/5, 24 Gy/6, 30 Gy/10, spine SBRT 24 Gy/2 (ASTRO 2017; SC.24; SCORAD III), plus
what a site adds to R17's template. The coordinator books, moves and cancels the course as one.

How the days and times are chosen (``plan_course``):
- fraction 1 is where the coordinator put it;
- each next fraction is on the next **working day**: Monday to Friday, skipping days on which
  the linac has no open time at all (a closure, a public holiday entered as a closure, a
  weekday without opening hours: ``closed_days``);
- at the **same local wall-clock time** as fraction 1 when the linac is free then (DST-safe: a
  09:00 course stays at 09:00 across the clock change); otherwise at the **nearest free time
  that day** (the earlier one on a tie), never on another day: a gap in a course prolongs the
  overall treatment time, so a full day is refused (CourseDayFull) for the coordinator to pick
  another start or linac rather than silently stretched.

Schemes (``scheme_problem``): the number of fractions must be one of R17's ``fraction_options``,
and when the plan gives the total dose, (dose, fractions) one of its ``schemes`` (default
RT_SCHEMES). A course outside them breaks R17 at R17's severity (soft by default: a warning).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .slots import open_periods
from .types import (
    AvailabilityException,
    Interval,
    Occurrence,
    TimingRuleSpec,
    Violation,
    WeeklyHours,
)

# R17 (clinical-rules.md §1 and §4): total dose in Gy, number of fractions.
RT_SCHEMES: tuple[tuple[float, int], ...] = ((8, 1), (20, 5), (24, 6), (30, 10), (24, 2))


class CourseDayFull(Exception):
    """No free time on a working day the course needs (→ SlotTaken naming the day)."""

    def __init__(self, fraction: int, day: date) -> None:
        super().__init__(f"fraction {fraction} on {day.isoformat()}")
        self.fraction = fraction
        self.day = day


def is_working_day(day: date, closed: Collection[date] = ()) -> bool:
    return day.weekday() < 5 and day not in closed


def next_working_day(day: date, closed: Collection[date] = ()) -> date:
    """The next Monday-to-Friday date after ``day`` that is not in ``closed``."""
    nxt = day + timedelta(days=1)
    while not is_working_day(nxt, closed):
        nxt += timedelta(days=1)
    return nxt


def course_days(first: date, fractions: int, closed: Collection[date] = ()) -> list[date]:
    """The days of a course starting on ``first`` (kept as given, even if it is not a working
    day: the coordinator chose it), then each next working day. Raises ValueError for fewer
    than one fraction."""
    if fractions < 1:
        raise ValueError("a course has at least one fraction")
    days = [first]
    while len(days) < fractions:
        days.append(next_working_day(days[-1], closed))
    return days


def closed_days(*, hours: Sequence[WeeklyHours], exceptions: Sequence[AvailabilityException],
                tz: str, first: date, last: date) -> frozenset[date]:
    """Local dates in [first, last] on which the resource has no open time at all (no opening
    hours that weekday, or closures covering them); extra sessions open a day."""
    zone = ZoneInfo(tz)
    window = Interval(datetime.combine(first, time.min, tzinfo=zone).astimezone(UTC),
                      datetime.combine(last + timedelta(days=1), time.min,
                                       tzinfo=zone).astimezone(UTC))
    open_dates: set[date] = set()
    for period in open_periods(hours=hours, exceptions=exceptions, tz=tz, window=window):
        day = period.start.astimezone(zone).date()
        end_day = (period.end - timedelta(microseconds=1)).astimezone(zone).date()
        while day <= end_day:
            open_dates.add(day)
            day += timedelta(days=1)
    out = set()
    day = first
    while day <= last:
        if day not in open_dates:
            out.add(day)
        day += timedelta(days=1)
    return frozenset(out)


def _at_wall_clock(day: date, wall: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def _nearest_start(preferred: datetime, duration: timedelta, day_start: datetime,
                   day_end: datetime, free: Sequence[Interval]) -> datetime | None:
    """The free start within [day_start, day_end) closest to ``preferred`` (earlier on a tie)."""
    best: datetime | None = None
    for period in free:
        lo = max(period.start, day_start)
        hi = min(period.end, day_end) - duration  # the latest start that still fits
        if hi < lo:
            continue
        candidate = min(max(preferred, lo), hi)
        if best is None or (abs(candidate - preferred), candidate) < (abs(best - preferred), best):
            best = candidate
    return best


def plan_course(*, start: datetime, duration: timedelta, fractions: int, tz: str,
                closed: Collection[date] = (),
                free: Sequence[Interval] | None = None) -> list[Interval]:
    """The fractions of a course whose first fraction is [start, start + duration).

    ``free``: the linac's free time (opening hours minus closures and other bookings) over the
    course's span; None places every fraction at the same wall-clock time without looking (the
    caller checks, e.g. with an opening-hours override). Raises CourseDayFull when a working
    day has no free time long enough, ValueError for fewer than one fraction.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    zone = ZoneInfo(tz)
    local = start.astimezone(zone)
    wall = local.time().replace(tzinfo=None)
    out = [Interval(start, start + duration)]
    for number, day in enumerate(course_days(local.date(), fractions, closed)[1:], start=2):
        preferred = _at_wall_clock(day, wall, zone)
        if free is None:
            out.append(Interval(preferred, preferred + duration))
            continue
        day_start = _at_wall_clock(day, time.min, zone)
        day_end = _at_wall_clock(day + timedelta(days=1), time.min, zone)
        chosen = _nearest_start(preferred, duration, day_start, day_end, free)
        if chosen is None:
            raise CourseDayFull(number, day)
        out.append(Interval(chosen, chosen + duration))
    return out


def free_between(window: Interval, busy: Iterable[Interval]) -> list[Interval]:
    """``window`` minus ``busy`` (half-open), for a course booked outside opening hours with an
    override reason: only the other bookings constrain it then."""
    out: list[Interval] = []
    cursor = window.start
    for item in sorted(busy):
        if item.end <= cursor or item.start >= window.end:
            continue
        if item.start > cursor:
            out.append(Interval(cursor, item.start))
        cursor = max(cursor, item.end)
    if cursor < window.end:
        out.append(Interval(cursor, window.end))
    return out


def course_span_days(first: date, fractions: int) -> int:
    """An upper bound on the calendar days a course of ``fractions`` can span from ``first``
    (weekends plus generous room for closures), for reading the linac's free time."""
    return fractions * 2 + 14


# --- schemes ---------------------------------------------------------------------------------


def _options(template: Mapping[str, object]) -> tuple[int, ...]:
    raw = template.get("fraction_options", [])
    if not isinstance(raw, (list, tuple)):
        return ()
    return tuple(v for v in raw if isinstance(v, int) and not isinstance(v, bool))


def _schemes(template: Mapping[str, object]) -> tuple[tuple[float, int], ...]:
    raw = template.get("schemes")
    if not isinstance(raw, (list, tuple)):
        return RT_SCHEMES
    out = []
    for item in raw:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            dose, count = item
            if isinstance(dose, (int, float)) and isinstance(count, int):
                out.append((float(dose), count))
    return tuple(out)


def describe_scheme(dose: float, fractions: int) -> str:
    return f"{dose:g} Gy × 1" if fractions == 1 else f"{dose:g} Gy/{fractions}"


def scheme_problem(*, fractions: int | None, dose_gy: float | None,
                   template: Mapping[str, object]) -> str:
    """Why a course of ``fractions`` (total ``dose_gy``) is not one of R17's schemes ("" when
    it is, or when nothing is planned)."""
    if fractions is None:
        return ""
    options = _options(template)
    if options and fractions not in options:
        listed = ", ".join(str(o) for o in sorted(options))
        return (f"{fractions} fraction{'s' if fractions != 1 else ''} planned, not one of the "
                f"site's schedules ({listed} fractions)")
    schemes = _schemes(template)
    if dose_gy is None or not schemes or fractions not in {n for _, n in schemes}:
        return ""
    if any(abs(dose - dose_gy) < 0.005 and n == fractions for dose, n in schemes):
        return ""
    known = ", ".join(describe_scheme(d, n) for d, n in schemes)
    return f"{describe_scheme(dose_gy, fractions)} planned, not one of the site's schemes ({known})"


def course_violations(*, rule: TimingRuleSpec, occurrences: Iterable[Occurrence], tz: str,
                      closed: Collection[date] = (),
                      doses: Mapping[str, float] | None = None) -> list[Violation]:
    """R17 for each radiotherapy course among ``occurrences``: one fraction a day on consecutive
    working days (``closed`` days skipped), no more fractions than planned, and a scheme of the
    site (``doses``: planned total dose by procedure id, when known). One violation per course,
    naming every fraction and listing each problem."""
    zone = ZoneInfo(tz)
    out = []
    for occ in occurrences:
        if occ.procedure_type not in rule.from_procedures or not occ.booking_ids:
            continue
        if rule.from_purposes and occ.purpose not in rule.from_purposes:
            continue
        days = [s.astimezone(zone).date() for s in occ.fraction_starts]
        problems: list[str] = []
        off = timedelta(0)
        for prev, cur in itertools.pairwise(days):
            expected = next_working_day(prev, closed)
            if cur == prev:
                problems.append(f"two fractions on {cur.isoformat()}")
                off += timedelta(days=1)
            elif cur != expected:
                problems.append(f"a fraction on {cur.isoformat()} instead of the next working day "
                                f"{expected.isoformat()}")
                off += abs(cur - expected)
        if occ.planned_fractions and len(days) > occ.planned_fractions:
            problems.append(f"{len(days)} fractions booked for a course planned as "
                            f"{occ.planned_fractions}")
        scheme = scheme_problem(fractions=occ.planned_fractions,
                                dose_gy=(doses or {}).get(occ.procedure_id),
                                template=rule.template)
        if scheme:
            problems.append(scheme)
        if problems:
            out.append(Violation(
                rule_code=rule.code, rule_id=rule.rule_id, severity=rule.severity,
                booking_ids=occ.booking_ids, procedure_ids=(occ.procedure_id,), off_by=off,
                message=(f"{rule.rule_id} ({rule.severity.value}): radiotherapy course has "
                         f"{'; '.join(problems)}. {rule.rationale}"),
            ))
    return out
