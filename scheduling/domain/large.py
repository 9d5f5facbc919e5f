"""Large problems for the solver core: thousands of tasks in many small lag components (one per
patient's plan), as the whole waiting list of a hospital is.

The dense pipeline of solver.py closes the whole lag graph (n² memory, n³ time) and keeps a
resource × time array per resource; at 8,000 tasks and 2,000 patients that is gigabytes and
minutes. Here:

1. **Per-component temporal network.** Lags only join tasks of one component, so the longest
   paths are closed per component with the time origin (a path between two components can only
   pass through the origin, which the windows already say). A positive cycle or an empty window
   still proves infeasibility.
2. **A component-wise list heuristic** (the first schedule): components in order of a priority
   key (earliest start, heavier first within a day), each placed task by task at the earliest time
   its window and the resources allow (per-resource timelines allocated on first use, searched
   in growing chunks), with the unscheduling step of sgs.py when a maximum lag closes a window.
3. **Large-neighbourhood search with CP-SAT**: a window of consecutive components (by their
   current start) is freed, everything else stays fixed as closed time on the resources they share
   (or as fixed tasks on a resource of capacity above 1), and the sub-problem goes to the dense
   pipeline with the current schedule as its hint. A better sub-schedule is kept; the window
   slides over the horizon until the time runs out.

The lower bound is every task's earliest end weighted, the earliest start counting the lags and
the resources' closed time but not the other tasks (``open_starts``), plus nothing for the lag
penalties: proven, but weak when queues form; docs/benchmarks.md reports the gap on both the
completion and the waiting basis.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import series as series_mod
from . import temporal
from .series import SeriesSpec

if TYPE_CHECKING:  # solver.py imports this module
    from .solver import Problem, Resource, Solution, Task, Usage, _Compiled

# From this many tasks, the components path (when every component is small). Measured on the
# 1-week hospital instance cut to 20 / 60 / 120 cases (80 / 227 / 425 tasks, 10 s): the dense
# pipeline did better at 80 tasks, this path slightly better at 227 and 425.
LARGE_TASKS = 200
MAX_COMPONENT = 300  # a component larger than this goes to the dense pipeline
# Tasks freed per neighbourhood and CP-SAT time for each. Measured on the 4-week hospital
# instance at 30 s (bench/hospital.py): windows of 120 / 60 / 30 / 12 tasks gained 0.3 / 0.8 /
# 1.4 / 2.7 % on the weighted waiting; at 12 most neighbourhoods are solved to optimality.
SUB_TASKS = 12
SUB_TIME_S = 0.3
# CP-SAT's probing took most of a small neighbourhood's time (seconds of presolve for 120 tasks
# with many room x person alternatives) and found nothing the search does not.
SUB_PARAMS = {"cp_model_probing_level": 0}


@dataclass(frozen=True)
class Component:
    tasks: tuple[int, ...]  # global task indices
    dist: temporal.Matrix  # (m + 1)² closed longest paths, local node 0 = origin
    es: temporal.IntArray  # earliest starts (local order)
    ls: temporal.IntArray  # latest starts


def components(c: _Compiled) -> list[list[int]]:
    """Tasks joined by lags, by union-find over the task-to-task arcs."""
    parent = list(range(len(c.ids)))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for i, j, _w in c.arcs:
        if i and j:
            a, b = find(i - 1), find(j - 1)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for k in range(len(c.ids)):
        groups.setdefault(find(k), []).append(k)
    return list(groups.values())


def close_components(c: _Compiled, groups: Sequence[Sequence[int]], horizon: int,
                     ) -> list[Component] | None:
    """Each component's closure and windows; None when one proves the problem infeasible."""
    where = np.zeros(len(c.ids), dtype=np.int64)
    local = np.zeros(len(c.ids), dtype=np.int64)
    for g, members in enumerate(groups):
        for pos, k in enumerate(members):
            where[k], local[k] = g, pos + 1
    arcs: list[list[tuple[int, int, int]]] = [[] for _ in groups]
    for i, j, w in c.arcs:
        k = (i or j) - 1
        li = int(local[i - 1]) if i else 0
        lj = int(local[j - 1]) if j else 0
        arcs[int(where[k])].append((li, lj, w))
    out = []
    for members, mine in zip(groups, arcs, strict=True):
        dist = temporal.closure(len(members) + 1, mine)
        if temporal.has_positive_cycle(dist):
            return None
        es, ls = temporal.windows(dist, c.durations[list(members)], horizon)
        if (es > ls).any():
            return None
        out.append(Component(tuple(members), dist, es, ls))
    return out


