"""Serializer fields shared by the apps: wall-clock times, and the strict date-times and dates
of the date window (core.dates)."""

from __future__ import annotations

from datetime import date, datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.dates import DateLimitError, check_date, check_instant

WALL_CLOCK_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


@extend_schema_field({
    "type": "string", "pattern": WALL_CLOCK_PATTERN, "example": "14:00",
    "description": "Wall-clock time in the owner's own timezone (no UTC offset).",
})
class WallClockTimeField(serializers.TimeField):
    """A local time of day such as a board's meeting time, ``"HH:MM"``.

    DRF publishes TimeField as JSON-schema ``format: time``, which (RFC 3339) requires a UTC
    offset; a recurring local time has none, because its offset changes with daylight saving.
    """

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)  # type: ignore[arg-type]


class AwareDateTimeField(serializers.DateTimeField):
    """An instant the API accepts: ISO 8601 *with* a UTC offset, inside the date window.

    Every input date-time of the API uses it (issue 10 item 5; core.dates). DRF's own field
    silently reads ``2027-01-10T10:00:00`` as UTC and lets year 0001 or 9999 through to date
    arithmetic (a 500); here they are 400s naming the field and the rule: ``timezone_required``
    or ``date_window``. The value comes back in UTC. Output is unchanged (DRF's).
    """

    default_error_messages = {
        **serializers.DateTimeField.default_error_messages,
        "invalid": "Use an ISO 8601 date-time with a UTC offset, e.g. 2030-01-07T09:00:00Z.",
    }

    def to_internal_value(self, value: object) -> datetime:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                self.fail("invalid")
        else:
            self.fail("invalid")
        try:
            return check_instant(moment)
        except DateLimitError as exc:
            raise serializers.ValidationError(exc.message, code=exc.rule) from None


class WindowDateField(serializers.DateField):
    """A calendar date (``YYYY-MM-DD``) inside the date window (rule ``date_window``)."""

    def to_internal_value(self, value: object) -> date:
        day = super().to_internal_value(value)
        try:
            return check_date(day)
        except DateLimitError as exc:
            raise serializers.ValidationError(exc.message, code=exc.rule) from None
