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

from .context import request_id_var

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
    "/o/",
    "/api/schema",
    "/api/docs",
)


class RequireOTPMiddleware:
    """With BOARDSVC_REQUIRE_2FA, a signed-in person without a verified TOTP device reaches
    nothing but the sign-in and enrolment pages (reliability-bar S3). System clients, which
    authenticate with OAuth2 bearer tokens, are not sessions and are not affected."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.BOARDSVC_REQUIRE_2FA
            and request.user.is_authenticated
            and not request.user.is_verified()  # type: ignore[union-attr]
            and not request.path.startswith(_OTP_EXEMPT_PREFIXES)
            and "HTTP_AUTHORIZATION" not in request.META
        ):
            if request.path.startswith("/api/"):
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
            return redirect("two_factor")
        return self.get_response(request)


_MACHINE_PREFIXES = ("/api/", "/fhir/", "/ical/", "/o/", "/healthz", "/readyz")
_UNAVAILABLE_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>boardsvc is briefly unavailable</title></head><body>
<h1>boardsvc is briefly unavailable</h1>
<p>The database cannot be reached. Nothing you submitted was half-saved. Try again in a few
seconds.</p><p lang="it">Il servizio è momentaneamente non disponibile. Riprova tra qualche
secondo.</p></body></html>"""


class DatabaseUnavailableMiddleware:
    """A database outage is a 503 with Retry-After, never a traceback (reliability-bar R1)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
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
