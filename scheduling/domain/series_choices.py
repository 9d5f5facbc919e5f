"""A series keeps one alternative where the schedule allows it: a radiotherapy course on one
linac (solver.py calls ``keep_series_together`` on every schedule it returns).

The objective does not depend on which alternative a task takes, so the solver's choice for
each member of a series is arbitrary wherever several were free; on the seeded 1-week hospital
instance 34-37 of 77 courses changed linac at least once. A patient's plan is prepared for one
treatment unit, and a course that moves between units every other day is what a radiotherapy
department avoids. This pass changes no start, only choices:

1. each series' **home** is the alternative most of its members take (ties: the first
   member's);
2. a member elsewhere moves home when home's resources are open and have room at its time;
3. else, when home at that time is held by one task that can take the alternative this member
   leaves (a task in no series, or a member of a series whose home that is), the two swap;
4. a series still split moves whole to another alternative it uses, when all of it fits there;
5. with time to spare, the series still split go to CP-SAT: every task's alternative on those
   resources, starts fixed, for the fewest members away from their series' home (``_assign``).

Every change is checked against the resources' closed time and capacity before it is made, so
the schedule stays feasible (solver.py still re-checks it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .closed_time import ClosedTime

if TYPE_CHECKING:
    from .solver import Problem, Task


@dataclass
class _Uses:
    """One resource's uses by task: ``[start, end)`` with a quantity, and its closed time."""

    capacity: int
    closed: ClosedTime
    by_task: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    def fits(self, s: int, e: int, q: int) -> bool:
        """Room for ``q`` more over ``[s, e)``: the peak load there plus ``q`` within
        capacity."""
        if self.closed.overlaps(s, e):
            return False
        overlapping = [(a, b, n) for a, b, n in self.by_task.values() if a < e and b > s]
        if sum(n for _a, _b, n in overlapping) + q <= self.capacity:
            return True
        points = sorted({s, *(a for a, _b, _n in overlapping if a > s)})
        return all(sum(n for a, b, n in overlapping if a <= p < b) + q <= self.capacity
                   for p in points)


def keep_series_together(problem: Problem, starts: Mapping[str, int],
                         choices: Mapping[str, int], *, time_limit_s: float = 0.0,
                         ) -> dict[str, int]:
    """``choices`` with each series' members moved to the series' home alternative wherever
    that stays feasible (the module docstring); starts are unchanged. With ``time_limit_s``,
    the series still split after the greedy passes are handed to ``_assign`` (CP-SAT)."""
    tasks = {t.id: t for t in problem.tasks}
    # Each series' members that have alternatives and a choice (series of two or more).
    groups = [g for g in ([tid for tid in ser.tasks if tasks[tid].alternatives and tid in choices]
                          for ser in problem.series) if len(g) > 1]
    if not groups:
        return dict(choices)
    # The resources some series member could use: only their uses matter.
    wanted = {rid for group in groups for tid in group
              for alt in tasks[tid].alternatives for rid in alt}
    out = _greedy(problem, tasks, groups, wanted, starts, choices)
    if time_limit_s > 0 and _away(groups, out):
        better = _assign(problem, tasks, groups, wanted, starts, out, time_limit_s=time_limit_s)
        if better is not None and _away(groups, better) < _away(groups, out):
            return better
    return out


def _away(groups: Sequence[Sequence[str]], choices: Mapping[str, int]) -> int:
    """How many series members are not on their series' most taken alternative (0: none is
    split)."""
    return sum(len(g) - max(Counter(choices[t] for t in g).values()) for g in groups)


def _greedy(problem: Problem, tasks: Mapping[str, Task], members: Sequence[Sequence[str]],
            wanted: set[str], starts: Mapping[str, int],
            choices: Mapping[str, int]) -> dict[str, int]:
    """Steps 1-4 of the module docstring."""
    out = dict(choices)
    uses = {r.id: _Uses(r.capacity, ClosedTime(r.closed)) for r in problem.resources
            if r.id in wanted}
    for t in problem.tasks:
        if t.duration <= 0 or t.id not in starts:
            continue
        s = starts[t.id]
        for rid, q in t.usage(out.get(t.id)).items():
            if rid in uses:
                uses[rid].by_task[t.id] = (s, s + t.duration, q)

    def change(moves: Sequence[tuple[str, int]]) -> bool:
        """Make every (task, new choice) of ``moves`` at once if all fit; else none."""
        removed = {tid: {rid: u.by_task.pop(tid) for rid, u in uses.items() if tid in u.by_task}
                   for tid, _new in moves}
        added: list[tuple[str, str]] = []
        for tid, new in moves:
            t, s = tasks[tid], starts[tid]
            for rid, q in t.usage(new).items():
                u = uses.get(rid)
                if u is None:  # no alternative uses it: a base demand, the same either way
                    continue
                if not u.fits(s, s + t.duration, q):
                    for a_tid, a_rid in added:
                        del uses[a_rid].by_task[a_tid]
                    for r_tid, items in removed.items():
                        for rid2, item in items.items():
                            uses[rid2].by_task[r_tid] = item
                    return False
                u.by_task[tid] = (s, s + t.duration, q)
                added.append((tid, rid))
        for tid, new in moves:
            out[tid] = new
        return True

    home: dict[str, int] = {}  # task -> its series' home alternative
    for group in members:
        counts = Counter(out[tid] for tid in group)
        top = max(counts.values())
        favourite = next(out[tid] for tid in group if counts[out[tid]] == top)
        home.update(dict.fromkeys(group, favourite))
    for group in members:
        for tid in group:
            if out[tid] == home[tid] or change([(tid, home[tid])]):
                continue
            t, s = tasks[tid], starts[tid]
            span = (s, s + t.duration)
            wanted_res = t.usage(home[tid])
            holders = {other for rid in wanted_res if rid in uses
                       for other, (a, b, _q) in uses[rid].by_task.items()
                       if other != tid and a < span[1] and b > span[0]}
            if len(holders) != 1:
                continue
            (other,) = holders
            leaving = t.alternatives[out[tid]]
            swap = next((a for a, alt in enumerate(tasks[other].alternatives) if alt == leaving),
                        None)
            # The holder takes the alternative this member leaves: a task in no series, or
            # one whose own series has its home there (never one already at its home).
            if swap is not None and home.get(other, swap) == swap and out.get(other) != swap:
                change([(tid, home[tid]), (other, swap)])
    for group in members:
        taken = {out[tid] for tid in group}
        if len(taken) == 1:
            continue
        # Still split: the whole series on another alternative it already uses, if that fits.
        for alt in sorted(taken, key=lambda a: -sum(out[tid] == a for tid in group)):
            if alt != home[group[0]] and change([(tid, alt) for tid in group if out[tid] != alt]):
                break
    return out


