"""Helpers for the tests that need a real Celery worker (the integration phase of .ci/run)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

# Marks for a module whose tests talk to a real broker and worker: they run in .ci/run's
# integration phase and are skipped (with the reason shown) when Celery runs eagerly.
REAL_WORKER = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(settings.CELERY_TASK_ALWAYS_EAGER,
                       reason="needs a real broker and worker (.ci/run integration phase)"),
]


def poll(predicate: Callable[[], object], timeout: float = 30.0) -> bool:
    """Whether ``predicate`` became true within ``timeout`` seconds (checked every 0.25 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


# --- processes of their own: the fault tests start a Redis, workers, a gunicorn ----------------


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_pingable(port: int) -> bool:
    """Whether a Redis answers PING on ``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_start(port: int, data: Path) -> subprocess.Popen[bytes]:
    """A Redis of the test's own on ``port``, AOF on in ``data`` (as deployed); ready."""
    data.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "yes", "--dir", str(data)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert poll(lambda: redis_pingable(port), timeout=10), "redis did not start"
    return process


def suite_database_url() -> str:
    """The pytest test database as a URL, for the processes a test starts."""
    s = connection.settings_dict
    return (f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT'] or 5432}/"
            f"{s['NAME']}")