class Timeline:
    """Resource usage over time, one row per resource allocated when first used (a patient's
    row is touched only around their own tasks)."""

    def __init__(self, capacities: temporal.IntArray,
                 closed: Sequence[Sequence[tuple[int, int]]], width: int) -> None:
        self.capacities = capacities
        self.closed = closed
        self.width = width
        self.rows: dict[int, temporal.IntArray] = {}

    def row(self, r: int) -> temporal.IntArray:
        found = self.rows.get(r)
        if found is None:
            found = np.zeros(self.width, dtype=np.int64)
            for a, b in self.closed[r]:
                found[max(0, a):max(0, min(b, self.width))] = self.capacities[r] + 1
            self.rows[r] = found
        return found

    def earliest(self, usages: Sequence[Usage], lo: int, hi: int, duration: int,
                 ) -> tuple[int, int] | None:
        """The earliest start in ``[lo, hi]`` where one of ``usages`` fits for ``duration``
        steps, and that usage's index (the first one at equal starts)."""
        hi = min(hi, self.width - duration)  # the rows end there
        if lo > hi:
            return None
        if duration == 0:
            return lo, 0
        pairs = sorted({rq for usage in usages for rq in usage})
        if not pairs:
            return lo, 0
        where = {rq: n for n, rq in enumerate(pairs)}
        member = np.zeros((len(usages), len(pairs)), dtype=np.int64)
        for a, usage in enumerate(usages):
            for rq in usage:
                member[a, where[rq]] = 1
        start, chunk = lo, 4 * duration + 64
        while start <= hi:
            stop = min(hi, start + chunk)
            bad = np.stack([self.row(r)[start:stop + duration] + q > self.capacities[r]
                            for r, q in pairs])
            prefix = np.zeros((len(pairs), bad.shape[1] + 1), dtype=np.int64)
            np.cumsum(bad, axis=1, out=prefix[:, 1:])
            blocked = (prefix[:, duration:] - prefix[:, :-duration]) > 0  # (pairs, starts)
            ok = member @ blocked == 0  # (alternatives, starts): none of its pairs blocked
            first = np.where(ok.any(axis=1), ok.argmax(axis=1), np.iinfo(np.int64).max)
            a = int(np.argmin(first))
            if ok[a, first[a]] if first[a] < ok.shape[1] else False:
                return start + int(first[a]), a
            start, chunk = stop + 1, chunk * 2
        return None

    def add(self, usage: Usage, start: int, duration: int, sign: int = 1) -> None:
        for r, q in usage:
            self.row(r)[start:start + duration] += sign * q


def _usages(c: _Compiled, k: int) -> tuple[Usage, ...]:
    """Task ``k``'s whole demand under each of its alternatives (its base alone without)."""
    return tuple(_usage(c, k, a) for a in range(max(1, len(c.options[k]))))


def _usage(c: _Compiled, k: int, choice: int) -> Usage:
    if not c.options[k]:
        return c.base[k]
    total = dict(c.base[k])
    for r, q in c.options[k][choice]:
        total[r] = total.get(r, 0) + q
    return tuple(total.items())


