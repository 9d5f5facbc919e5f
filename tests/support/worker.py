"""Helpers for the tests that need a real Celery worker (the integration phase of .ci/run)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.conf import settings

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
