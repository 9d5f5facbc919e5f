"""Base view of the scheduling API: role/scope checks, 405 before 403, and the mapping of
scheduling's domain errors to problem+json (409 for conflicts, 400 naming field and rule)."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions

from cases.services import StaleVersion
from core.api.base import ProjectApiView, method_router
from core.api.exceptions import Conflict, DomainRuleError, PreconditionFailed
from scheduling.domain.errors import (
    BookingNotChangeable,
    HardRuleViolation,
    ProcedureAlreadyBooked,
    SameSessionRequired,
    SchedulingError,
    SlotTaken,
)
from scheduling.domain.types import Violation
from scheduling.domain.verdicts import RuleVerdict

READ = ({"coordinator", "member"}, "bookings:read")
WRITE = ({"coordinator"}, "bookings:write")
ADMIN_ONLY: tuple[set[str], str | None] = ({"administrator"}, None)


def violation_body(v: Violation) -> dict[str, Any]:
    return {
        "rule": v.rule_id,
        "rule_code": v.rule_code,
        "severity": v.severity.value,
        "bookings": list(v.booking_ids),
        "off_by_minutes": int(v.off_by.total_seconds() // 60),
        "message": v.message,
        "scope_note": v.scope_note,
    }


def verdict_body(v: RuleVerdict) -> dict[str, Any]:
    """One rule's verdict on a pair of procedures (issue 11, item 3): satisfied, violated,
    pending (one not booked yet) or not_applicable, with the reason; never silent."""
    return {
        "rule": v.rule_id,
        "rule_code": v.rule_code,
        "severity": v.severity,
        "status": v.status.value,
        "procedures": list(v.procedure_ids),
        "reason": v.reason,
        "scope_note": v.scope_note,
        "basis": v.basis,
    }


def api_error(exc: Exception) -> exceptions.APIException:
    """Domain error → API error. SlotTaken, hard rules, status conflicts, a procedure
    already booked and a same-session pair split (rule ``same_session``) are 409; the rest are 400 with the field and rule named; a stale If-Match
    is 412."""
    if isinstance(exc, StaleVersion):
        return PreconditionFailed(
            f"The booking has changed since you read it; its current ETag is W/\"{exc.current}\"."
        )
    if isinstance(exc, HardRuleViolation):
        return Conflict(
            exc.message,
            errors=[{"field": exc.field, "rule": v.rule_id, "message": v.message}
                    for v in exc.violations],
            extra={"violations": [violation_body(v) for v in exc.violations]},
            code="hard-rule",
        )
    if isinstance(exc, (SlotTaken, BookingNotChangeable, ProcedureAlreadyBooked,
                        SameSessionRequired)):
        return Conflict(exc.message, errors=[{"field": exc.field, "rule": exc.rule,
                                              "message": exc.message}],
                        code=exc.rule.replace("_", "-"))
    if isinstance(exc, SchedulingError):
        return DomainRuleError(exc.message, errors=[{"field": exc.field, "rule": exc.rule,
                                                     "message": exc.message}])
    raise exc


class SchedulingApiView(ProjectApiView):
    """Scheduling's views; domain errors map to problem+json through ``api_error``."""


__all__ = ["ADMIN_ONLY", "READ", "WRITE", "SchedulingApiView", "api_error", "method_router",
           "verdict_body", "violation_body"]
