"""Liveness and readiness probes (JSON)."""

from __future__ import annotations

import os
import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found
from django.views.defaults import server_error as django_server_error

from core.outbox import outbox_pending_count


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else, so a broker outage cannot fail it."""
    return JsonResponse({"status": "ok"})


def _check_database() -> dict[str, Any]:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok", "latency_ms": round((time.monotonic() - started) * 1000, 1),
            "engine": connection.vendor}


def check_broker() -> dict[str, Any]:
    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return {"status": "ok", "transport": "memory"}
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")
        ok = bool(folder) and os.path.isdir(folder) and os.access(folder, os.W_OK)
        return {"status": "ok" if ok else "down", "transport": "filesystem"}
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception as exc:
        return {"status": "down", "transport": "redis", "error": type(exc).__name__}
    return {"status": "ok", "transport": "redis"}


def _check_outbox() -> dict[str, Any]:
    try:
        pending = outbox_pending_count()
    except Exception as exc:
        return {"status": "unknown", "error": type(exc).__name__}
    return {"status": "ok", "pending": pending}


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness. Database down → 503 (nothing works). Broker down → 200 "degraded": writes still
    commit through the outbox and background work catches up when the broker returns."""
    database = _check_database()
    broker = check_broker()
    components = {"database": database, "broker": broker}
    if database["status"] == "ok":
        components["outbox"] = _check_outbox()
    if database["status"] != "ok":
        overall, code = "down", 503
    elif broker["status"] != "ok":
        overall, code = "degraded", 200
    else:
        overall, code = "ok", 200
    degraded = [name for name, c in components.items() if c.get("status") not in ("ok",)]
    return JsonResponse({"status": overall, "degraded": degraded, "components": components},
                        status=code)


_API_PREFIXES = ("/api/", "/fhir/", "/ical/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: API callers get problem+json (the documented error shape), people a page.

    A path that no URL pattern matches (e.g. a malformed UUID) never reaches DRF's exception
    handler, so without this the API would answer an undocumented HTML 404.
    """
    if request.path.startswith(_API_PREFIXES):
        return JsonResponse(_problem(404, "Not found", "No such resource.", request),
                            status=404, content_type="application/problem+json")
    return page_not_found(request, exception)  # type: ignore[arg-type]


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a generic message and the request id only, never a traceback or patient
    data (docs/security.md, S9)."""
    if request.path.startswith(_API_PREFIXES):
        body = _problem(500, "Internal error", "Internal error. Quote the request id to support.",
                        request)
        return JsonResponse(body, status=500, content_type="application/problem+json")
    return django_server_error(request)


def _problem(status: int, title: str, detail: str, request: HttpRequest) -> dict[str, Any]:
    return {"type": f"/problems/{status}", "title": title, "status": status, "detail": detail,
            "errors": [], "request_id": getattr(request, "request_id", "")}
