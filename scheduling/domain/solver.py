"""The generic scheduling core: tasks on cumulative resources under time lags (RCPSP/max and
more), solved with OR-Tools CP-SAT (a solver library, not a web framework: allowed here).

Public contract (benchmarks and tests call it; issue 14): ``Problem``, ``Task``, ``Resource``,
``Lag``, ``solve(problem, *, time_limit_s, workers, hint) -> Solution``. Time is an integer
count of steps; a task occupies ``[start, start + duration)``.

Ahead of the plain CP-SAT model (bench/rcpspmax.py measures both side by side):

1. temporal.py closes the lag graph under longest paths: a positive cycle proves infeasibility
   without search, and every task gets its tightest start window;
2. pairs of tasks that cannot share a resource and cannot run in one order are ordered the other
   way (a new lag, closed again), to a fixpoint; a pair that can run in neither proves
   infeasibility;
3. critical-path and energy lower bounds; a serial schedule-generation heuristic (sgs.py) gives
   an upper bound, CP-SAT's hint and the fallback answer; when they meet, no search is needed;
4. a destructive lower bound: bisection on the makespan with the analysis of 1-2 as the
   refutation test;
5. CP-SAT on windows shrunk to the heuristic's makespan, with the deduced precedences, the
   bound, and the heuristic schedule as its hint. Its default two-worker portfolio (a full
   LP-based search plus interleaved LNS) is kept on purpose: on the hardest UBO100/UBO200
   instances at 10 s, replacing either worker (objective_lb_search, max_lp, a second full
   search) or adding cumulative options (edge finding, overload checker, hard precedences,
   exploit_all_precedences) decided as many or fewer instances (docs/benchmarks.md). Two
   redundant constraints were measured and left out for the same reason: every informative
   distance-matrix lag between tasks sharing a resource, and no-overlap constraints over greedy
   cliques of the conflict graph (much better lower bounds, but slower to find schedules).

Beyond the contract, ``Problem.series`` ties tasks to consecutive allowed days at one time of day
(a radiotherapy course, series.py): the lag graph holds its relaxation, CP-SAT the exact relation
(an element constraint per task), and both heuristics place a series whole. A series' members
then keep one alternative wherever the schedule allows (series_choices.py: a course on one
linac), which changes no start and so no objective.

Every answer is re-checked by ``check_solution`` before it is returned: a schedule that breaks
a constraint is never returned, whatever happened inside the solver.

``solve_rcpspmax`` adapts PSPLIB RCPSP/max instances (rcpspmax.py) to the contract. Plan
proposals (``propose_plan``) live in plan_solver.py.
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal, TypeAlias

import numpy as np
from ortools.sat.python import cp_model

from . import large, temporal
from .closed_time import ClosedTime
from .rcpspmax import RcpspMaxProblem
from .series import SeriesSpec
from .series import broken as series_broken
from .series_choices import keep_series_together
from .sgs import IntArray, SgsInput, SgsSchedule, serial_sgs

# A CP-SAT linear expression as this module uses it (the stubs' own alias admits numpy
# scalars, which makes ordinary arithmetic ambiguous to the type checker).
Expr: TypeAlias = "cp_model.LinearExpr | cp_model.IntVar | int"
Status = Literal["optimal", "feasible", "infeasible", "unknown"]
AnchorName = Literal["start", "end"]
ObjectiveName = Literal["makespan", "weighted_completion"]

# --- the contract ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """A cumulative resource: at most ``capacity`` units in use at any time, none during the
    half-open ``closed`` intervals."""

    id: str
    capacity: int
    closed: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Task:
    """A task of fixed ``duration``. It always uses ``demands``; when ``alternatives`` is not
    empty it also uses exactly one of those demand sets (``Solution.choices`` says which).
    ``release`` is its earliest start, ``deadline`` its latest end; ``weight`` counts for the
    ``weighted_completion`` objective."""

    id: str
    duration: int
    demands: dict[str, int] = field(default_factory=dict)
    release: int = 0
    deadline: int | None = None
    weight: int = 1
    fixed_start: int | None = None
    alternatives: list[dict[str, int]] = field(default_factory=list)

    def usage(self, choice: int | None) -> dict[str, int]:
        """What it uses of each resource with alternative ``choice`` (None: its base demands
        alone): the base demands plus that alternative's, positive amounts only."""
        total = dict(self.demands)
        if self.alternatives and choice is not None:
            for rid, q in self.alternatives[choice].items():
                total[rid] = total.get(rid, 0) + q
        return {rid: q for rid, q in total.items() if q > 0}


@dataclass(frozen=True)
class Lag:
    """``min <= t(target) - t(source) <= max``, each ``t`` the task's start or end by its anchor.
    Negative values are allowed (RCPSP/max). Past ``preferred``, each unit of lag costs
    ``penalty`` in the objective."""

    source: str
    target: str
    min: int
    max: int | None = None
    source_anchor: AnchorName = "start"
    target_anchor: AnchorName = "start"
    preferred: int | None = None
    penalty: int = 0


