"""Domain errors of scheduling: the project's rule errors (core.errors) with scheduling's rules.

Services raise them; nothing maps them by hand. Each class carries the HTTP status, the field
and the rule a caller is answered with (core.api.exceptions for the API, core.web.errors for
the pages): a taken slot, a booking that is no longer changeable, a procedure already booked,
a same-session pair split and a hard timing rule are conflicts (409, problem type = the rule;
``hard-rule`` for the timing rules, with the violations in the body); every other refusal is
bad input (400, problem type ``rule``).
"""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import BAD_REQUEST, CONFLICT, RuleError

from .types import Violation, violation_body


class SchedulingError(RuleError):
    """Base class: ``rule`` names the broken rule and ``field`` the request field it is about."""

    status = BAD_REQUEST
    rule = "scheduling"
    field = "non_field_errors"


class SlotTaken(SchedulingError):
    """Another active booking holds part of this time on the resource (→ 409)."""

    status = CONFLICT
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

    status = CONFLICT
    rule = "one_active_booking_per_procedure"
    field = "procedure"

    def __init__(self, message: str = "This planned procedure already has an active booking: "
                                      "move or cancel it instead of booking it again.") -> None:
        super().__init__(message)


class BookingNotChangeable(SchedulingError):
    """A done or cancelled booking cannot be moved, cancelled or marked done again (→ 409)."""

    status = CONFLICT
    rule = "status"
    field = "status"


class HardRuleViolation(SchedulingError):
    """The change would break a hard timing rule; it is refused (→ 409, problem type
    ``hard-rule``): one error per violation on ``start`` naming its rule id, and the
    violations themselves in the body's ``violations``."""

    status = CONFLICT
    rule = "timing_rule"
    field = "start"
    code = "hard_rule"

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        message = " ".join(v.message for v in self.violations) or "A hard timing rule is broken."
        super().__init__(
            message,
            errors=[{"field": self.field, "rule": v.rule_id, "message": v.message}
                    for v in self.violations],
            extra={"violations": [violation_body(v) for v in self.violations]},
        )


class SameSessionRequired(SchedulingError):
    """Two procedures planned for one session would not be booked as one session: another
    room, not back to back, or a room that cannot host both (→ 409, rule ``same_session``)."""

    status = CONFLICT
    rule = "same_session"
    field = "start"

    def __init__(self, message: str, *, problems: Sequence[object] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class AcknowledgementRefused(SchedulingError):
    """Only an open soft violation can be acknowledged, and only with a reason (→ 409 on the
    ``reason`` field; its problem type stays ``rule``, as published)."""

    status = CONFLICT
    rule = "acknowledge"
    field = "reason"
    code = "rule"


class StaffNotSuitable(SchedulingError):
    """A person named for a booking is not one this procedure needs (not a staff resource, a
    kind the catalogue does not list for it, twice the same kind, or not in service)."""

    rule = "staff_kind"
    field = "staff"


class StaffUnavailable(SchedulingError):
    """No person of a needed kind is free and working for the whole booking (→ 409)."""

    status = CONFLICT
    rule = "staff_unavailable"
    field = "staff"
