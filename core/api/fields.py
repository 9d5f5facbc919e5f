"""Serializer fields whose OpenAPI description must differ from DRF's default."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