@dataclass(frozen=True)
class Series:
    """``tasks`` (ids, in order) start on consecutive entries of ``days``, each at the same time
    of its day: a radiotherapy course, one fraction on each next working day (R17). Day ``d``
    is ``[offset + d * period, offset + (d + 1) * period)``; ``days`` lists the allowed ones
    (working days, holidays left out). Beyond the issue's contract: a lag cannot say "the next
    working day", whose distance depends on the day (a Friday's is three days)."""

    tasks: Sequence[str]
    period: int
    days: Sequence[int]
    offset: int = 0


@dataclass(frozen=True)
class Problem:
    """Every task ends by ``horizon``. ``makespan`` minimises the latest end,
    ``weighted_completion`` the weighted sum of ends; lag penalties are added to either.
    ``series`` (optional, beyond the contract): tasks on consecutive allowed days."""

    tasks: Sequence[Task]
    resources: Sequence[Resource]
    lags: Sequence[Lag]
    horizon: int
    objective: ObjectiveName = "makespan"
    series: Sequence[Series] = ()


@dataclass(frozen=True)
class Solution:
    """``optimal`` and ``infeasible`` are proofs; ``feasible`` carries a schedule that may not be
    optimal (``bound`` is the best proven lower bound on ``objective``); ``unknown`` carries
    nothing. ``choices`` maps each task with alternatives to the index it took."""

    status: Status
    starts: dict[str, int] = field(default_factory=dict)
    choices: dict[str, int] = field(default_factory=dict)
    objective: int | None = None
    bound: int | None = None
    wall_s: float = 0.0


# --- validation and compilation -------------------------------------------------------------------


Usage = tuple[tuple[int, int], ...]  # sparse demands: (resource index, amount)


@dataclass(frozen=True)
class _Compiled:
    ids: tuple[str, ...]
    index: dict[str, int]
    durations: IntArray
    base: tuple[Usage, ...]  # per task: the demands it always has
    options: tuple[tuple[Usage, ...], ...]  # per task: its alternatives' extra demands
    capacities: IntArray
    closed: tuple[tuple[tuple[int, int], ...], ...]
    weights: IntArray
    arcs: tuple[tuple[int, int, int], ...]  # temporal-network arcs, node 0 = origin
    soft: tuple[tuple[int, int, int, int], ...]  # (source node, target node, offset, penalty)
    series: tuple[SeriesSpec, ...] = ()
    # task index -> (its series' index, its position in it)
    in_series: dict[int, tuple[int, int]] = field(default_factory=dict)
    impossible: bool = False  # a task needs more than a capacity under every alternative

    def _dense(self, usage: Usage) -> IntArray:
        vec = np.zeros(len(self.capacities), dtype=np.int64)
        for r, q in usage:
            vec[r] += q
        return vec

    @cached_property
    def demands(self) -> IntArray:
        """(n, R) dense base demands (the dense path only: n x R grows with patients)."""
        out = np.zeros((len(self.ids), len(self.capacities)), dtype=np.int64)
        for k, usage in enumerate(self.base):
            for r, q in usage:
                out[k, r] += q
        return out

    @cached_property
    def alternatives(self) -> tuple[tuple[IntArray, ...], ...]:
        return tuple(tuple(self._dense(u) for u in alts) for alts in self.options)


def _check_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    return int(value)


