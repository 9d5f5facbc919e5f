"""Percentiles computed by the database.

PostgreSQL: the ordered-set aggregate ``percentile_cont(f) WITHIN GROUP (ORDER BY x)``, which
takes intervals as well as numbers, so median and 90th percentile come back in the same query as
the count and the breaches.

SQLite has no ordered-set aggregates. There the one column of durations is read already sorted
by the database (``ORDER BY`` on the expression, nothing else selected) and the percentile is
interpolated over that list exactly as ``percentile_cont`` does; no row objects are built and no
per-case Python work is done beyond reading the sorted column.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import Aggregate, FloatField, Func, QuerySet


class EpochSeconds(Func):
    """An instant as Unix seconds, in the database's native arithmetic (no Python function
    per row, as Django's own datetime subtraction on SQLite is): PostgreSQL
    ``EXTRACT(EPOCH FROM x)``, SQLite ``(julianday(x) - 2440587.5) * 86400``. Differences of
    two are durations in seconds (to well under a second)."""

    output_field = FloatField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection,
                              template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS "
                                       "DOUBLE PRECISION)", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection,
                              template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
                              **extra)


class PercentileCont(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`` (PostgreSQL only)."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)),
                         output_field=FloatField(), **extra)


def has_percentile_aggregate() -> bool:
    return bool(connection.vendor == "postgresql")


def interpolate(sorted_values: list[float], fraction: float) -> float | None:
    """``percentile_cont`` on an already sorted list: linear interpolation between ranks."""
    if not sorted_values:
        return None
    rank = fraction * (len(sorted_values) - 1)
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def as_duration(seconds: float | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=round(seconds))


def sorted_percentiles(queryset: QuerySet[Any], alias: str, fractions: tuple[float, ...]
                       ) -> dict[float, timedelta | None]:
    """The fallback where the database has no percentile_cont (SQLite): the one column of
    durations ``alias`` read sorted by the database, interpolated as percentile_cont does."""
    values = [float(v) for v in queryset.order_by(alias).values_list(alias, flat=True)
              if v is not None]
    return {f: as_duration(interpolate(values, f)) for f in fractions}
