"""Limits on dates and ranges (issue 10 item 5): one window, one parser, one DST rule.

Every instant or date the service accepts from outside (API bodies and query parameters, FHIR
search parameters, web forms) goes through this module:

- **a UTC offset is required.** ``2027-01-10T10:00:00`` could be UTC, Rome or the caller's own
  zone; guessing silently books the wrong hour, so it is refused (rule ``timezone_required``);
- **a window**: not before ``BOARDSVC_EARLIEST_DATE`` (2000-01-01) and not more than
  ``BOARDSVC_MAX_YEARS_AHEAD`` (5) years after now (rule ``date_window``). Year 0001 or 9999
  made date arithmetic overflow (500s), and bookings in 1900 or 2999 made a timeline compute
  over a thousand years. Inside the window, adding a day or a booking's length never overflows;
- **bounded ranges**: a request that computes over a range (free slots, the timeline) may ask
  for at most a configured number of days (rule ``max_range``);
- **local wall-clock times** (web forms, in the room's time zone) that do not exist (the
  spring-forward gap) or happen twice (the fall-back overlap) are refused, never shifted: the
  caller picks another time or says which occurrence (``fold``).

The field and rule are named by the caller (core.api.fields for the API, forms for the pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from core.errors import RuleError

RULE_TIMEZONE = "timezone_required"
RULE_WINDOW = "date_window"
RULE_RANGE = "max_range"
RULE_ORDER = "order"
RULE_INVALID = "invalid"
RULE_NONEXISTENT = "local_time_nonexistent"
RULE_AMBIGUOUS = "local_time_ambiguous"


class DateLimitError(RuleError, ValueError):
    """A date or instant the service refuses (400); ``rule`` names why (one of the RULE_*
    above) and ``field`` the input when the raiser knows it (callers usually name it).

    Still a ValueError, so ``except ValueError`` around a parse keeps working.
    """

    def __init__(self, message: str, *, rule: str, field: str | None = None) -> None:
        super().__init__(message, rule=rule, field=field)


class LocalTimeError(DateLimitError):
    """A local wall-clock time that DST makes missing or ambiguous in ``zone``.

    ``options`` holds the two instants for an ambiguous time (first, then second occurrence),
    and the instants just before and after the gap for a missing one.
    """

    def __init__(self, message: str, *, rule: str, local: datetime, zone: ZoneInfo,
                 options: tuple[datetime, datetime]) -> None:
        super().__init__(message, rule=rule)
        self.local = local
        self.zone = zone
        self.options = options


@dataclass(frozen=True)
class DateWindow:
    earliest: datetime
    latest: datetime

    def contains(self, value: datetime) -> bool:
        try:
            return self.earliest <= value <= self.latest
        except OverflowError:  # an aware value so far out that its UTC form does not exist
            return False

    def contains_date(self, value: date) -> bool:
        return self.earliest.date() <= value <= self.latest.date()

    def describe(self) -> str:
        return (f"between {self.earliest:%Y-%m-%d} and {self.latest:%Y-%m-%d} (UTC): not "
                f"before BOARDSVC_EARLIEST_DATE, at most {max_years_ahead()} years ahead")


def max_years_ahead() -> int:
    return int(getattr(settings, "BOARDSVC_MAX_YEARS_AHEAD", 5))


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def date_window(now: datetime | None = None) -> DateWindow:
    """The instants the service accepts now: [BOARDSVC_EARLIEST_DATE, now + N years]."""
    now = (now or timezone.now()).astimezone(UTC)
    earliest_day = getattr(settings, "BOARDSVC_EARLIEST_DATE", date(2000, 1, 1))
    earliest = datetime.combine(earliest_day, time.min, tzinfo=UTC)
    return DateWindow(earliest=earliest, latest=_add_years(now, max_years_ahead()))


def slot_search_max_days() -> int:
    return int(getattr(settings, "BOARDSVC_SLOT_SEARCH_MAX_DAYS", 31))


def timeline_max_days() -> int:
    return int(getattr(settings, "BOARDSVC_TIMELINE_MAX_DAYS", 400))


def check_instant(value: datetime, *, now: datetime | None = None) -> datetime:
    """``value`` in UTC, or DateLimitError for a naive value or one outside the window."""
    if timezone.is_naive(value):
        raise DateLimitError(
            "Give a UTC offset (Z or ±hh:mm): a date-time without one is ambiguous.",
            rule=RULE_TIMEZONE)
    window = date_window(now)
    if not window.contains(value):
        raise DateLimitError(f"Must be {window.describe()}.", rule=RULE_WINDOW)
    return value.astimezone(UTC)


def check_date(value: date, *, now: datetime | None = None) -> date:
    """``value``, or DateLimitError when it lies outside the window."""
    window = date_window(now)
    if not window.contains_date(value):
        raise DateLimitError(f"Must be {window.describe()}.", rule=RULE_WINDOW)
    return value


def parse_instant(text: str, *, now: datetime | None = None) -> datetime:
    """An ISO 8601 date-time with a UTC offset (``2030-01-07T09:00:00Z``), in UTC.

    Raises DateLimitError: ``invalid`` (not a date-time), ``timezone_required`` (no offset,
    including a bare date) or ``date_window``.
    """
    try:
        parsed = datetime.fromisoformat(str(text))
    except ValueError:
        raise DateLimitError("Use an ISO 8601 date-time with a UTC offset, e.g. "
                             "2030-01-07T09:00:00Z.", rule=RULE_INVALID) from None
    return check_instant(parsed, now=now)


def parse_day(text: str, *, now: datetime | None = None) -> date:
    """An ISO 8601 calendar date (``2030-01-07``) inside the window, or DateLimitError."""
    try:
        parsed = date.fromisoformat(str(text))
    except ValueError:
        raise DateLimitError("Use an ISO 8601 date, e.g. 2030-01-07.", rule=RULE_INVALID) from None
    return check_date(parsed, now=now)


def check_range(start: datetime | date, end: datetime | date, *, max_days: int) -> None:
    """Refuse an empty or reversed range (``order``) and one longer than ``max_days``
    (``max_range``). Dates count inclusively: 1 to 31 January is 31 days."""
    if isinstance(start, datetime) and isinstance(end, datetime):
        if not start < end:
            raise DateLimitError("Must be after the start of the range.", rule=RULE_ORDER)
        span = end - start
    else:
        if end < start:
            raise DateLimitError("Must not be before the start of the range.", rule=RULE_ORDER)
        span = end - start + timedelta(days=1)
    if span > timedelta(days=max_days):
        raise DateLimitError(f"The range may span at most {max_days} days.", rule=RULE_RANGE)


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def describe_offset(moment: datetime) -> str:
    """``CEST, UTC+02:00``: the zone's abbreviation and offset at that instant."""
    return f"{moment.tzname()}, {_offset(moment)}"