def place_component(c: _Compiled, comp: Component, tl: Timeline, *, tries: int = 40,
                    ) -> tuple[list[int], list[int]] | None:
    """Place one component's tasks into ``tl`` (serial scheme with unscheduling, as sgs.py);
    returns (starts, choices) in local order, or None when it found no room."""
    m = len(comp.tasks)
    release = np.full(m, temporal.NONE, dtype=np.int64)
    sub = comp.dist[1:, 1:]
    for _attempt in range(tries):
        pushed = np.where(sub > temporal.NONE // 2, release[:, None] + sub,
                          temporal.NONE).max(axis=0, initial=temporal.NONE)
        es = np.maximum(comp.es, pushed)
        ls = comp.ls.copy()
        starts = [0] * m
        choices = [-1] * m
        placed: list[tuple[Usage, int, int]] = []
        pending = np.ones(m, dtype=bool)
        advice: tuple[int, int] | None = None
        failed = False
        while pending.any():
            key = np.where(pending, es * (m + 1) + ls - ls.min(), np.iinfo(np.int64).max)
            i = int(np.argmin(key))
            k = comp.tasks[i]
            lo, hi = int(es[i]), int(ls[i])
            if k in c.in_series:
                # A series (a course) goes in whole, each task on its exact day and time.
                n_ser, pos = c.in_series[k]
                spec = c.series[n_ser]
                local = {g: comp.tasks.index(g) for g in spec.members}

                def fit(g: int, a: int, b: int) -> tuple[int, int] | None:
                    return tl.earliest(_usages(c, g), a, b, int(c.durations[g]))

                got = series_mod.place(spec, pos, lo, hi, fit, series_mod.windows(es, ls, local))
                if got is None:
                    # Where the whole course would fit later, each fraction in its widest
                    # window: the task whose maximum lag closed the window moves that much.
                    def later(a: int, b: int, spec: SeriesSpec = spec, pos: int = pos,
                              local: dict[int, int] = local,
                              es: temporal.IntArray = es) -> int | None:
                        found = series_mod.place(spec, pos, a, b, fit,
                                                 series_mod.windows(es, comp.ls, local))
                        return None if found is None else found[0][pos]

                    advice = _advice(c, comp, tl, i, lo, hi, starts, pending, later)
                    failed = True
                    break
                placing = [(local[g], t, a) for g, t, a in zip(spec.members, *got, strict=True)]
            else:
                best = tl.earliest(_usages(c, k), lo, hi, int(c.durations[k]))
                if best is None:
                    advice = _advice(c, comp, tl, i, lo, hi, starts, pending)
                    failed = True
                    break
                placing = [(i, *best)]
            for i, t, a in placing:
                k = comp.tasks[i]
                d = int(c.durations[k])
                starts[i], choices[i] = t, (a if c.options[k] else -1)
                usage = _usage(c, k, a)
                tl.add(usage, t, d)
                placed.append((usage, t, d))
                pending[i] = False
                row, col = comp.dist[i + 1, 1:], comp.dist[1:, i + 1]
                es = np.where(row > temporal.NONE // 2, np.maximum(es, t + row), es)
                ls = np.where(col > temporal.NONE // 2, np.minimum(ls, t - col), ls)
        if not failed:
            return starts, choices
        for usage, t, d in placed:
            tl.add(usage, t, d, -1)
        if advice is None:
            return None
        j, at = advice
        release[j] = max(int(release[j]), at)
    return None


def _advice(c: _Compiled, comp: Component, tl: Timeline, i: int, lo: int, hi: int,
            starts: list[int], pending: np.ndarray,
            later: Callable[[int, int], int | None] | None = None) -> tuple[int, int] | None:
    """sgs.py's unscheduling step within a component: task ``i`` fits only after ``hi``, at
    ``t``; the placed task whose maximum lag set ``hi`` should start ``t - hi`` later.
    ``later(lo, last)``: where ``i`` could start in [lo, last] (a course: with all its
    fractions), instead of where it alone fits."""
    k = comp.tasks[i]
    d = int(c.durations[k])
    last = int(comp.ls[i])
    if later is not None:
        t_or_none = later(max(lo, hi + 1), last)
    else:
        found = tl.earliest(_usages(c, k), max(lo, hi + 1), last, d)
        t_or_none = None if found is None else found[0]
    if t_or_none is None:
        return None
    t = t_or_none
    row = comp.dist[i + 1, 1:]
    limits = np.where(~pending & (row > temporal.NONE // 2), np.asarray(starts) - row,
                      np.iinfo(np.int64).max)
    j = int(np.argmin(limits))
    if limits[j] != hi:
        return None
    return j, starts[j] + (t - hi)


@dataclass
class Schedule:
    starts: temporal.IntArray
    choices: list[int]


def heuristic(c: _Compiled, comps: Sequence[Component], horizon: int,
              order: Sequence[int]) -> tuple[Schedule | None, int]:
    """Every component placed in ``order``: (the schedule, -1), or (None, the component that
    found no room)."""
    width = horizon + int(c.durations.max(initial=0)) + 1
    tl = Timeline(c.capacities, c.closed, width)
    starts = np.zeros(len(c.ids), dtype=np.int64)
    choices = [-1] * len(c.ids)
    for g in order:
        comp = comps[g]
        got = place_component(c, comp, tl)
        if got is None:
            return None, g
        for pos, k in enumerate(comp.tasks):
            starts[k], choices[k] = got[0][pos], got[1][pos]
    return Schedule(starts, choices), -1


RULES = ("arrival", "weight", "ratio")


def priority(problem: Problem, c: _Compiled, comps: Sequence[Component],
             hint: dict[str, int] | None, rule: str) -> list[int]:
    """The order components are placed in. Components with a deadline or a fixed start come
    first (a fixed zero-length task, an anchor such as a waiting-list plan's clock origin, takes
    no time and does not count), by latest start (an urgent case must not find its slots taken by routine ones placed
    before it). The others by ``rule``: ``arrival`` (earliest start, heavier first at equal
    starts), ``weight`` (heavier first, then earliest start) or ``ratio`` (most weight per step of
    work first: Smith's rule, the classic one for a weighted sum of completion times when the
    queue is long); ``hint`` orders them by the hint's starts instead."""
    def key(g: int) -> tuple[float, float, float]:
        comp = comps[g]
        members = list(comp.tasks)
        if any((problem.tasks[k].deadline is not None or problem.tasks[k].fixed_start is not None)
               and problem.tasks[k].duration > 0 for k in members):
            return 0, int(comp.ls.min()), 0
        first = int(comp.es.min())
        if hint:
            first = min(hint.get(c.ids[k], int(comp.es[p])) for p, k in enumerate(members))
            return 1, first, 0
        weight = int(c.weights[members].sum())
        if rule == "weight":
            return 1, -weight, first
        if rule == "ratio":
            return 1, -weight / max(1, int(c.durations[members].sum())), first
        return 1, first, -weight

    return sorted(range(len(comps)), key=key)


def open_starts(c: _Compiled, comps: Sequence[Component], horizon: int,
                ) -> list[temporal.IntArray] | None:
    """Each task's earliest start once the resources' closed time is counted (nobody else's
    tasks): the first time at or after its earliest start where one of its alternatives is open
    for its whole duration, pushed along the component's longest paths to a fixpoint. No
    schedule starts a task earlier, so the weighted ends are a lower bound (far above the lag
    graph's alone when nights and weekends are closed). None proves infeasibility: a task with
    no open time in its window."""
    tl = Timeline(c.capacities, c.closed, horizon + int(c.durations.max(initial=0)) + 1)
    out = []
    for comp in comps:
        es = comp.es.copy()
        sub = comp.dist[1:, 1:]
        # Each round's starts are already valid lower bounds, so stopping early stays sound;
        # a few rounds reach the fixpoint of a plan, and a large component stays cheap.
        for _round in range(min(len(comp.tasks) + 1, 4)):
            changed = False
            for i, k in enumerate(comp.tasks):
                found = tl.earliest(_usages(c, k), int(es[i]), int(comp.ls[i]),
                                    int(c.durations[k]))
                if found is None:
                    return None
                if found[0] > es[i]:
                    es[i], changed = found[0], True
            pushed = np.where(sub > temporal.NONE // 2, es[:, None] + sub,
                              temporal.NONE).max(axis=0)
            if (pushed > es).any():
                es, changed = np.maximum(es, pushed), True
            if (es > comp.ls).any():
                return None
            if not changed:
                break
        out.append(es)
    return out


def lower_bound(c: _Compiled, comps: Sequence[Component],
                starts: Sequence[temporal.IntArray] | None = None) -> int:
    """The weighted earliest ends: from the lag graph, or from ``starts`` (open_starts)."""
    total = 0
    for g, comp in enumerate(comps):
        members = list(comp.tasks)
        es = comp.es if starts is None else starts[g]
        total += int((c.weights[members] * (es + c.durations[members])).sum())
    return total


def sub_problem(problem: Problem, c: _Compiled, free: Sequence[int], sched: Schedule,
                users: list[np.ndarray], lags: Sequence[int], slack: int) -> Problem:
    """The free tasks with everything else fixed: closed time on capacity-1 resources, fixed
    tasks (weight 0) on larger ones. Every free task ends by the latest current end + ``slack``
    (the horizon of the sub-problem); its current schedule stays feasible."""
    from .solver import Problem, Resource, Task  # solver.py imports this module

    ends = sched.starts + c.durations
    free_arr = np.asarray(free, dtype=np.int64)
    top = min(problem.horizon, int(ends[free_arr].max()) + slack)
    lo = int(min(int(problem.tasks[k].release) for k in free))
    is_free = np.zeros(len(c.ids), dtype=bool)
    is_free[free_arr] = True
    used: set[int] = set()
    for k in free:
        used.update(r for r, _q in c.base[k])
        for alt in c.options[k]:
            used.update(r for r, _q in alt)
    resources: list[Resource] = []
    fixed: list[Task] = []
    taken: set[str] = set()
    for r in sorted(used):
        spec = problem.resources[r]
        cap = int(c.capacities[r])
        mine = users[r]
        mine = mine[~is_free[mine] & (ends[mine] > lo) & (sched.starts[mine] < top)]
        spans = [(max(a, lo), min(b, top)) for a, b in spec.closed if a < top and b > lo]
        if cap == 1:
            spans += [(int(sched.starts[k]), int(ends[k])) for k in mine]
        else:
            for k in mine:
                q = dict(_usage(c, int(k), sched.choices[k])).get(r, 0)
                # Cut at the sub-problem's end (a stand-in must end by its horizon), under an
                # id no real task has.
                name = f"fixed:{r}:{c.ids[k]}"
                while name in c.index or name in taken:
                    name += "'"
                taken.add(name)
                fixed.append(Task(id=name, duration=int(min(ends[k], top) - sched.starts[k]),
                                  demands={spec.id: q}, fixed_start=int(sched.starts[k]),
                                  weight=0))
        resources.append(Resource(spec.id, cap, _merge(spans)))
    tasks = []
    for k in free:
        due = problem.tasks[k].deadline
        tasks.append(dataclasses.replace(problem.tasks[k],
                                         deadline=top if due is None else min(due, top)))
    freed = {c.ids[k] for k in free}  # components are freed whole, and a series with them
    return Problem(tasks=tasks + fixed, resources=resources,
                   lags=[problem.lags[g] for g in lags], horizon=top,
                   objective=problem.objective,
                   series=[ser for ser in problem.series if set(ser.tasks) <= freed])


def _merge(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(s for s in spans if s[0] < s[1]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def users_by_resource(c: _Compiled, sched: Schedule) -> list[np.ndarray]:
    found: list[list[int]] = [[] for _ in c.capacities]
    for k in range(len(c.ids)):
        if c.durations[k] > 0:
            for r, _q in _usage(c, k, sched.choices[k]):
                found[r].append(k)
    return [np.asarray(f, dtype=np.int64) for f in found]


def _resources_of(c: _Compiled, tasks: Sequence[int], sched: Schedule) -> set[int]:
    return {r for k in tasks if c.durations[k] > 0 for r, _q in _usage(c, k, sched.choices[k])}


def _update_users(c: _Compiled, users: list[np.ndarray], moved: Sequence[int], sched: Schedule,
                  before: set[int]) -> None:
    """``users_by_resource`` after ``moved`` changed, touching only their resources."""
    is_moved = np.zeros(len(c.ids), dtype=bool)
    is_moved[np.asarray(moved, dtype=np.int64)] = True
    now: dict[int, list[int]] = {}
    for k in moved:
        if c.durations[k] > 0:
            for r, _q in _usage(c, k, sched.choices[k]):
                now.setdefault(r, []).append(k)
    for r in before | set(now):
        kept = users[r][~is_moved[users[r]]]
        users[r] = np.concatenate([kept, np.asarray(now.get(r, []), dtype=np.int64)])


def improve(problem: Problem, c: _Compiled, comps: Sequence[Component], sched: Schedule, *,
            until: float, workers: int | None, report: Callable[[Schedule], None],
            slack: int,
            solve_sub: Callable[..., Solution]) -> Schedule:
    """Large-neighbourhood search: slide a window of components over the schedule, re-solve
    each with CP-SAT, keep what is better, until ``until`` (perf_counter)."""
    from .solver import objective_value

    comp_of = np.zeros(len(c.ids), dtype=np.int64)
    for g, comp in enumerate(comps):
        comp_of[list(comp.tasks)] = g
    lags_of: list[list[int]] = [[] for _ in comps]
    for n, lag in enumerate(problem.lags):
        lags_of[int(comp_of[c.index[lag.source]])].append(n)
    users = users_by_resource(c, sched)
    flat = np.asarray([k for comp in comps for k in comp.tasks], dtype=np.int64)
    offsets = np.cumsum([0] + [len(comp.tasks) for comp in comps[:-1]])
    size = SUB_TASKS
    cursor = 0
    quiet_rounds = 0
    while time.perf_counter() < until - 0.2:
        firsts = np.minimum.reduceat(sched.starts[flat], offsets)
        by_start = np.argsort(firsts, kind="stable")
        if cursor >= len(by_start):
            cursor, quiet_rounds = 0, quiet_rounds + 1
            if quiet_rounds > 1:  # a whole round found nothing: larger windows
                size, quiet_rounds = min(size * 2, 4 * SUB_TASKS), 0
        chosen: list[int] = []
        count = 0
        for g in by_start[cursor:]:
            if count >= size:
                break
            chosen.append(int(g))
            count += len(comps[int(g)].tasks)
        cursor += max(1, (2 * len(chosen)) // 3)  # the next window overlaps this one by a third
        free = [k for g in chosen for k in comps[g].tasks]
        lags = [n for g in chosen for n in lags_of[g]]
        sub = sub_problem(problem, c, free, sched, users, lags, slack=slack)
        current = {c.ids[k]: int(sched.starts[k]) for k in free}
        picked = {c.ids[k]: sched.choices[k] for k in free if c.options[k]}
        current.update({t.id: int(t.fixed_start) for t in sub.tasks
                        if t.fixed_start is not None})
        before = objective_value(sub, current)
        budget = min(SUB_TIME_S, until - time.perf_counter())
        if budget <= 0.2:
            break
        sol = solve_sub(sub, time_limit_s=budget, workers=workers, hint=current,
                        hint_choices=picked, params=SUB_PARAMS, dense=True)
        if sol.status in ("optimal", "feasible") and sol.objective is not None \
                and sol.objective < before:
            before_use = _resources_of(c, free, sched)
            for k in free:
                sched.starts[k] = sol.starts[c.ids[k]]
                if c.options[k]:
                    sched.choices[k] = sol.choices[c.ids[k]]
            _update_users(c, users, free, sched, before_use)
            quiet_rounds = 0
            report(sched)
        if len(chosen) == len(comps) and sol.status == "optimal":
            break  # one window holds everything, solved to optimality
    return sched
