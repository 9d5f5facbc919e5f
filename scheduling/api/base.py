"""Base view of the scheduling API: role/scope checks, 405 before 403, and the mapping of
scheduling's domain errors to problem+json (409 for conflicts, 400 naming field and rule)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from cases.services import StaleVersion
from core.access import Principal, principal_from_request
from core.api.exceptions import Conflict, DomainRuleError, PreconditionFailed
from core.api.permissions import RoleAndScope
from scheduling.domain.errors import (
    BookingNotChangeable,
    HardRuleViolation,
    SchedulingError,
    SlotTaken,
)
from scheduling.domain.types import Violation

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
    }


def api_error(exc: Exception) -> exceptions.APIException:
    """Domain error → API error. SlotTaken, hard rules and status conflicts are 409; the rest
    are 400 with the field and rule named; a stale If-Match is 412."""
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
    if isinstance(exc, (SlotTaken, BookingNotChangeable)):
        return Conflict(exc.message, errors=[{"field": exc.field, "rule": exc.rule,
                                              "message": exc.message}],
                        code=exc.rule.replace("_", "-"))
    if isinstance(exc, SchedulingError):
        return DomainRuleError(exc.message, errors=[{"field": exc.field, "rule": exc.rule,
                                                     "message": exc.message}])
    raise exc


class SchedulingApiView(APIView):
    permission_classes = [RoleAndScope]
    access: dict[str, tuple[set[str], str | None]] = {}
    router_methods: tuple[str, ...] = ()

    def _allowed_methods(self) -> list[str]:
        own = super()._allowed_methods()
        return sorted(set(own) | {m.upper() for m in self.router_methods})

    @property
    def principal(self) -> Principal:
        return principal_from_request(self.request)

    def check_permissions(self, request: Request) -> None:
        # A wrong method is 405 (with Allow), not the 403 deny-by-default would give.
        method = request.method.lower()
        if method not in ("head", "options") and not hasattr(self, method):
            if not principal_from_request(request).is_authenticated:
                self.permission_denied(request)
            raise exceptions.MethodNotAllowed(request.method)
        super().check_permissions(request)


def method_router(**views: type[SchedulingApiView]) -> Callable[..., HttpResponse]:
    """One URL, one APIView per HTTP method; other methods get 405 naming every routed one."""
    methods = tuple(m.upper() for m in views)
    handlers = {m.upper(): view.as_view(router_methods=methods) for m, view in views.items()}
    fallback = handlers.get("GET") or next(iter(handlers.values()))

    @csrf_exempt  # DRF's SessionAuthentication enforces CSRF itself, as APIView.as_view does
    def route(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        method = request.method or "GET"
        if method in ("HEAD", "OPTIONS"):
            method = "GET"
        return handlers.get(method, fallback)(request, *args, **kwargs)

    route.__name__ = "_".join(view.__name__ for view in views.values())
    # For the OpenAPI schema and the authorisation matrix only: drf-spectacular reads ``cls`` to
    # find each method's handler (and its extend_schema); requests never use this class.
    route.cls = type(route.__name__, tuple(views.values()), {})  # type: ignore[attr-defined]
    route.initkwargs = {}  # type: ignore[attr-defined]
    return route