def local_to_aware(day: date, at: time, zone: ZoneInfo | str, *,
                   fold: int | None = None) -> datetime:
    """The instant a local wall-clock time names in ``zone``, in UTC.

    A time in the spring-forward gap does not exist: LocalTimeError ``local_time_nonexistent``
    (zoneinfo would silently move it by the DST offset). A time in the fall-back overlap happens
    twice: unless ``fold`` (0 = first occurrence, 1 = second) says which, LocalTimeError
    ``local_time_ambiguous`` with both instants in ``options``. Detection: the two folds give
    different UTC offsets; in the gap, converting fold 0 to UTC and back lands elsewhere.
    The result is in UTC because an aware datetime with ``fold=1`` compares unequal to every
    instant in another zone (PEP 495), which would confuse any later comparison.
    """
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    naive = datetime.combine(day, at.replace(tzinfo=None))
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    when = f"{naive:%H:%M} on {naive:%Y-%m-%d}"
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise LocalTimeError(
            f"{when} does not exist in {zone.key}: the clocks go forward then "
            f"({describe_offset(first)} → {describe_offset(second)}). Choose another time.",
            rule=RULE_NONEXISTENT, local=naive, zone=zone, options=(first, second))
    if fold is None:
        raise LocalTimeError(
            f"{when} happens twice in {zone.key}: first in {describe_offset(first)}, then in "
            f"{describe_offset(second)}. Choose which one you mean.",
            rule=RULE_AMBIGUOUS, local=naive, zone=zone, options=(first, second))
    return (second if fold else first).astimezone(UTC)
