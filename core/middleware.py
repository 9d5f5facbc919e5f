"""Request id, two-factor enforcement and database-outage handling."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .context import request_id_var
from .dbretry import ConcurrentChange, is_concurrency_failure

logger = logging.getLogger(__name__)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Accept a caller's X-Request-ID (integration engines correlate with it) or make one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


_OTP_EXEMPT_PREFIXES = (
    "/accounts/",
    "/static/",
    "/healthz",
    "/readyz",
    "/i18n/",
    # The OAuth2 endpoints judge their callers by client credentials or tokens, not sessions.
    "/o/token/",
    "/o/revoke_token/",
    "/o/introspect/",
    "/api/schema",
    "/api/docs",
    "/api/redoc",
)


class RequireOTPMiddleware:
    """With BOARDSVC_REQUIRE_2FA, a signed-in person without a verified TOTP device reaches
    nothing but the sign-in and enrolment pages (docs/security.md, S3), whatever headers the
    request carries: an Authorization header does not excuse a half-signed-in session (issue 10,
    item 2). System clients send no session cookie, so request.user is anonymous for them and
    their bearer token is judged by core.api.authentication alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.BOARDSVC_REQUIRE_2FA
            and request.user.is_authenticated
            and not request.user.is_verified()  # type: ignore[union-attr]
            and not request.path.startswith(_OTP_EXEMPT_PREFIXES)
        ):
            if request.path.startswith(("/api/", "/fhir/")):
                return JsonResponse(
                    {
                        "type": "/problems/two-factor-required",
                        "title": "Two-factor authentication required",
                        "status": 403,
                        "detail": "Verify a TOTP device at /accounts/2fa/ before using the API.",
                    },
                    status=403,
                    content_type="application/problem+json",
                )
            return redirect(f"{reverse('two_factor')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class RequestLimitsMiddleware:
    """Refuse hostile bodies before anything reads them, and keep patient data out of caches.

    - A body over ``BOARDSVC_MAX_BODY_BYTES`` is 413, a malformed Content-Length 400.
    - A JSON body nested deeper than ``BOARDSVC_MAX_JSON_DEPTH`` is 400: Python's JSON parser
      recurses, and a 100 KB ``[[[[...`` would otherwise end in a RecursionError (a 500).
    - Every response but static files gets ``Cache-Control: no-store`` (issue 10, item 13):
      pages, API bodies and feeds carry patient data, which no shared or browser cache keeps.
    Runs before sessions and authentication, so anonymous callers are refused the same way.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._refusal(request) or self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        raw_length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw_length)
        except ValueError:
            length = -1
        if length < 0:
            return _limit_problem(request, 400, "invalid-content-length",
                                  "Content-Length must be a non-negative integer.",
                                  field="Content-Length", rule="invalid")
        limit = settings.BOARDSVC_MAX_BODY_BYTES
        if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/form-data"):
            # File uploads (PDF documents, cases.services.documents): the document's own limit
            # plus room for the form; non-file fields stay under DATA_UPLOAD_MAX_MEMORY_SIZE.
            limit = max(limit, getattr(settings, "BOARDSVC_MAX_DOCUMENT_BYTES",
                                       10 * 1024 * 1024) + 64 * 1024)
        if length > limit:
            return _limit_problem(request, 413, "body-too-large",
                                  f"The request body is {length} bytes; the limit is {limit}.",
                                  field="body", rule="max_bytes", extra={"limit": limit})
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if length and (content_type == "application/json" or content_type.endswith("+json")):
            depth = json_depth(request.body, stop_at=settings.BOARDSVC_MAX_JSON_DEPTH)
            if depth > settings.BOARDSVC_MAX_JSON_DEPTH:
                return _limit_problem(
                    request, 400, "json-too-deep",
                    f"JSON nested deeper than {settings.BOARDSVC_MAX_JSON_DEPTH} levels.",
                    field="body", rule="max_depth",
                    extra={"limit": settings.BOARDSVC_MAX_JSON_DEPTH})
        return None


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")


def json_depth(body: bytes, *, stop_at: int) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings ignored); stops
    counting past ``stop_at``. The regexes run in C, the loop only over brackets."""
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", body))
    depth = deepest = 0
    for char in brackets:
        if char in b"[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_at:
                    break
        else:
            depth -= 1
    return deepest


def _limit_problem(request: HttpRequest, status: int, code: str, detail: str, *, field: str,
                   rule: str, extra: dict[str, object] | None = None) -> HttpResponse:
    logger.info("request refused before parsing: %s", code)
    body: dict[str, object] = {
        "type": f"/problems/{code}",
        "title": "Payload too large" if status == 413 else "Invalid request",
        "status": status,
        "detail": detail,
        "errors": [{"field": field, "rule": rule, "message": detail}],
        "request_id": getattr(request, "request_id", ""),
    }
    if extra:
        body.update(extra)
    return JsonResponse(body, status=status, content_type="application/problem+json")


_MACHINE_PREFIXES = ("/api/", "/fhir/", "/ical/", "/o/", "/healthz", "/readyz")
_UNAVAILABLE_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>boardsvc is briefly unavailable</title></head><body>
<h1>boardsvc is briefly unavailable</h1>
<p>The database cannot be reached. Nothing you submitted was half-saved. Try again in a few
seconds.</p><p lang="it">Il servizio è momentaneamente non disponibile. Riprova tra qualche
secondo.</p></body></html>"""


_CONFLICT_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Someone else was changing the same data</title></head><body>
<h1>Someone else was changing the same data</h1>
<p>Nothing was saved. Go back, reload the page and try again.</p>
<p lang="it">Qualcun altro stava modificando gli stessi dati: non è stato salvato nulla.
Torna indietro, ricarica la pagina e riprova.</p></body></html>"""


class DatabaseUnavailableMiddleware:
    """A database outage is a 503 with Retry-After, never a traceback (docs/security.md, R1);
    a deadlock or serialization failure is a 409 with Retry-After (core.dbretry)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError) and is_concurrency_failure(exception):
            # A deadlock or serialization failure is a conflict, not an outage (core.dbretry).
            logger.warning("concurrent change: %s", type(exception).__name__)
            if not request.path.startswith(_MACHINE_PREFIXES):
                page = HttpResponse(_CONFLICT_HTML, status=409,
                                    content_type="text/html; charset=utf-8")
            else:
                page = JsonResponse({
                    "type": "/problems/concurrent-change", "title": "Concurrent change",
                    "status": 409, "detail": ConcurrentChange().message,
                    "errors": [{"field": None, "rule": "concurrent_change",
                                "message": ConcurrentChange().message}],
                    "request_id": getattr(request, "request_id", ""),
                }, status=409, content_type="application/problem+json")
            page["Retry-After"] = "1"
            return page
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.warning("database unavailable: %s", type(exception).__name__)
            if not request.path.startswith(_MACHINE_PREFIXES):
                # People get a page, built without templates: rendering one would touch the
                # session and so the database that is down.
                page = HttpResponse(_UNAVAILABLE_HTML, status=503,
                                    content_type="text/html; charset=utf-8")
                page["Retry-After"] = "5"
                return page
            response = JsonResponse(
                {
                    "type": "/problems/service-unavailable",
                    "title": "Service temporarily unavailable",
                    "status": 503,
                    "detail": "The database is not reachable. Retry shortly.",
                    "request_id": getattr(request, "request_id", ""),
                },
                status=503,
                content_type="application/problem+json",
            )
            response["Retry-After"] = "5"
            return response
        return None