def _compile(problem: Problem) -> _Compiled:
    """Validate ``problem`` and turn it into arrays; raises ValueError naming the bad item."""
    if problem.objective not in ("makespan", "weighted_completion"):
        raise ValueError(f"unknown objective {problem.objective!r}")
    horizon = _check_int(problem.horizon, "horizon")
    if horizon < 0:
        raise ValueError(f"horizon must be >= 0, got {horizon}")
    res_index: dict[str, int] = {}
    capacities: list[int] = []
    closed: list[tuple[tuple[int, int], ...]] = []
    for r in problem.resources:
        if r.id in res_index:
            raise ValueError(f"resource {r.id!r} is listed twice")
        cap = _check_int(r.capacity, f"resource {r.id!r} capacity")
        if cap < 0:
            raise ValueError(f"resource {r.id!r} has a negative capacity ({cap})")
        spans = []
        for lo, hi in r.closed:
            a = _check_int(lo, f"resource {r.id!r} closed start")
            b = _check_int(hi, f"resource {r.id!r} closed end")
            if a >= b:
                raise ValueError(f"resource {r.id!r}: closed interval ({a}, {b}) is empty")
            spans.append((a, b))
        res_index[r.id] = len(capacities)
        capacities.append(cap)
        closed.append(tuple(sorted(spans)))

    def usage(task_id: str, demands: Mapping[str, int]) -> Usage:
        out: dict[int, int] = {}
        for rid, amount in demands.items():
            if rid not in res_index:
                raise ValueError(f"task {task_id!r} uses unknown resource {rid!r}")
            q = _check_int(amount, f"task {task_id!r} demand on {rid!r}")
            if q < 0:
                raise ValueError(f"task {task_id!r} has a negative demand on {rid!r} ({q})")
            if q:
                out[res_index[rid]] = out.get(res_index[rid], 0) + q
        return tuple(sorted(out.items()))

    index: dict[str, int] = {}
    durations: list[int] = []
    weights: list[int] = []
    bases: list[Usage] = []
    options: list[tuple[Usage, ...]] = []
    arcs: list[tuple[int, int, int]] = []
    impossible = False
    cap_arr = np.asarray(capacities, dtype=np.int64)
    for t in problem.tasks:
        if t.id in index:
            raise ValueError(f"task {t.id!r} is listed twice")
        k = len(durations)
        index[t.id] = k
        d = _check_int(t.duration, f"task {t.id!r} duration")
        if d < 0:
            raise ValueError(f"task {t.id!r} has a negative duration ({d})")
        w = _check_int(t.weight, f"task {t.id!r} weight")
        if w < 0:
            raise ValueError(f"task {t.id!r} has a negative weight ({w})")
        base = usage(t.id, t.demands)
        alts = tuple(usage(t.id, alt) for alt in t.alternatives)
        # A demand above a capacity is well formed but can never run: the problem has no
        # schedule (an alternative that needs too much is just never taken; CP-SAT's cumulative
        # and the heuristics' capacity tests refuse it).
        def too_much(extra: Usage, base: Usage = base) -> bool:
            total = dict(base)
            for ri, q in extra:
                total[ri] = total.get(ri, 0) + q
            return any(q > capacities[ri] for ri, q in total.items())

        impossible = impossible or (d > 0 and all(map(too_much, alts or ((),))))
        node = k + 1
        release = _check_int(t.release, f"task {t.id!r} release")
        arcs.append((0, node, max(0, release)))
        arcs.append((node, 0, d - horizon))
        if t.deadline is not None:
            arcs.append((node, 0, d - _check_int(t.deadline, f"task {t.id!r} deadline")))
        if t.fixed_start is not None:
            fs = _check_int(t.fixed_start, f"task {t.id!r} fixed_start")
            arcs += [(0, node, fs), (node, 0, -fs)]
        durations.append(d)
        weights.append(w)
        bases.append(base)
        options.append(alts)
    dur = np.asarray(durations, dtype=np.int64)
    soft: list[tuple[int, int, int, int]] = []
    for lag in problem.lags:
        for end, anchor in (("source", lag.source_anchor), ("target", lag.target_anchor)):
            if anchor not in ("start", "end"):
                raise ValueError(f"lag {lag.source!r}->{lag.target!r}: {end}_anchor must be "
                                 f"'start' or 'end', got {anchor!r}")
        for name in (lag.source, lag.target):
            if name not in index:
                raise ValueError(f"lag {lag.source!r}->{lag.target!r} names unknown task {name!r}")
        i, j = index[lag.source], index[lag.target]
        # t(target) - t(source) = s_j - s_i + offset, the anchors' durations folded in.
        offset = (int(dur[j]) if lag.target_anchor == "end" else 0) - (
            int(dur[i]) if lag.source_anchor == "end" else 0)
        lo = _check_int(lag.min, f"lag {lag.source!r}->{lag.target!r} min")
        arcs.append((i + 1, j + 1, lo - offset))
        if lag.max is not None:
            hi = _check_int(lag.max, f"lag {lag.source!r}->{lag.target!r} max")
            arcs.append((j + 1, i + 1, offset - hi))
        penalty = _check_int(lag.penalty, f"lag {lag.source!r}->{lag.target!r} penalty")
        if penalty < 0:
            raise ValueError(f"lag {lag.source!r}->{lag.target!r} has a negative penalty")
        if lag.preferred is not None and penalty > 0:
            pref = _check_int(lag.preferred, f"lag {lag.source!r}->{lag.target!r} preferred")
            soft.append((i + 1, j + 1, offset - pref, penalty))
    specs, in_series = _compile_series(problem.series, index, arcs)
    return _Compiled(
        ids=tuple(index), index=index, durations=dur, base=tuple(bases),
        options=tuple(options), capacities=cap_arr, closed=tuple(closed),
        weights=np.asarray(weights, dtype=np.int64), arcs=tuple(arcs), soft=tuple(soft),
        series=specs, in_series=in_series, impossible=impossible,
    )


def _compile_series(series: Sequence[Series], index: Mapping[str, int],
                    arcs: list[tuple[int, int, int]],
                    ) -> tuple[tuple[SeriesSpec, ...], dict[int, tuple[int, int]]]:
    """Validate each series and add its relaxation to ``arcs`` (series.py)."""
    specs: list[SeriesSpec] = []
    in_series: dict[int, tuple[int, int]] = {}
    for n, ser in enumerate(series):
        name = f"series {n} ({', '.join(map(repr, ser.tasks[:2]))}{', ...' if len(ser.tasks) > 2 else ''})"
        if not ser.tasks:
            raise ValueError(f"{name} has no task")
        period = _check_int(ser.period, f"{name} period")
        if period < 1:
            raise ValueError(f"{name}: period must be >= 1, got {period}")
        offset = _check_int(ser.offset, f"{name} offset")
        days = [_check_int(d, f"{name} day") for d in ser.days]
        members: list[int] = []
        for pos, task_id in enumerate(ser.tasks):
            if task_id not in index:
                raise ValueError(f"{name} names unknown task {task_id!r}")
            k = index[task_id]
            if k in in_series:
                raise ValueError(f"task {task_id!r} is in two series (or twice in one)")
            in_series[k] = (n, pos)
            members.append(k)
        spec = SeriesSpec.of(members, period, offset, days)
        lags, spans = spec.relaxation()
        for a, b, lo, hi in lags:
            arcs += [(a + 1, b + 1, lo), (b + 1, a + 1, -hi)]
        for k, first, last in spans:
            arcs += [(0, k + 1, first), (k + 1, 0, -last)]
        specs.append(spec)
    return tuple(specs), in_series


