"""Tasks on consecutive working days (solver.py's ``Series``): what the heuristics and the
independent check share.

A series is a list of tasks, each on the next day of a list of allowed days at the same time of
day (a radiotherapy course: one fraction on each next working day, R17). Day ``d`` is the
half-open span ``[offset + d * period, offset + (d + 1) * period)``. If the series' task at
position ``p`` starts at ``t`` on day ``days[i]``, the task at position ``q`` starts at
``t + period * (days[i + q - p] - days[i])``.

The lag graph only holds a relaxation (the smallest and largest gap between two allowed days,
and each position's first and last possible day): sound for windows, bounds and infeasibility
proofs. The exact relation is CP-SAT's (an element constraint per task, solver.py), the
heuristics' (``place``: the whole series at once) and the check's (``broken``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
# fit(task, lo, hi) -> (earliest start in [lo, hi] where the task fits, its alternative) or None
Fit = Callable[[int, int, int], "tuple[int, int] | None"]
Window = Callable[[int], "tuple[int, int]"]


@dataclass(frozen=True)
class SeriesSpec:
    """A compiled series: task indices in order, the day length and origin, the allowed days
    (sorted, distinct)."""

    members: tuple[int, ...]
    period: int
    offset: int
    days: IntArray

    @classmethod
    def of(cls, tasks: Sequence[int], period: int, offset: int, days: Sequence[int],
           ) -> SeriesSpec:
        """From a ``solver.Series``'s fields, ``tasks`` as indices (allowed days deduplicated
        and sorted)."""
        return cls(tuple(tasks), period, offset, np.asarray(sorted(set(days)), dtype=np.int64))

    def day(self, t: int) -> int:
        return (t - self.offset) // self.period

    def day_start(self, d: int) -> int:
        return self.offset + d * self.period

    def starts(self, pos: int, t: int) -> list[int] | None:
        """Every member's start when the one at ``pos`` starts at ``t`` (None when ``t``'s day
        is not one that position can take)."""
        d = self.day(t)
        i = int(np.searchsorted(self.days, d))
        first = i - pos
        if (i >= len(self.days) or self.days[i] != d or first < 0
                or first + len(self.members) > len(self.days)):
            return None
        return [t + self.period * int(self.days[first + q] - d)
                for q in range(len(self.members))]

    def first_usable(self, pos: int, t: int) -> int | None:
        """The earliest time at or after ``t`` on a day position ``pos`` can take."""
        if self.starts(pos, t) is not None:
            return t
        lo = pos  # the position's first and last usable entries of ``days``
        hi = len(self.days) - len(self.members) + pos
        i = max(lo, int(np.searchsorted(self.days, self.day(t), side="right")))
        return self.day_start(int(self.days[i])) if i <= hi else None

    def relaxation(self) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int]]]:
        """The lag graph's part: (source, target, min, max) between consecutive members' starts,
        and (member, earliest start, latest start) per member."""
        n = len(self.members)
        gaps = np.diff(self.days)
        lags = []
        if n > 1 and len(self.days) >= n:
            # Consecutive members sit on consecutive entries of ``days``.
            lo, hi = int(gaps.min()) * self.period, int(gaps.max()) * self.period
            lags = [(a, b, lo, hi) for a, b in zip(self.members, self.members[1:], strict=False)]
        spans = []
        for q, k in enumerate(self.members):
            last = len(self.days) - n + q
            if last < q:
                spans.append((k, 1, 0))  # no room for the series at all: an empty window
                continue
            spans.append((k, self.day_start(int(self.days[q])),
                          self.day_start(int(self.days[last])) + self.period - 1))
        return lags, spans


def windows(es: IntArray, ls: IntArray, local: Mapping[int, int] | None = None) -> Window:
    """A ``Window`` reading task ``k``'s window from ``es``/``ls`` (at ``local[k]`` when given)."""
    def window(k: int) -> tuple[int, int]:
        at = k if local is None else local[k]
        return int(es[at]), int(ls[at])
    return window


def place(spec: SeriesSpec, pos: int, lo: int, hi: int, fit: Fit, window: Window,
          ) -> tuple[list[int], list[int]] | None:
    """The earliest start in ``[lo, hi]`` of the member at ``pos`` such that every member fits
    (``fit``) at its exact start inside its own ``window``: (starts, alternatives) of all the
    members, or None. Exact: within one day the members move together, so a member that does
    not fit until ``x`` later moves the whole series by ``x``, never past the end of the day."""
    members = spec.members
    t: int | None = lo
    while t is not None and t <= hi:
        t = spec.first_usable(pos, t)
        if t is None or t > hi:
            return None
        found = fit(members[pos], t, hi)
        if found is None:
            return None
        t0, a0 = found
        starts = spec.starts(pos, t0)
        if starts is None:
            t = t0  # its day is not usable: the next loop moves to one that is
            continue
        alts = [0] * len(members)
        alts[pos] = a0
        shift = 0
        for q, k in enumerate(members):
            if q == pos:
                continue
            w_lo, w_hi = window(k)
            s = starts[q]
            if s > w_hi:
                return None  # a later start only moves it further
            if s < w_lo:
                shift = max(shift, w_lo - s)
                continue
            got = fit(k, s, w_hi)
            if got is None:
                return None
            if got[0] > s:
                shift = max(shift, got[0] - s)
            else:
                alts[q] = got[1]
        if shift == 0:
            return starts, alts
        next_day = spec.day_start(spec.day(t0) + 1)
        t = min(t0 + shift, next_day)
    return None


def broken(spec: SeriesSpec, starts: Sequence[int], name: str) -> list[str]:
    """What a schedule (members' starts, in order) breaks of the series; [] when nothing."""
    expected = spec.starts(0, int(starts[0]))
    if expected is None:
        return [f"series {name}: its first task starts on a day the series cannot start on"]
    return [f"series {name}: task {q + 1} starts at {s}, not at {e} (the next allowed day, "
            f"same time)" for q, (s, e) in enumerate(zip(starts, expected, strict=True))
            if s != e]