def _assign(problem: Problem, tasks: Mapping[str, Task], groups: Sequence[Sequence[str]],
            wanted: set[str], starts: Mapping[str, int], choices: Mapping[str, int], *,
            time_limit_s: float) -> dict[str, int] | None:
    """Step 5: the alternatives of every task on the series' resources, the starts fixed, that
    leave the fewest series members away from their series' home (CP-SAT, from ``choices``).
    An alternative that differs from the chosen one outside those resources (another person)
    is not offered. None when CP-SAT finds nothing in time."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    per_res: dict[str, list[tuple[cp_model.IntervalVar, int]]] = {rid: [] for rid in wanted}
    picks: dict[str, list[cp_model.IntVar | None]] = {}
    lo = hi = None
    for t in problem.tasks:
        if t.duration <= 0 or t.id not in starts:
            continue
        s, d = starts[t.id], t.duration
        touches = [rid for rid in t.demands if rid in wanted and t.demands[rid] > 0]
        if t.id in choices and any(rid in wanted for alt in t.alternatives for rid in alt):
            current = t.alternatives[choices[t.id]]
            outside = {r: q for r, q in current.items() if r not in wanted}
            lits: list[cp_model.IntVar | None] = []
            for a, alt in enumerate(t.alternatives):
                if {r: q for r, q in alt.items() if r not in wanted} != outside:
                    lits.append(None)  # it would change another resource's use
                    continue
                lit = model.new_bool_var(f"x_{t.id}_{a}")
                model.add_hint(lit, a == choices[t.id])
                lits.append(lit)
                for rid, q in alt.items():
                    if rid in wanted and q > 0:
                        per_res[rid].append((model.new_optional_fixed_size_interval_var(
                            s, d, lit, f"i_{t.id}_{a}_{rid}"), q))
            model.add_exactly_one([lit for lit in lits if lit is not None])
            picks[t.id] = lits
        if touches:
            iv = model.new_fixed_size_interval_var(s, d, f"f_{t.id}")
            for rid in touches:
                per_res[rid].append((iv, t.demands[rid]))
        lo = s if lo is None else min(lo, s)
        hi = s + d if hi is None else max(hi, s + d)
    if lo is None or hi is None:
        return None
    for r in problem.resources:
        if r.id not in wanted or not per_res[r.id]:
            continue
        blocks = [(max(a, lo), min(b, hi)) for a, b in r.closed if a < hi and b > lo]
        items = per_res[r.id] + [(model.new_fixed_size_interval_var(a, b - a, f"c_{r.id}_{a}"),
                                  r.capacity) for a, b in blocks if b > a]
        model.add_cumulative([iv for iv, _q in items], [q for _iv, q in items], r.capacity)
    away: list[cp_model.IntVar] = []
    for n, g in enumerate(groups):
        homes = [dict(alt) for alt in tasks[g[0]].alternatives]
        home = [model.new_bool_var(f"h{n}_{k}") for k in range(len(homes))]
        model.add_exactly_one(home)
        for tid in g:
            miss = model.new_bool_var(f"away_{tid}")
            for k, alt in enumerate(homes):
                same = [lit for a, lit in enumerate(picks.get(tid, []))
                        if lit is not None and tasks[tid].alternatives[a] == alt]
                # Away unless it takes the home alternative.
                model.add(miss + sum(same) >= home[k])
            away.append(miss)
    model.minimize(sum(away))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    out = dict(choices)
    for tid, lits in picks.items():
        out[tid] = next(a for a, lit in enumerate(lits)
                        if lit is not None and solver.boolean_value(lit))
    return out