# --- independent check ----------------------------------------------------------------------------


def objective_value(problem: Problem, starts: Mapping[str, int]) -> int:
    """The objective of a schedule, computed from the problem (not from the model)."""
    by_id = {t.id: t for t in problem.tasks}
    ends = [starts[t.id] + t.duration for t in problem.tasks]
    if problem.objective == "makespan":
        value = max(ends, default=0)
    else:
        value = sum(t.weight * (starts[t.id] + t.duration) for t in problem.tasks)
    for lag in problem.lags:
        if lag.preferred is not None and lag.penalty > 0:
            src, dst = by_id[lag.source], by_id[lag.target]
            a = starts[src.id] + (src.duration if lag.source_anchor == "end" else 0)
            b = starts[dst.id] + (dst.duration if lag.target_anchor == "end" else 0)
            value += lag.penalty * max(0, b - a - lag.preferred)
    return value


def check_solution(problem: Problem, starts: Mapping[str, int],
                   choices: Mapping[str, int]) -> list[str]:
    """Every constraint a schedule breaks, read straight from ``problem`` ([] when none)."""
    broken: list[str] = []
    by_id = {t.id: t for t in problem.tasks}
    for t in problem.tasks:
        if t.id not in starts:
            broken.append(f"task {t.id!r} has no start")
            continue
        s = starts[t.id]
        if s < max(0, t.release):
            broken.append(f"task {t.id!r} starts at {s}, before its release {t.release}")
        if s + t.duration > problem.horizon:
            broken.append(f"task {t.id!r} ends after the horizon")
        if t.deadline is not None and s + t.duration > t.deadline:
            broken.append(f"task {t.id!r} ends after its deadline {t.deadline}")
        if t.fixed_start is not None and s != t.fixed_start:
            broken.append(f"task {t.id!r} is fixed at {t.fixed_start} but starts at {s}")
        if t.alternatives and not 0 <= choices.get(t.id, -1) < len(t.alternatives):
            broken.append(f"task {t.id!r} has no valid alternative chosen")
    if broken:
        return broken
    for lag in problem.lags:
        src, dst = by_id[lag.source], by_id[lag.target]
        a = starts[src.id] + (src.duration if lag.source_anchor == "end" else 0)
        b = starts[dst.id] + (dst.duration if lag.target_anchor == "end" else 0)
        if b - a < lag.min or (lag.max is not None and b - a > lag.max):
            broken.append(f"lag {lag.source!r}->{lag.target!r} is {b - a}, outside "
                          f"[{lag.min}, {lag.max}]")
    for n, ser in enumerate(problem.series):
        spec = SeriesSpec.of(range(len(ser.tasks)), ser.period, ser.offset, ser.days)
        broken += series_broken(spec, [starts[t] for t in ser.tasks], str(n))
    uses: dict[str, list[tuple[int, int, int]]] = {}
    for t in problem.tasks:
        if t.duration <= 0:
            continue
        for rid, q in t.usage(choices[t.id] if t.alternatives else None).items():
            uses.setdefault(rid, []).append((starts[t.id], starts[t.id] + t.duration, q))
    for r in problem.resources:
        mine = sorted(uses.get(r.id, ()))
        closed = ClosedTime(r.closed)
        for s, e, _q in mine:
            if closed.overlaps(s, e):
                broken.append(f"resource {r.id!r} is used during its closed time "
                              f"(a use at [{s}, {e}))")
        # Capacity: a sweep over ends (-q) and starts (+q), ends first at equal times.
        events = sorted([(e, -q) for _s, e, q in mine] + [(s, q) for s, _e, q in mine])
        load = 0
        for point, q in events:
            load += q
            if q > 0 and load > r.capacity:
                broken.append(f"resource {r.id!r} over capacity at {point} ({load} > {r.capacity})")
    return broken


# --- preprocessing (temporal.py does the work) ----------------------------------------------------


def _least_demands(c: _Compiled) -> IntArray:
    """What each task surely uses: its base demands plus the smallest of its alternatives."""
    least = c.demands.copy()
    for k, alts in enumerate(c.alternatives):
        if alts:
            least[k] += np.min(np.stack(alts), axis=0)
    return least


def _score(c: _Compiled, problem: Problem, schedule: SgsSchedule) -> int:
    return objective_value(problem, dict(zip(c.ids, schedule.starts, strict=True)))


# --- CP-SAT ---------------------------------------------------------------------------------------



