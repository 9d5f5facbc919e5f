"""One error shape for the whole API: application/problem+json (RFC 9457) with field errors.

Every 4xx names the field and the rule: ``{"errors": [{"field": "lesions[1].max_diameter_mm",
"rule": "max_value", "message": "..."}]}``. Unexpected errors become a generic 500 carrying only
the request id, so no patient data leaks into a response or a log line.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.context import request_id_var
from core.dbretry import ConcurrentChange, is_concurrency_failure
from core.errors import RuleError

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    """409 for the API machinery itself (an Idempotency-Key in use); a service's conflicts are
    core.errors.Conflict."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource has changed since you read it (If-Match does not match)."
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "This request must carry an If-Match header with the resource's ETag."
    default_code = "precondition_required"


class UnprocessableEntity(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Turn DRF's nested error detail into a flat list of {field, rule, message}."""
    out: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":
                field = prefix or "non_field_errors"
            elif isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                # DRF 3.18 reports ListSerializer/ListField errors keyed by index.
                field = f"{prefix}[{key}]"
            elif prefix:
                field = f"{prefix}.{key}"
            else:
                field = str(key)
            out.extend(flatten_errors(value, field))
    elif isinstance(detail, list):
        if detail and all(isinstance(item, (dict, list)) for item in detail):
            for index, item in enumerate(detail):
                if item:
                    out.extend(flatten_errors(item, f"{prefix}[{index}]"))
        else:
            for item in detail:
                out.extend(flatten_errors(item, prefix))
    else:
        code = getattr(detail, "code", None) or "invalid"
        out.append({"field": prefix or None, "rule": str(code), "message": str(detail)})
    return out


_TITLES = {
    400: "Invalid request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    415: "Unsupported media type",
    422: "Unprocessable request",
    428: "Precondition required",
    429: "Too many requests",
    503: "Service unavailable",
}


def problem_response(status_code: int, detail: str, *, errors: list[dict[str, Any]] | None = None,
                     extra: dict[str, Any] | None = None, code: str = "") -> Response:
    body: dict[str, Any] = {
        "type": f"/problems/{code or status_code}",
        "title": _TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "errors": errors or [],
        "request_id": request_id_var.get(),
    }
    if extra:
        body.update(extra)
    return Response(body, status=status_code, content_type="application/problem+json")


_METHOD_ACTIONS = {"GET": "read", "HEAD": "read", "OPTIONS": "read", "POST": "create",
                   "PUT": "update", "PATCH": "update", "DELETE": "delete"}


def _audit_denied(request: Any) -> None:
    """A refused, authenticated call is an audit row (ASVS 7.2.2; docs/security.md, S8).

    Anonymous 401s are not recorded: they carry no actor, and recording them would let anyone
    flood the trail.
    """
    if request is None:
        return
    from core.access import principal_from_request
    from core.audit import audit_record

    principal = principal_from_request(request)
    if not principal.is_authenticated:
        return
    kwargs = getattr(getattr(request, "parser_context", None) or {}, "get", lambda *_: {})(
        "kwargs", {}) or {}
    object_id = next((str(v) for k, v in kwargs.items() if k.endswith("_id")), "")
    audit_record(principal=principal, action=_METHOD_ACTIONS.get(request.method, "read"),
                 outcome="denied", object_id=object_id, path=request.path)


def rule_error_response(exc: RuleError) -> Response:
    """A service's rule error as problem+json: the one place its status, errors and extra
    members become HTTP (core/errors.py)."""
    if exc.status == 404:
        return problem_response(404, exc.message, errors=exc.errors, code="not-found")
    return problem_response(exc.status, exc.message, errors=exc.errors, extra=exc.extra,
                            code=exc.problem_code.replace("_", "-"))


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RuleError):
        response = rule_error_response(exc)
        if isinstance(exc, ConcurrentChange):
            response["Retry-After"] = "1"
        return response
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, OperationalError) and is_concurrency_failure(exc):
        # A deadlock or serialization failure that outlived the retries: a conflict, not an
        # outage (core.dbretry).
        response = rule_error_response(ConcurrentChange())
        response["Retry-After"] = "1"
        return response
    elif isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable during API call: %s", type(exc).__name__)
        response = problem_response(503, "The database is not reachable. Retry shortly.",
                                    code="service-unavailable")
        response["Retry-After"] = "5"
        return response

    response = exception_handler(exc, context)
    if isinstance(exc, exceptions.PermissionDenied):
        _audit_denied(context.get("request"))
    if response is None:
        logger.exception("unhandled API error (request %s)", request_id_var.get())
        return problem_response(500, "Internal error. Quote the request id to support.",
                                code="internal")

    errors: list[dict[str, Any]] = list(getattr(exc, "errors", []) or [])
    extra = dict(getattr(exc, "extra", {}) or {})
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        detail = "; ".join(
            f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors[:5]
        ) or "Invalid request."
        code = "validation"
    else:
        raw = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        detail = str(raw) if not isinstance(raw, (dict, list)) else "; ".join(
            e["message"] for e in flatten_errors(raw)
        )
        code = getattr(exc, "default_code", "") or ""
        if isinstance(exc, exceptions.APIException) and isinstance(exc.detail, str):
            code = getattr(exc.detail, "code", code) or code
    problem = problem_response(response.status_code, detail, errors=errors, extra=extra,
                               code=str(code).replace("_", "-"))
    for header in ("WWW-Authenticate", "Allow", "Retry-After"):
        if header in response:
            problem[header] = response[header]
    return problem
