"""Domain errors of scheduling. Services raise them; the API maps them to problem+json."""

from __future__ import annotations

from collections.abc import Sequence

from .types import Violation


class SchedulingError(Exception):
    """Base class: ``rule`` names the broken rule for the API's errors list."""

    rule = "scheduling"
    field = "non_field_errors"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SlotTaken(SchedulingError):
    """Another active booking holds part of this time on the resource (→ 409)."""

    rule = "slot_taken"
    field = "start"

    def __init__(self, message: str = "The resource is already booked for part of this time.") -> None:
        super().__init__(message)


class OutsideOpeningHours(SchedulingError):
    """The booking falls outside the resource's opening hours and no override reason was given."""

    rule = "opening_hours"
    field = "start"


class ResourceNotSuitable(SchedulingError):
    """The resource's kind cannot host this procedure type (procedure catalogue)."""

    rule = "resource_kind"
    field = "resource"


class InvalidBookingTime(SchedulingError):
    rule = "interval"
    field = "end"


class BookingNotChangeable(SchedulingError):
    """A done or cancelled booking cannot be moved, cancelled or marked done again."""

    rule = "status"
    field = "status"


class HardRuleViolation(SchedulingError):
    """The change would break a hard timing rule; it is refused (→ 409 with the violations)."""

    rule = "timing_rule"
    field = "start"

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        message = " ".join(v.message for v in self.violations) or "A hard timing rule is broken."
        super().__init__(message)