def _build_model(c: _Compiled, problem: Problem, an: temporal.Analysis, es: IntArray, ls: IntArray,
                 lower: int, upper: int | None,
                 ) -> tuple[cp_model.CpModel, list[cp_model.IntVar], list[list[cp_model.IntVar]]]:
    model = cp_model.CpModel()
    n = len(c.durations)
    starts = [model.new_int_var(int(es[k]), int(ls[k]), f"s{k}") for k in range(n)]
    picks: list[list[cp_model.IntVar]] = []
    per_res: list[list[tuple[cp_model.IntervalVar, int]]] = [[] for _ in c.capacities]
    for k in range(n):
        d = int(c.durations[k])
        iv = model.new_fixed_size_interval_var(starts[k], d, f"iv{k}")
        for res in np.flatnonzero(c.demands[k]):
            if d > 0:
                per_res[int(res)].append((iv, int(c.demands[k, res])))
        lits = []
        for a, extra in enumerate(c.alternatives[k]):
            lit = model.new_bool_var(f"x{k}_{a}")
            lits.append(lit)
            if d > 0 and extra.any():
                opt = model.new_optional_fixed_size_interval_var(starts[k], d, lit, f"iv{k}_{a}")
                for res in np.flatnonzero(extra):
                    per_res[int(res)].append((opt, int(extra[res])))
        if lits:
            model.add_exactly_one(lits)
        picks.append(lits)
    for n_ser, spec in enumerate(c.series):
        _add_series(model, spec, starts, f"ser{n_ser}")
    span = int(ls.max(initial=0) + c.durations.max(initial=0)) + 1
    for r, items in enumerate(per_res):
        cap = int(c.capacities[r])
        blocks = [(max(0, a), min(b, span)) for a, b in c.closed[r] if a < span and b > 0]
        if not items or (not blocks and sum(q for _iv, q in items) <= cap):
            continue
        fixed = [(model.new_fixed_size_interval_var(a, b - a, f"closed{r}_{a}"), cap)
                 for a, b in blocks if b > a]
        everything = items + fixed
        model.add_cumulative([iv for iv, _q in everything], [q for _iv, q in everything], cap)
    strongest: dict[tuple[int, int], int] = {}
    for i, j, w in list(c.arcs) + [(a + 1, b + 1, w) for a, b, w in an.added]:
        if i and j:  # origin arcs are already in the variables' domains
            strongest[i, j] = max(w, strongest.get((i, j), w))
    for (i, j), w in strongest.items():
        model.add(starts[j - 1] - starts[i - 1] >= w)
    penalties: list[Expr] = []
    for i, j, offset, penalty in c.soft:
        # excess >= (s_j - s_i + offset_to_lag - preferred), excess >= 0
        top = int(ls[j - 1] - es[i - 1]) + offset
        excess = model.new_int_var(0, max(0, top), f"excess{i}_{j}")
        model.add(excess >= starts[j - 1] - starts[i - 1] + offset)
        penalties.append(penalty * excess)
    if problem.objective == "makespan":
        hi = int((ls + c.durations).max(initial=0))
        makespan = model.new_int_var(min(lower, hi), hi, "makespan")
        # A task another one surely outlasts needs no constraint of its own. Ties (two tasks
        # that always end together) go to the higher index, so the "outlasted by" relation has
        # no cycle and every chain of it ends at a constrained task.
        reach = np.where(an.dist[1:, 1:] > temporal.NONE // 2,
                         an.dist[1:, 1:] + c.durations[None, :], temporal.NONE)
        own = c.durations[:, None]
        later = np.arange(n)[None, :] > np.arange(n)[:, None]
        outlasted = (reach > own) | ((reach == own) & later)
        np.fill_diagonal(outlasted, False)
        for last in np.flatnonzero(~outlasted.any(axis=1)):
            model.add(makespan >= starts[int(last)] + int(c.durations[last]))
        objective: Expr = makespan + sum(penalties)
    else:
        ends = [int(c.weights[k]) * (starts[k] + int(c.durations[k])) for k in range(n)]
        objective = sum(ends) + sum(penalties)
    if upper is not None:
        model.add(objective <= upper)
    model.minimize(objective)
    return model, starts, picks


def _add_series(model: cp_model.CpModel, spec: SeriesSpec, starts: Sequence[cp_model.IntVar],
                name: str) -> None:
    """The exact series relation: member ``q`` starts on ``days[first + q]``, all at the same
    time of day ``r``."""
    m, days = len(spec.members), [int(d) for d in spec.days]
    if len(days) < m:
        model.add_bool_or([])  # no room (the windows already say so)
        return
    first = model.new_int_var(0, len(days) - m, f"{name}_first")
    r = model.new_int_var(0, spec.period - 1, f"{name}_time")
    for q, k in enumerate(spec.members):
        at = model.new_int_var(q, len(days) - m + q, f"{name}_at{q}")
        model.add(at == first + q)
        day = model.new_int_var(days[0], days[-1], f"{name}_day{q}")
        model.add_element(at, days, day)
        model.add(starts[k] == spec.offset + spec.period * day + r)


class Progress(cp_model.CpSolverSolutionCallback):
    """Reports each better schedule CP-SAT finds to ``report`` as ``objective``, the ``bound``
    proven so far, ``elapsed_s`` and the number of ``solutions`` (a stored solver run shows
    them while it works)."""

    def __init__(self, report: Callable[[dict[str, float]], None], *, found: int = 0) -> None:
        super().__init__()
        self._report = report
        self._solutions = found

    def on_solution_callback(self) -> None:
        self._solutions += 1
        self._report({"objective": float(self.objective_value),
                      "bound": float(self.best_objective_bound),
                      "elapsed_s": round(float(self.wall_time), 3),
                      "solutions": float(self._solutions)})


