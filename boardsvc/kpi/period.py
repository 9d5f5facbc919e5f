"""The reporting period of a dashboard: local dates of the board, validated once for the API
and the pages (400s name the field and the rule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from core.dates import RULE_INVALID, DateLimitError, check_range, parse_day

# The longest period one request may cover (a year and a day, for leap years).
MAX_PERIOD_DAYS = 366
RULE_REQUIRED = "required"


@dataclass(frozen=True)
class Period:
    """Inclusive local dates ``first``..``last`` and the half-open UTC instants they span."""

    first: date
    last: date
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _day(text: str | None, field: str) -> date:
    if not text:
        raise DateLimitError(_("This parameter is required (an ISO 8601 date)."),
                             rule=RULE_REQUIRED, field=field)
    try:
        return parse_day(text)
    except DateLimitError as exc:
        raise DateLimitError(exc.message, rule=exc.rule or RULE_INVALID, field=field) from None


def kpi_period(*, first: str | None, last: str | None, zone: str) -> Period:
    """Parse ``from``/``to`` (ISO dates, both inclusive) in the board's time zone; refuse a
    missing or malformed date, ``to`` before ``from`` and a period over MAX_PERIOD_DAYS."""
    day_from = _day(first, "from")
    day_to = _day(last, "to")
    try:
        check_range(day_from, day_to, max_days=MAX_PERIOD_DAYS)
    except DateLimitError as exc:
        raise DateLimitError(exc.message, rule=exc.rule, field="to") from None
    tz = ZoneInfo(zone)
    start = datetime.combine(day_from, time(0), tzinfo=tz)
    end = datetime.combine(day_to + timedelta(days=1), time(0), tzinfo=tz)
    return Period(day_from, day_to, start, end)
