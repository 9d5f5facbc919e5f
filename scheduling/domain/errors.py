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


class OutsideDateWindow(InvalidBookingTime):
    """The start or end lies outside the service's date window (README "Limits on dates")."""

    rule = "date_window"
    field = "start"


class RetrospectiveReasonRequired(SchedulingError):
    """A booking (or move) whose start is already past records work done: it needs a reason."""

    rule = "retrospective_reason_required"
    field = "retrospective_reason"


class ProcedureAlreadyBooked(SchedulingError):
    """The planned procedure already has an active booking (→ 409); RT fractions aside."""

    rule = "one_active_booking_per_procedure"
    field = "procedure"

    def __init__(self, message: str = "This planned procedure already has an active booking: "
                                      "move or cancel it instead of booking it again.") -> None:
        super().__init__(message)


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


class SameSessionRequired(SchedulingError):
    """Two procedures planned for one session would not be booked as one session: another
    room, not back to back, or a room that cannot host both (→ 409, rule ``same_session``)."""

    rule = "same_session"
    field = "start"

    def __init__(self, message: str, *, problems: Sequence[object] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)
