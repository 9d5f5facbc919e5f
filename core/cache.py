"""Figures worth keeping for a while: computed once, served from the cache for some seconds.

For aggregates that are costly to compute and that nobody expects to the second (the KPI
dashboards). Never for what a decision or a booking is judged on: those read the database.

The cache is Redis in production (``BOARDSVC_CACHE_URL``), local memory otherwise. A cache that
fails (Redis down, a timeout) is logged and bypassed: the figures are computed from the
database, so an outage of the cache costs time, never a wrong or a failed answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Kept(Generic[T]):
    """A value and when it was computed (shown to the reader as "figures as of")."""

    value: T
    computed_at: datetime


def kept(key: str, seconds: int, compute: Callable[[], T]) -> Kept[T]:
    """``compute()``, or what it returned less than ``seconds`` ago under ``key``.

    ``seconds <= 0`` computes every time. ``key`` must name everything the value depends on
    except time (the object, the period, the language of any label in it).
    """
    if seconds <= 0:
        return Kept(compute(), timezone.now())
    reachable = True
    try:
        hit = cache.get(key)
    except Exception as exc:  # any backend failure: serve from the database
        reachable = False
        hit = None
        logger.warning("cache unavailable, computing %s: %s", key.split(":", 1)[0],
                       type(exc).__name__)
    if isinstance(hit, Kept):
        return hit
    fresh = Kept(compute(), timezone.now())
    if reachable:
        try:
            cache.set(key, fresh, seconds)
        except Exception as exc:
            logger.warning("cache unavailable, not keeping %s: %s", key.split(":", 1)[0],
                           type(exc).__name__)
    return fresh