def solve(problem: Problem, *, time_limit_s: float, workers: int | None = None,
          hint: dict[str, int] | None = None,
          on_progress: Callable[[dict[str, float]], None] | None = None) -> Solution:
    """Minimise ``problem.objective``; see the module docstring for how.

    ``infeasible`` is a proof (temporal, resource-pair or CP-SAT); ``unknown`` means the time
    limit ran out with no schedule. ``hint`` (task id → start) seeds the search; it need not be
    feasible. ``on_progress`` (optional, beyond the contract) hears of the heuristic's schedule
    and of each better one CP-SAT finds (Progress). Raises ValueError for an ill-formed
    problem, naming the item.
    """
    began = _time.perf_counter()
    # A series keeps one alternative where it can (a course on one linac; series_choices.py):
    # a tenth of the time, at most 2 s, is kept for that (on the 12-week hospital instance it
    # took 1.3 s).
    reserve = min(2.0, 0.1 * time_limit_s) if problem.series and time_limit_s > 0 else 0.0
    sol = _solve(problem, time_limit_s=time_limit_s - reserve, workers=workers, hint=hint,
                 on_progress=on_progress)
    if not (sol.starts and problem.series):
        return sol
    left = time_limit_s - (_time.perf_counter() - began)
    kept = keep_series_together(problem, sol.starts, sol.choices,
                                time_limit_s=min(max(left, 0.05), 10.0))
    if kept != sol.choices and not check_solution(problem, sol.starts, kept):
        sol = replace(sol, choices=kept)
    return replace(sol, wall_s=_time.perf_counter() - began)  # the pass included


