"""Liveness and readiness probes (JSON)."""

from __future__ import annotations

import os
import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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
    from core.models import OutboxMessage

    try:
        pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count()
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
