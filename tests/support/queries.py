"""Query counts that explain themselves: on a wrong count, the failure lists every query's SQL.

``django_assert_num_queries`` and ``assertNumQueries`` say only "5 != 7"; finding the two extra
queries then means re-running with a debugger. ``assert_num_queries`` fails with the numbered
SQL of every query the block ran (like zulip's ``queries_captured``), so the N+1 is in the
failure message::

    with assert_num_queries(5):
        client.get("/api/v1/cases/")

``count_queries`` measures a block (to pin "the same number of queries for 1 or 6 rows").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext


@dataclass
class CapturedQueries:
    """The queries a block ran (filled in when the block ends)."""

    queries: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.queries)

    @property
    def sql(self) -> list[str]:
        return [query["sql"] for query in self.queries]


def numbered_sql(queries: list[dict[str, Any]]) -> str:
    """Every query's SQL on its own line, numbered from 1."""
    return "\n".join(f"{n}. {query['sql']}" for n, query in enumerate(queries, start=1))


def query_count_message(expected: int, queries: list[dict[str, Any]]) -> str:
    """The failure message: the counts, then the numbered SQL of every query."""
    return (f"Expected {expected} queries, {len(queries)} were executed:\n"
            f"{numbered_sql(queries) or '(none)'}")


@contextmanager
def capture_queries(using: str = DEFAULT_DB_ALIAS) -> Iterator[CapturedQueries]:
    """Record the queries the block runs on ``using`` (DEBUG or not)."""
    captured = CapturedQueries()
    with CaptureQueriesContext(connections[using]) as context:
        yield captured
    captured.queries = list(context.captured_queries)


@contextmanager
def assert_num_queries(expected: int, *, using: str = DEFAULT_DB_ALIAS,
                       fail: Callable[[str], Any] = pytest.fail) -> Iterator[CapturedQueries]:
    """Fail unless the block runs exactly ``expected`` queries, listing each query's SQL.

    The block's own exception wins: the count is only checked when the block completed.
    """
    with capture_queries(using) as captured:
        yield captured
    if len(captured) != expected:
        fail(query_count_message(expected, captured.queries))


def count_queries(action: Callable[[], Any], *, using: str = DEFAULT_DB_ALIAS) -> int:
    """How many queries ``action()`` runs."""
    with capture_queries(using) as captured:
        action()
    return len(captured)
