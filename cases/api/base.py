"""The base API view of the cases app: role/scope checks, 405 before 403, denied-access audit.

DRF checks permissions before it looks for a handler, so with deny-by-default a wrong method
would answer 403. Clients deserve 405 with an Allow header, so a missing handler is reported
first (after authentication, so anonymous callers still get 401).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from cases.selectors import case_pseudonym_for
from core.access import Principal, principal_from_request
from core.api.permissions import RoleAndScope
from core.audit import audit_record
from core.models import AuditEvent


def _as_lists(detail: Any) -> Any:
    """DRF 3.18 reports errors of a ``many=True`` field as {index: errors}; turn those into lists
    so core.api.exceptions.flatten_errors names fields ``lesions[1].max_diameter_mm``."""
    if isinstance(detail, dict):
        if detail and all(isinstance(key, int) for key in detail):
            return [_as_lists(detail.get(i, {})) for i in range(max(detail) + 1)]
        return {key: _as_lists(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_as_lists(item) for item in detail]
    return detail


def validated(serializer: serializers.Serializer) -> dict[str, Any]:
    """``is_valid`` that raises a 400 whose errors name list items by index."""
    if not serializer.is_valid():
        raise exceptions.ValidationError(_as_lists(serializer.errors))
    return dict(serializer.validated_data)


class CaseAccessDenied(exceptions.APIException):
    """403 on one case, already audited with its pseudonym by CasesApiView."""

    status_code = 403
    default_detail = exceptions.PermissionDenied.default_detail
    default_code = "permission_denied"


class CasesApiView(APIView):
    permission_classes = [RoleAndScope]
    access: dict[str, tuple[set[str], str | None]] = {}
    # Methods served by sibling views on the same URL (see method_router), for the Allow header.
    router_methods: tuple[str, ...] = ()
    audit_action: str = AuditEvent.Action.READ

    def _allowed_methods(self) -> list[str]:
        own = super()._allowed_methods()
        return sorted(set(own) | {m.upper() for m in self.router_methods})

    @property
    def principal(self) -> Principal:
        return principal_from_request(self.request)

    def check_permissions(self, request: Request) -> None:
        method = request.method.lower()
        if method not in ("head", "options") and not hasattr(self, method):
            if not principal_from_request(request).is_authenticated:
                self.permission_denied(request)
            raise exceptions.MethodNotAllowed(request.method)
        super().check_permissions(request)

    def permission_denied(self, request: Request, message: str | None = None,
                          code: str | None = None) -> None:
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated()  # 401s are not audited (no actor; flooding)
        public_id = self.kwargs.get("public_id")
        if public_id is None:
            super().permission_denied(request, message=message, code=code)
        # A refused access to one case: audit it here, with the patient pseudonym, and raise
        # a 403 that core's handler does not audit a second time (without the pseudonym).
        self.audit_denied(public_id)
        raise CaseAccessDenied(detail=message)

    def audit_denied(self, public_id: object) -> None:
        """One audit row per refused access to a case (403/404), with the pseudonym if any."""
        audit_record(
            principal=principal_from_request(self.request), action=self.audit_action,
            outcome=AuditEvent.Outcome.DENIED, object_type="case", object_id=public_id,
            patient_pseudonym=case_pseudonym_for(public_id=str(public_id)),
            path=self.request.path,
        )


def method_router(**views: type[CasesApiView]) -> Callable[..., HttpResponse]:
    """One URL, one APIView per HTTP method (STYLE.md: one view per operation).

    HEAD and OPTIONS go to the GET view; any other method goes to the first view, which answers
    405 with an Allow header naming every routed method.
    """
    methods = tuple(m.upper() for m in views)
    handlers = {
        m.upper(): view.as_view(router_methods=methods) for m, view in views.items()
    }
    fallback = handlers.get("GET") or next(iter(handlers.values()))

    @csrf_exempt  # DRF's SessionAuthentication enforces CSRF itself, as APIView.as_view does
    def route(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        method = request.method or "GET"
        if method in ("HEAD", "OPTIONS"):
            method = "GET"
        return handlers.get(method, fallback)(request, *args, **kwargs)

    route.__name__ = "_".join(view.__name__ for view in views.values())
    # For the OpenAPI schema only: drf-spectacular reads ``cls`` to find each method's handler
    # (and its extend_schema); requests never go through this combined class.
    route.cls = type(route.__name__, tuple(views.values()), {})  # type: ignore[attr-defined]
    route.initkwargs = {}  # type: ignore[attr-defined]
    return route
