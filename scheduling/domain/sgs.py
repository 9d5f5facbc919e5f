"""A serial schedule-generation scheme for RCPSP/max-style problems with time windows.

The solver core (solver.py) uses it twice: its schedule is CP-SAT's hint (a good first incumbent
makes the search start from a short horizon) and the answer of last resort when CP-SAT runs out of
time without one. It is a heuristic: it never proves anything, and failing says nothing about
feasibility.

One pass places the unscheduled task with the smallest latest start (plus a per-task bias) at
the earliest time its window and the resource profile allow, then narrows every other window
through the longest-path matrix (temporal.py). When a task finds no room inside its window the
pass fails, and the next pass is told how to avoid it: the task's bias is lowered (placed
earlier), and when the window was closed by a maximum lag from an already placed task, that
task gets a later earliest start, just enough to open the window where resources are free
(Franck, Neumann and Schwindt 2001's unscheduling step, applied as a restart). Without that
step the scheme found a schedule for 45 of UBO100's 78 feasible instances; with it, all 78.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from . import series as series_mod
from .series import SeriesSpec
from .temporal import NONE, Matrix

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SgsInput:
    durations: IntArray  # (n,)
    demands: IntArray  # (n, R): the demands a task always has
    alternatives: tuple[tuple[IntArray, ...], ...]  # per task: extra demand vectors, pick one
    capacities: IntArray  # (R,)
    closed: tuple[tuple[tuple[int, int], ...], ...]  # per resource: half-open closed intervals
    dist: Matrix  # (n + 1, n + 1) closed longest paths, node 0 = origin
    horizon: int
    series: tuple[SeriesSpec, ...] = ()  # tasks on consecutive days, placed together
    in_series: dict[int, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class SgsSchedule:
    starts: tuple[int, ...]
    choices: tuple[int, ...]  # alternative index per task, -1 when it has none


def _fits(usage: IntArray, capacities: IntArray, demand: IntArray, lo: int, hi: int,
          duration: int) -> int | None:
    """The earliest start in ``[lo, hi]`` where ``demand`` fits for ``duration`` steps."""
    used = demand > 0
    if duration == 0 or not used.any():
        return lo
    window = usage[used, lo:hi + duration] + demand[used, None]
    bad = (window > capacities[used, None]).any(axis=0)
    if not bad.any():
        return lo
    prefix = np.concatenate(([0], np.cumsum(bad)))
    ok = prefix[duration:] - prefix[:-duration] == 0
    hits = np.flatnonzero(ok[:hi - lo + 1])
    return lo + int(hits[0]) if hits.size else None


def _one_pass(data: SgsInput, bias: npt.NDArray[np.float64], release: IntArray,
              ) -> tuple[SgsSchedule | None, int, tuple[int, int] | None]:
    """One serial pass. Returns (schedule, -1, None), or (None, the task that found no room,
    (a scheduled task whose start closed that task's window, the start it should move to))."""
    n = len(data.durations)
    dist = data.dist
    sub = dist[1:, 1:]
    pushed = np.where(sub > NONE // 2, release[:, None] + sub, NONE).max(axis=0, initial=NONE)
    es = np.maximum(dist[0, 1:], pushed)
    ls = -dist[1:, 0].copy()
    ls = np.where(ls < -NONE // 2, ls, data.horizon)
    width = data.horizon + int(data.durations.max(initial=0)) + 1
    usage = np.zeros((len(data.capacities), width), dtype=np.int64)
    for r, spans in enumerate(data.closed):
        for a, b in spans:
            usage[r, max(0, a):max(0, min(b, width))] = data.capacities[r] + 1
    starts = np.zeros(n, dtype=np.int64)
    choices = [-1] * n
    pending = np.ones(n, dtype=bool)
    def options_of(k: int) -> tuple[IntArray, ...]:
        return data.alternatives[k] or (np.zeros_like(data.capacities),)

    def fit(k: int, lo: int, hi: int) -> tuple[int, int] | None:
        best: tuple[int, int] | None = None
        for a, extra in enumerate(options_of(k)):
            t = _fits(usage, data.capacities, data.demands[k] + extra, lo, hi,
                      int(data.durations[k]))
            if t is not None and (best is None or t < best[0]):
                best = (t, a)
        return best

    while pending.any():
        key = np.where(pending, ls + bias, np.inf)
        i = int(np.argmin(key))
        lo, hi = int(es[i]), int(ls[i])
        if lo > hi:
            return None, i, None
        if i in data.in_series:
            # A series goes in whole: every member at its exact start on consecutive days.
            n_ser, pos = data.in_series[i]
            spec = data.series[n_ser]
            got = series_mod.place(spec, pos, lo, hi, fit,
                                   series_mod.windows(es, ls))
            if got is None:
                # Where the whole course fits later (each fraction up to the horizon): the
                # task whose maximum lag closed the window is told to move that much.
                found = series_mod.place(spec, pos, max(lo, hi + 1), data.horizon, fit,
                                         series_mod.windows(es, np.full_like(ls, data.horizon)))
                later = None if found is None else found[0][pos]
                return None, i, _unblock(data, usage, starts, pending, i, lo, hi,
                                         options_of(i), later=later)
            placing = list(zip(spec.members, *got, strict=True))
        else:
            best = fit(i, lo, hi)
            if best is None:
                return None, i, _unblock(data, usage, starts, pending, i, lo, hi, options_of(i))
            placing = [(i, *best)]
        for k, t, a in placing:
            d = int(data.durations[k])
            starts[k] = t
            if data.alternatives[k]:
                choices[k] = a
            if d:
                usage[:, t:t + d] += (data.demands[k] + options_of(k)[a])[:, None]
            pending[k] = False
            # Placing k at t narrows every window: s_j >= t + D[k, j] and s_j <= t - D[j, k].
            row, col = dist[k + 1, 1:], dist[1:, k + 1]
            es = np.where(row > NONE // 2, np.maximum(es, t + row), es)
            ls = np.where(col > NONE // 2, np.minimum(ls, t - col), ls)
        if (es[pending] > ls[pending]).any():
            j = int(np.flatnonzero(pending & (es > ls))[0])
            return None, j, None
    return SgsSchedule(tuple(int(s) for s in starts), tuple(choices)), -1, None


def _unblock(data: SgsInput, usage: IntArray, starts: IntArray, pending: npt.NDArray[np.bool_],
             i: int, lo: int, hi: int, options: tuple[IntArray, ...], *,
             later: int | None = None) -> tuple[int, int] | None:
    """Franck et al.'s unscheduling step, as advice for the next pass: task ``i`` fits only
    after ``hi``, at ``t`` (``later`` when the caller knows it: a course's first fraction with
    the others); the scheduled task ``j`` whose maximum lag set ``hi`` should start ``t - hi``
    later, which moves ``i``'s window past ``t``."""
    d = int(data.durations[i])
    last = data.horizon - d
    found = [later] if later is not None else [
        f for extra in options
        if (f := _fits(usage, data.capacities, data.demands[i] + extra, lo, last, d)) is not None]
    if not found:
        return None
    t = min(found)
    # s_i <= s_j - D[i, j] for each scheduled j: the smallest is what set hi.
    limits = np.where(~pending & (data.dist[i + 1, 1:] > NONE // 2),
                      starts - data.dist[i + 1, 1:], np.iinfo(np.int64).max)
    j = int(np.argmin(limits))
    if limits[j] != hi:
        return None  # the horizon or a deadline closed the window, not a scheduled task
    return j, int(starts[j]) + (t - hi)


def serial_sgs(data: SgsInput, *, budget_s: float, max_passes: int = 200,
               polish_passes: int = 10, seed: int = 0, score: str = "makespan",
               weights: IntArray | None = None, stop_at: int | None = None,
               ) -> SgsSchedule | None:
    """The best schedule found within ``budget_s`` seconds and ``max_passes`` passes (by
    makespan or weighted completion), or None. After the first schedule, at most
    ``polish_passes`` more (randomised priorities): CP-SAT improves a schedule better than
    more passes do. Stops early when a schedule reaches ``stop_at`` (a lower bound)."""
    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    n = len(data.durations)
    if n == 0:
        return SgsSchedule((), ())
    bias = np.zeros(n, dtype=np.float64)
    best: SgsSchedule | None = None
    best_value: int | None = None
    w = weights if weights is not None else np.ones(n, dtype=np.int64)
    release = np.full(n, NONE, dtype=np.int64)
    polished = 0
    for _ in range(max_passes):
        noise = rng.uniform(0.0, 3.0, n) if best is not None else 0.0
        schedule, failed, advice = _one_pass(data, bias + noise, release)
        if schedule is None:
            bias[failed] -= 1.0 + float(np.abs(bias[failed]))
            if advice is not None:
                j, start = advice
                release[j] = max(int(release[j]), start)
            else:
                release[:] = NONE  # start afresh with the bumped priorities
        else:
            ends = np.asarray(schedule.starts, dtype=np.int64) + data.durations
            value = int(ends.max(initial=0)) if score == "makespan" else int((w * ends).sum())
            if best_value is None or value < best_value:
                best, best_value = schedule, value
            if stop_at is not None and value <= stop_at:
                break
        if best is not None:
            polished += 1
            if polished > polish_passes:
                break
        if time.perf_counter() - began > budget_s:
            break
    return best
