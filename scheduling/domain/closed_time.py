"""A resource's closed time as sorted half-open intervals, asked "is any of it inside
``[s, e)``?" in logarithmic time (solver.check_solution and series_choices ask it for every
use they check)."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable


class ClosedTime:
    """Closed intervals ``[a, b)``, which may overlap or touch, in any order."""

    def __init__(self, closed: Iterable[tuple[int, int]]) -> None:
        spans = sorted(closed)
        self._lows = [a for a, _b in spans]
        # The furthest end among the intervals that start at or before each one.
        self._reach = list(itertools.accumulate((b for _a, b in spans), max))

    def overlaps(self, s: int, e: int) -> bool:
        """Some closed time lies inside ``[s, e)`` (an empty range overlaps nothing)."""
        if e <= s:
            return False
        k = bisect.bisect_left(self._lows, e)  # the intervals that start before ``e``
        return bool(k) and self._reach[k - 1] > s
