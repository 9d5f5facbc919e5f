"""The temporal network of a scheduling problem: difference constraints ``s_j - s_i >= w`` between
task starts (and a time origin), closed under longest paths.

Every lag, release, deadline and fixed start of solver.Problem is such a constraint once the
fixed durations turn end anchors into start offsets. Their longest-path closure (Floyd–Warshall,
one vectorised numpy relaxation per pivot: n³ work but only n Python steps, a few milliseconds at
n = 200) gives, for free and before any search:

- a proof of infeasibility: a positive cycle (``D[i, i] > 0``) means the lags contradict
  each other whatever the resources;
- every task's tightest start window, from the origin row and column;
- every implied precedence between two tasks (``D[i, j]``), which resource reasoning can use:
  two tasks that cannot overlap and cannot run ``j`` first must run ``i`` first.

On top of the closure, the resource reasoning that only needs it: pairs of tasks no resource
can hold together get ordered when the distances exclude one order (``analyse``), the windows for
any horizon (``windows``), critical-path and energy bounds (``lower_bound``), and a destructive
lower bound that bisects on the makespan with ``analyse`` as the refutation
(``destructive_bound``). Tasks are indexed from 0 here; node ``k + 1`` is task ``k``.

Values below ``NONE // 2`` mean "no path". Additions stay above the int64 floor because both
operands are at least ``NONE``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.int64]
IntArray = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]
Arc = tuple[int, int, int]
NONE = -(10**15)
ORIGIN = 0  # node 0 is time zero; task k is node k + 1


def closure(n_nodes: int, arcs: Iterable[tuple[int, int, int]]) -> Matrix:
    """Longest-path distances over ``arcs`` (``(i, j, w)``: ``s_j - s_i >= w``).

    ``D[i, i] > 0`` for some ``i`` means a positive cycle (see ``has_positive_cycle``).
    """
    dist = np.full((n_nodes, n_nodes), NONE, dtype=np.int64)
    np.fill_diagonal(dist, 0)
    for i, j, w in arcs:
        if w > dist[i, j]:
            dist[i, j] = w
    for k in range(n_nodes):
        # Row k and column k do not change while pivoting on k (D[k, k] = 0 without a positive
        # cycle; with one, the result only needs to keep a positive diagonal, which it does).
        np.maximum(dist, dist[:, k, None] + dist[None, k, :], out=dist)
    np.maximum(dist, NONE, out=dist)
    return dist


def add_arc(dist: Matrix, i: int, j: int, w: int) -> None:
    """Add ``s_j - s_i >= w`` to a closed matrix in place, in O(n²)."""
    if w <= dist[i, j]:
        return
    through = dist[:, i, None] + w + dist[None, j, :]
    np.maximum(dist, through, out=dist)
    np.maximum(dist, NONE, out=dist)


def has_positive_cycle(dist: Matrix) -> bool:
    return bool((np.diagonal(dist) > 0).any())


def reachable(value: int | np.int64) -> bool:
    return bool(value > NONE // 2)


# --- resource reasoning over the closure ----------------------------------------------------------


@dataclass
class Analysis:
    dist: Matrix
    added: list[Arc]  # task orderings (i, j, d_i) deduced from resource conflicts
    infeasible: bool


def conflicts(durations: IntArray, least: IntArray, capacities: IntArray) -> BoolMatrix:
    """``[i, j]``: tasks ``i`` and ``j`` can never run at the same time (``least`` is what
    each surely uses; one resource cannot hold both)."""
    n = len(durations)
    active = (durations > 0)[:, None] & (least > 0)
    found = np.zeros((n, n), dtype=bool)
    for r in range(len(capacities)):
        users = active[:, r]
        pair = least[:, r, None] + least[None, :, r] > capacities[r]
        found |= pair & users[:, None] & users[None, :]
    np.fill_diagonal(found, False)
    return found


def analyse(arcs: Sequence[Arc], durations: IntArray, conflict: BoolMatrix,
            horizon: int | None = None, known: Sequence[Arc] = ()) -> Analysis:
    """Longest paths, then conflicting pairs ordered to a fixpoint: when ``j`` cannot entirely
    precede ``i`` (``D[i, j] > -d_j``), ``i`` must precede ``j`` (a new arc, closed again);
    when neither order fits, the problem is infeasible.

    ``arcs`` are on nodes (origin 0, task ``k`` at ``k + 1``). ``horizon`` asks "is there a
    schedule with every task ending by then?": its windows order more pairs, which is what the
    destructive bound uses. ``known`` are orderings deduced before at a larger horizon.
    """
    n = len(durations)
    d = durations
    all_arcs = list(arcs) + [(i + 1, j + 1, w) for i, j, w in known]
    if horizon is not None:
        all_arcs += [(k + 1, 0, int(d[k]) - horizon) for k in range(n)]
    dist = closure(n + 1, all_arcs)
    added: list[Arc] = list(known)
    if has_positive_cycle(dist):
        return Analysis(dist, added, True)
    while True:
        sub = dist[1:, 1:]
        # j cannot end before i starts, and i is not already known to end before j starts.
        todo = np.argwhere(conflict & (sub > -d[None, :]) & (sub < d[:, None]))
        if todo.size == 0:
            return Analysis(dist, added, False)
        for pair in todo:
            i, j = int(pair[0]), int(pair[1])
            if dist[i + 1, j + 1] >= d[i]:
                continue  # settled by an arc added in this sweep
            if dist[j + 1, i + 1] > -d[i]:
                return Analysis(dist, added, True)  # neither order fits
            add_arc(dist, i + 1, j + 1, int(d[i]))
            added.append((i, j, int(d[i])))
            if has_positive_cycle(dist):
                return Analysis(dist, added, True)


def windows(dist: Matrix, durations: IntArray, horizon: int) -> tuple[IntArray, IntArray]:
    """Earliest and latest starts with every task ending by ``horizon``."""
    es = dist[0, 1:].copy()
    # s_k + D[k, j] + d_j <= horizon for every j reachable from k (j = k included).
    reach = np.where(dist[1:, 1:] > NONE // 2, dist[1:, 1:] + durations[None, :], NONE)
    ls = np.minimum(-dist[1:, 0], horizon - reach.max(axis=1, initial=NONE))
    return es, ls


def lower_bound(dist: Matrix, durations: IntArray, least: IntArray, capacities: IntArray,
                weights: IntArray, *, makespan: bool) -> int:
    """Weighted earliest ends; for the makespan, the critical path and, per resource, the
    earliest start of its users + their energy / capacity + their shortest tail."""
    es = dist[0, 1:]
    ends = es + durations
    if not makespan:
        return int((weights * ends).sum())
    bound = int(ends.max(initial=0))
    # Tail of k: how long after k ends something must still be running.
    reach = np.where(dist[1:, 1:] > NONE // 2, dist[1:, 1:] + durations[None, :], 0)
    tails = reach.max(axis=1, initial=0) - durations
    for r, cap in enumerate(capacities):
        users = np.flatnonzero((least[:, r] > 0) & (durations > 0))
        if users.size == 0 or cap <= 0:
            continue
        energy = int((least[users, r] * durations[users]).sum())
        bound = max(bound, int(es[users].min()) + math.ceil(energy / int(cap))
                    + int(tails[users].min()))
    return bound


def destructive_bound(arcs: Sequence[Arc], durations: IntArray, conflict: BoolMatrix,
                      known: Sequence[Arc], lower: int, upper: int, *, budget_s: float,
                      ) -> tuple[int, Analysis]:
    """The least makespan ``T`` in ``[lower, upper]`` that ``analyse`` cannot refute, by
    bisection (Klein and Scholl's destructive bounding with pair reasoning), and the analysis
    at ``upper`` (its orderings hold for every schedule ending by ``upper``).

    Refuting ``T`` refutes every smaller one, so the bisection is sound, and stopping it early
    (after ``budget_s``) keeps a valid bound. Returns ``upper + 1`` when ``upper`` itself is
    refuted.
    """
    began = time.perf_counter()
    at_upper = analyse(arcs, durations, conflict, upper, known)
    if at_upper.infeasible:
        return upper + 1, at_upper
    lo, hi = lower, upper  # hi is never refuted, everything below lo is
    while lo < hi and time.perf_counter() - began < budget_s:
        mid = (lo + hi) // 2
        if analyse(arcs, durations, conflict, mid, at_upper.added).infeasible:
            lo = mid + 1
        else:
            hi = mid
    return lo, at_upper