def _solve(problem: Problem, *, time_limit_s: float, workers: int | None,
           hint: dict[str, int] | None, params: Mapping[str, object] | None = None,
           seed: int = 0,
           on_progress: Callable[[dict[str, float]], None] | None = None,
           hint_choices: Mapping[str, int] | None = None, dense: bool = False) -> Solution:
    """``solve`` with a CP-SAT seed and extra parameters (for experiments and the adapter)."""
    began = _time.perf_counter()
    if not time_limit_s > 0:
        raise ValueError(f"time_limit_s must be positive, got {time_limit_s!r}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    c = _compile(problem)
    for task_id in hint or {}:
        if task_id not in c.index:
            raise ValueError(f"hint names unknown task {task_id!r}")
    if c.impossible:
        return Solution(status="infeasible", wall_s=_time.perf_counter() - began)

    def done(status: Status, schedule: SgsSchedule | None = None, bound: int | None = None,
             ) -> Solution:
        wall = _time.perf_counter() - began
        if schedule is None:
            return Solution(status=status, bound=bound if status != "infeasible" else None,
                            wall_s=wall)
        starts = dict(zip(c.ids, schedule.starts, strict=True))
        choices = {c.ids[k]: a for k, a in enumerate(schedule.choices) if c.alternatives[k]}
        return Solution(status=status, starts=starts, choices=choices,
                        objective=objective_value(problem, starts), bound=bound, wall_s=wall)

    # ``dense``: large.py's neighbourhoods, which must reach CP-SAT, not come back here.
    if (not dense and len(c.ids) >= large.LARGE_TASKS
            and problem.objective == "weighted_completion"):
        groups = large.components(c)
        if max(map(len, groups)) <= large.MAX_COMPONENT:
            return _solve_large(problem, c, groups, began=began, time_limit_s=time_limit_s,
                                workers=workers, hint=hint, on_progress=on_progress)
    least = _least_demands(c)
    conflict = temporal.conflicts(c.durations, least, c.capacities)
    an = temporal.analyse(c.arcs, c.durations, conflict)
    if an.infeasible:
        return done("infeasible")
    es, ls = temporal.windows(an.dist, c.durations, problem.horizon)
    if (es > ls).any():
        return done("infeasible")
    lower = temporal.lower_bound(an.dist, c.durations, least, c.capacities, c.weights,
                                 makespan=problem.objective == "makespan")
    if problem.objective == "makespan" and lower > problem.horizon:
        return done("infeasible")  # every schedule would end after the horizon
    if problem.objective == "weighted_completion" and any(c.closed):
        # The resources' closed time (nights, weekends) lifts every task's earliest start
        # (large.open_starts): a much better bound for plans than the lag graph's alone, and a
        # task with no open time in its window proves infeasibility.
        comps = large.close_components(c, large.components(c), problem.horizon)
        opened = large.open_starts(c, comps, problem.horizon) if comps is not None else None
        if opened is None:
            return done("infeasible")
        lower = max(lower, large.lower_bound(c, comps or [], opened))
    data = SgsInput(durations=c.durations, demands=c.demands, alternatives=c.alternatives,
                    capacities=c.capacities, closed=c.closed, dist=an.dist,
                    horizon=problem.horizon, series=c.series, in_series=c.in_series)
    # Up to a tenth of the time (at most 1 s, at least 0.2 s or 40 % of a shorter limit) to
    # find a first schedule: CP-SAT alone often takes longer on the larger sets, and then this is
    # the fallback answer too (at 0.5 s on a busy host, a 0.05 s budget once found none).
    budget = min(1.0, max(0.1 * time_limit_s, min(0.2, 0.4 * time_limit_s)))
    if hint is not None and hint_choices is not None and len(hint) == len(c.ids):
        # A whole schedule from the caller (large.py's neighbourhoods): it is the heuristic's
        # answer, checked below like one, and CP-SAT must beat it.
        heuristic: SgsSchedule | None = SgsSchedule(
            tuple(int(hint[i]) for i in c.ids),
            tuple(int(hint_choices.get(i, 0)) if c.alternatives[k] else -1
                  for k, i in enumerate(c.ids)))
    else:
        heuristic = serial_sgs(data, budget_s=budget, max_passes=400,
                               score=problem.objective, weights=c.weights, stop_at=lower)
    if heuristic is not None and check_solution(
            problem, dict(zip(c.ids, heuristic.starts, strict=True)),
            {c.ids[k]: a for k, a in enumerate(heuristic.choices) if c.alternatives[k]}):
        heuristic = None  # never trust a heuristic schedule unchecked
    upper = _score(c, problem, heuristic) if heuristic is not None else None
    if on_progress is not None and upper is not None:
        on_progress({"objective": float(upper), "bound": float(lower),
                     "elapsed_s": round(_time.perf_counter() - began, 3), "solutions": 1.0})
    if upper is not None and upper <= lower:
        return done("optimal", heuristic, upper)
    if problem.objective == "makespan":
        makespan_ub = upper if upper is not None and not c.soft else problem.horizon
        lower, an = temporal.destructive_bound(c.arcs, c.durations, conflict, an.added, lower,
                                               makespan_ub, budget_s=0.03 * time_limit_s)
        if upper is not None and upper <= lower:
            return done("optimal", heuristic, upper)
        if lower > makespan_ub:
            return done("infeasible")
        if makespan_ub != problem.horizon:
            # Nothing better ends later than the heuristic's makespan: shrink every window.
            es, ls = temporal.windows(an.dist, c.durations, makespan_ub)
    model, starts, picks = _build_model(c, problem, an, es, ls, lower, upper)
    if hint:
        for task_id, value in hint.items():
            model.add_hint(starts[c.index[task_id]], int(value))
        for task_id, picked in (hint_choices or {}).items():
            for a, lit in enumerate(picks[c.index[task_id]]):
                model.add_hint(lit, a == picked)
    elif heuristic is not None:
        for k, value in enumerate(heuristic.starts):
            model.add_hint(starts[k], value)
            for a, lit in enumerate(picks[k]):
                model.add_hint(lit, a == heuristic.choices[k])
    solver = cp_model.CpSolver()
    remaining = time_limit_s - (_time.perf_counter() - began)
    solver.parameters.max_time_in_seconds = max(0.01, remaining)
    solver.parameters.num_workers = workers or 2
    solver.parameters.random_seed = seed
    for name, setting in (params or {}).items():
        if isinstance(setting, list):
            getattr(solver.parameters, name).extend(setting)
        else:
            setattr(solver.parameters, name, setting)
    status = solver.solve(model, Progress(on_progress, found=int(upper is not None))
                          if on_progress is not None else None)
    if status == cp_model.INFEASIBLE and upper is None:
        return done("infeasible")
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        schedule = SgsSchedule(
            tuple(int(solver.value(s)) for s in starts),
            tuple(next((a for a, lit in enumerate(lits) if solver.boolean_value(lit)), -1)
                  for lits in picks))
        sol = done("feasible", schedule)
        if not check_solution(problem, sol.starts, sol.choices):
            raw = solver.best_objective_bound
            bound = max(lower, int(raw)) if math.isfinite(raw) else lower
            optimal = status == cp_model.OPTIMAL or (sol.objective or 0) <= bound
            return Solution(status="optimal" if optimal else "feasible", starts=sol.starts,
                            choices=sol.choices, objective=sol.objective,
                            bound=sol.objective if optimal else bound, wall_s=sol.wall_s)
    # Reached with no usable CP-SAT schedule; INFEASIBLE here would contradict the checked
    # heuristic schedule, so it proves nothing and is reported as the heuristic's answer.
    raw = solver.best_objective_bound if status == cp_model.UNKNOWN else -math.inf
    bound = max(lower, int(raw)) if math.isfinite(raw) else lower
    if heuristic is not None:
        return done("feasible", heuristic, min(bound, upper or bound))
    return done("unknown", None, bound)


def _solve_large(problem: Problem, c: _Compiled, groups: list[list[int]], *, began: float,
                 time_limit_s: float, workers: int | None, hint: dict[str, int] | None,
                 on_progress: Callable[[dict[str, float]], None] | None) -> Solution:
    """Thousands of tasks in small lag components (large.py): per-component temporal
    network, a component-wise list heuristic, then large-neighbourhood search with CP-SAT on
    windows of components, everything else fixed."""
    comps = large.close_components(c, groups, problem.horizon)
    if comps is None:
        return Solution(status="infeasible", wall_s=_time.perf_counter() - began)
    opened = large.open_starts(c, comps, problem.horizon)
    if opened is None:
        return Solution(status="infeasible", wall_s=_time.perf_counter() - began)
    lower = large.lower_bound(c, comps, opened)
    until = began + time_limit_s
    found = 0

    def as_dicts(sched: large.Schedule) -> tuple[dict[str, int], dict[str, int]]:
        starts = {c.ids[k]: int(s) for k, s in enumerate(sched.starts)}
        return starts, {c.ids[k]: a for k, a in enumerate(sched.choices) if c.options[k]}

    def report(sched: large.Schedule) -> None:
        nonlocal found
        found += 1
        if on_progress is not None:
            on_progress({"objective": float(objective_value(problem, as_dicts(sched)[0])),
                         "bound": float(lower), "elapsed_s": round(_time.perf_counter() - began, 3),
                         "solutions": float(found)})

    # A first schedule: the list heuristic under each priority rule (large.RULES, or the
    # hint's order), the best kept and each better one reported. A component that finds no room
    # goes to the front of the order, and the pass starts again.
    best: large.Schedule | None = None
    best_value = 0
    for rule in (("hint",) if hint else large.RULES):
        if best is not None and _time.perf_counter() > began + 0.3 * time_limit_s:
            break
        order = large.priority(problem, c, comps, hint, rule)
        for _restart in range(8):
            sched, failed = large.heuristic(c, comps, problem.horizon, order)
            if sched is not None or _time.perf_counter() > until:
                break
            order.remove(failed)
            order.insert(0, failed)
        if sched is None:
            continue
        value = objective_value(problem, as_dicts(sched)[0])
        if best is None or value < best_value:
            best, best_value = sched, value
            report(best)
    if best is None:
        return Solution(status="unknown", bound=lower, wall_s=_time.perf_counter() - began)
    first = large.Schedule(best.starts.copy(), list(best.choices))
    if best_value > lower:
        # How much later than now a freed task may end: longer lets more orders be tried,
        # shorter makes each neighbourhood smaller (fewer closed intervals); eight long tasks
        # did best on the 4-week hospital instance (96 steps: 348 neighbourhoods in 30 s and
        # the lowest objective, against 208 at 768 steps).
        slack = int(np.percentile(c.durations, 90)) * 8 + 1
        best = large.improve(problem, c, comps, best, until=until, workers=workers,
                             report=report, slack=slack, solve_sub=_solve)
    for sched in (best, first):
        starts, choices = as_dicts(sched)
        if not check_solution(problem, starts, choices):
            value = objective_value(problem, starts)
            return Solution(status="optimal" if value <= lower else "feasible", starts=starts,
                            choices=choices, objective=value, bound=lower,
                            wall_s=_time.perf_counter() - began)
    return Solution(status="unknown", bound=lower, wall_s=_time.perf_counter() - began)


# --- PSPLIB RCPSP/max through the contract --------------------------------------------------------


def rcpspmax_horizon(problem: RcpspMaxProblem) -> int:
    """A safe upper bound on any feasible makespan: each activity's duration or its largest
    outgoing positive lag, summed (Bartusch et al.)."""
    longest = list(problem.durations)
    for i, _j, lag in problem.lags:
        longest[i] = max(longest[i], lag)
    return sum(longest) + 1


def rcpspmax_to_problem(problem: RcpspMaxProblem) -> Problem:
    """Activity ``i`` becomes task ``str(i)``, resource ``r`` becomes ``"r<r>"``; the sink
    follows every activity's end, so the makespan is the sink's start (PSPLIB's reading)."""
    sink = problem.n_activities - 1
    resources = [Resource(f"r{r}", cap) for r, cap in enumerate(problem.capacities)]
    tasks = [Task(str(i), problem.durations[i],
                  demands={f"r{r}": q for r, q in enumerate(problem.demands[i]) if q})
             for i in range(problem.n_activities)]
    lags = [Lag(str(i), str(j), lag) for i, j, lag in problem.lags]
    lags += [Lag(str(i), str(sink), 0, source_anchor="end") for i in range(sink)]
    return Problem(tasks, resources, lags, rcpspmax_horizon(problem))


@dataclass(frozen=True)
class RcpspMaxResult:
    status: str  # "optimal" | "feasible" | "infeasible" | "unknown"
    makespan: int | None
    lower_bound: int | None
    starts: tuple[int, ...]
    wall_time: float


def solve_rcpspmax(problem: RcpspMaxProblem, *, time_limit: float = 2.0, workers: int = 2,
                   seed: int = 0) -> RcpspMaxResult:
    """Minimise the makespan of a PSPLIB RCPSP/max instance through ``solve``."""
    sol = _solve(rcpspmax_to_problem(problem), time_limit_s=time_limit, workers=workers,
                 hint=None, seed=seed)
    starts = tuple(sol.starts[str(i)] for i in range(problem.n_activities)) if sol.starts else ()
    return RcpspMaxResult(status=sol.status, makespan=sol.objective, lower_bound=sol.bound,
                          starts=starts, wall_time=sol.wall_s)


__all__: Sequence[str] = (
    "Lag",
    "Problem",
    "RcpspMaxResult",
    "Resource",
    "Series",
    "Solution",
    "Task",
    "check_solution",
    "rcpspmax_to_problem",
    "solve",
    "solve_rcpspmax",
)
