"""Concurrency failures of the database are retried, then answered as a conflict, never as an
outage (issue 15, item 3; reliability bar C4).

PostgreSQL aborts one transaction of a deadlock (SQLSTATE 40P01) or of a serialization
conflict (40001). Both mean "someone else was writing the same rows at the same moment", not
"the database is down": the whole transaction is run again a bounded number of times
(``retry_on_conflict``, only at the outermost transaction, since an inner block cannot be
re-run alone), and what still fails is answered 409 ``concurrent_change`` with Retry-After, by
the API and the pages alike (``is_concurrency_failure`` in core.api.exceptions and
core.middleware). The services also take their locks in one order so deadlocks should not
arise at all (docs/guarantees.md, G-CONCURRENCY-6); the retry is the belt to those braces.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.db import OperationalError, connection

from core.errors import CONFLICT, RuleError

logger = logging.getLogger(__name__)

CONCURRENCY_STATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
ATTEMPTS = 3
F = TypeVar("F", bound=Callable[..., Any])


class ConcurrentChange(RuleError):
    """Another transaction was changing the same rows at the same moment (→ 409)."""

    status = CONFLICT
    rule = "concurrent_change"

    def __init__(self, message: str = "Someone else was changing the same data at the same "
                                      "moment; nothing was saved. Try again.") -> None:
        super().__init__(message)


def is_concurrency_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL's deadlock or serialization failure (by SQLSTATE)."""
    for candidate in (exc, exc.__cause__):
        state = (getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None))
        if state in CONCURRENCY_STATES:
            return True
    return False


def retry_on_conflict(func: F) -> F:
    """Run ``func`` (which opens the transaction) again after a deadlock or serialization
    failure, up to ATTEMPTS times with a short jittered pause; then raise ConcurrentChange.
    Inside an enclosing transaction the failure is re-raised untouched for the outermost
    caller to handle (a nested block cannot be re-run alone)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                if not is_concurrency_failure(exc) or connection.in_atomic_block:
                    raise
                logger.warning("%s: concurrency failure, attempt %d of %d", func.__name__,
                               attempt, ATTEMPTS)
                if attempt == ATTEMPTS:
                    raise ConcurrentChange() from None
                time.sleep(random.uniform(0.02, 0.1) * attempt)  # noqa: S311 - jitter only
        raise AssertionError("unreachable")  # pragma: no cover

    return cast(F, wrapper)
