"""Synthetic hospital instances through the solver contract: the project's core
(scheduling.domain.solver.solve) against a coordinator's greedy earliest-fit baseline, on each
instance of scheduling.domain.instances.hospital_instance (issue 14, bench 2).

    .venv/bin/python bench/hospital.py [--tiers 1,4,12] [--variants normal,overloaded]
        [--seed 0] [--cases-per-week 200] [--time-limit 60] [--workers 2]
        [--models greedy,core] [--out FILE.json]

A tier is a number of weeks of arrivals (200 cases a week by default, 30% more when
overloaded, on the same rooms and people). The greedy baseline is carried here on purpose, so
the comparison does not depend on the core: cases in arrival order (higher weight first on
ties), each case's tasks in lag order, each task at the earliest step its release, deadline,
lags to the case's placed tasks, patient, and one alternative's room and operator allow (the
alternative giving the earliest start; a radiotherapy fraction after the first goes on the next
working day at the first fraction's time, as booking a course does); when a task cannot meet a hard maximum lag or deadline,
the whole case is retried later (its first task pushed by the missing amount), up to
``MAX_RETRIES`` times, and a case that still fails is reported as unplaced (its tasks left
out). Resources are numpy timelines of free capacity, a window test is a cumulative sum.

Both schedules are re-checked with ``check_solution`` (the greedy's over the placed cases only
when some are unplaced: the row says so) and scored with ``objective_value``. Weighted waiting
is ``objective - arrival_weight_sum`` (sum over tasks of weight x (end - case arrival), plus the
lag penalties). Per instance it prints tasks, cases, both objectives and waitings, the core's
improvement over the greedy (objective and waiting, %), its gap to its bound (on the objective
and on the waiting basis), the time to the core's first feasible schedule (the clock when its
first progress report arrives; ``first_report_elapsed_s`` keeps the report's own field, which
for CP-SAT reports counts from the CP-SAT call), and the greedy's time; it writes everything to
JSON like bench/rcpspmax.py does (artifacts/bench/hospital_<UTC time>.json unless --out).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduling.domain.instances import Case, HospitalInstance, hospital_instance  # noqa: E402
from scheduling.domain.solver import (  # noqa: E402
    Lag,
    Problem,
    Task,
    check_solution,
    objective_value,
    solve,
)

VARIANTS = ("normal", "overloaded")
MODELS = ("greedy", "core")
MAX_RETRIES = 40
CHUNK = 2 * 7 * 96  # steps searched at a time (two weeks of 15-minute steps)

BoolArray = npt.NDArray[np.bool_]


# --- the greedy baseline --------------------------------------------------------------------------


@dataclass
class GreedyResult:
    starts: dict[str, int]
    choices: dict[str, int]
    unplaced: list[str]  # case ids
    retries: int
    wall_s: float


class _Timelines:
    """Free capacity per resource and step, created on first use."""

    def __init__(self, problem: Problem) -> None:
        self.horizon = problem.horizon
        self.spec = {r.id: r for r in problem.resources}
        self.free: dict[str, npt.NDArray[np.int32]] = {}

    def of(self, rid: str) -> npt.NDArray[np.int32]:
        arr = self.free.get(rid)
        if arr is None:
            r = self.spec[rid]
            arr = np.full(self.horizon + 1, r.capacity, dtype=np.int32)
            for a, b in r.closed:
                arr[max(0, a) : max(0, min(b, self.horizon))] = 0
            arr[self.horizon] = 0  # nothing runs past the horizon
            self.free[rid] = arr
        return arr

    def fits(self, rid: str, q: int, lo: int, hi: int, d: int) -> BoolArray:
        """For each start in [lo, hi]: is ``q`` of ``rid`` free over [start, start + d)?"""
        seg = self.of(rid)[lo : hi + d] >= q
        busy = np.concatenate(([0], np.cumsum(~seg)))
        ok: BoolArray = (busy[d:] - busy[:-d]) == 0
        return ok

    def book(self, usage: dict[str, int], start: int, d: int, sign: int) -> None:
        for rid, q in usage.items():
            self.of(rid)[start : start + d] -= sign * q


class Greedy:
    """The coordinator's earliest-fit scheduler (see the module docstring)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.tasks = {t.id: t for t in problem.tasks}
        self.lags_of: dict[str, list[Lag]] = {t.id: [] for t in problem.tasks}
        for lag in problem.lags:
            self.lags_of[lag.source].append(lag)
            if lag.target != lag.source:
                self.lags_of[lag.target].append(lag)
        self.timelines = _Timelines(problem)
        # A course's fractions: each the next allowed day after the one before, same time.
        self.follows: dict[str, tuple[str, int, list[int]]] = {}
        self.heads: dict[str, tuple[list[str], int, list[int]]] = {}
        for ser in problem.series:
            days = sorted(set(ser.days))
            self.heads[ser.tasks[0]] = (list(ser.tasks[1:]), ser.period, days)
            for before, after in zip(ser.tasks, ser.tasks[1:], strict=False):
                self.follows[after] = (before, ser.period, days)
        self.starts: dict[str, int] = {}
        self.choices: dict[str, int] = {}

    def _offset(self, tid: str, anchor: str) -> int:
        return self.tasks[tid].duration if anchor == "end" else 0

    def bounds(self, task: Task) -> tuple[int, int]:
        """The start window [lo, hi] its release, deadline, horizon and lags to placed tasks
        allow."""
        lo = max(0, task.release)
        hi = self.problem.horizon - task.duration
        if task.deadline is not None:
            hi = min(hi, task.deadline - task.duration)
        for lag in self.lags_of[task.id]:
            if lag.target == task.id and lag.source in self.starts:
                a = self.starts[lag.source] + self._offset(lag.source, lag.source_anchor)
                own = self._offset(task.id, lag.target_anchor)
                lo = max(lo, a + lag.min - own)
                if lag.max is not None:
                    hi = min(hi, a + lag.max - own)
            elif lag.source == task.id and lag.target in self.starts:
                b = self.starts[lag.target] + self._offset(lag.target, lag.target_anchor)
                own = self._offset(task.id, lag.source_anchor)
                hi = min(hi, b - lag.min - own)
                if lag.max is not None:
                    lo = max(lo, b - lag.max - own)
        if task.id in self.follows and self.follows[task.id][0] in self.starts:
            before, period, days = self.follows[task.id]
            at = self.starts[before]
            day = at // period  # the instances' series start at step 0 (offset 0)
            following = days[days.index(day) + 1] if days.index(day) + 1 < len(days) else None
            if following is None:
                return 1, 0  # no next working day in the horizon
            exact = at + (following - day) * period
            lo, hi = max(lo, exact), min(hi, exact)
        return lo, hi

    def earliest(self, task: Task, lo: int, hi: int) -> tuple[int, int] | None:
        """(start, alternative) of the earliest fit in [lo, hi], or None; searched CHUNK steps
        at a time."""
        if task.duration == 0:
            return (lo, 0) if lo <= hi else None
        c0 = lo
        while c0 <= hi:
            c1 = min(hi, c0 + CHUNK - 1)
            found = self._earliest_in(task, c0, c1)
            if found is not None:
                return found
            c0 = c1 + 1
        return None

    def earliest_course(self, task: Task, lo: int, hi: int) -> tuple[int, int] | None:
        """A course's first fraction: the earliest start in [lo, hi] at which every later
        fraction also fits, each on the next working day at that time (the coordinator books
        the course as one)."""
        rest, period, days = self.heads[task.id]
        while lo <= hi:
            found = self.earliest(task, lo, hi)
            if found is None:
                return None
            at, day = found[0], found[0] // period
            if day not in days or days.index(day) + len(rest) >= len(days):
                lo = (day + 1) * period
                continue
            k = days.index(day)
            late = 0
            for n, tid in enumerate(rest, start=1):
                exact = at + (days[k + n] - day) * period
                if self.earliest(self.tasks[tid], exact, exact) is None:
                    late = 1
                    break
            if not late:
                return found
            lo = at + 1
        return None

    def _earliest_in(self, task: Task, c0: int, c1: int) -> tuple[int, int] | None:
        d = task.duration
        cache: dict[tuple[str, int], BoolArray] = {}

        def fits(rid: str, q: int) -> BoolArray:
            if (rid, q) not in cache:
                cache[rid, q] = self.timelines.fits(rid, q, c0, c1, d)
            return cache[rid, q]

        base = np.ones(c1 - c0 + 1, dtype=bool)
        for rid, q in task.demands.items():
            if q > 0:
                base &= fits(rid, q)
        if not base.any():
            return None
        best: tuple[int, int] | None = None
        for k, alt in enumerate(task.alternatives or [{}]):
            ok = base
            for rid, q in alt.items():
                if q > 0:
                    ok = ok & fits(rid, q)
            first = int(np.argmax(ok))
            if ok[first] and (best is None or c0 + first < best[0]):
                best = (c0 + first, k)
                if first == 0:
                    break
        return best

    def _usage(self, task: Task, choice: int) -> dict[str, int]:
        usage = dict(task.demands)
        if task.alternatives:
            for rid, q in task.alternatives[choice].items():
                usage[rid] = usage.get(rid, 0) + q
        return usage

    def place_case(self, task_ids: Sequence[str]) -> tuple[bool, int]:
        """Place one case's tasks in order, retrying it later when a hard maximum (lag or
        deadline) cannot be met; returns (placed, retries used)."""
        push = 0
        for attempt in range(MAX_RETRIES + 1):
            placed: list[str] = []
            shift: int | None = None
            for k, tid in enumerate(task_ids):
                task = self.tasks[tid]
                lo, hi = self.bounds(task)
                if k == 0:
                    lo = max(lo, push)
                find = self.earliest_course if tid in self.heads else self.earliest
                found = find(task, lo, hi) if lo <= hi else None
                if found is None:
                    if k > 0:
                        limit = self.problem.horizon - task.duration
                        probe = self.earliest(task, lo, limit) if lo <= limit else None
                        shift = None if probe is None else max(1, lo - hi, probe[0] - hi)
                    break
                start, choice = found
                self.starts[tid] = start
                if task.alternatives:
                    self.choices[tid] = choice
                self.timelines.book(self._usage(task, choice), start, task.duration, +1)
                placed.append(tid)
            else:
                return True, attempt
            first = self.starts[task_ids[0]] if placed else None
            for tid in placed:  # undo the attempt
                task = self.tasks[tid]
                self.timelines.book(
                    self._usage(task, self.choices.get(tid, 0)),
                    self.starts.pop(tid),
                    task.duration,
                    -1,
                )
                self.choices.pop(tid, None)
            if first is None or shift is None:
                return False, attempt
            push = first + shift
        return False, MAX_RETRIES


def arrival_order(case: Case) -> tuple[int, int, str]:
    """The coordinator's order: arrival, then higher weight first."""
    return (case.arrival, -case.weight, case.id)


WITNESS_RANK = {"mscc": 0, "palliative_embolization": 1}


def witness_order(case: Case) -> tuple[int, int, str]:
    """Not the baseline: a feasibility witness. MSCC cases first (their 24 h windows, before
    routine work fills the linacs), then palliative embolizations (their follow-up CT comes
    10-14 weeks later, so they must not queue behind everything else), then arrival order.
    With it the greedy places every case of seeds 0-7 at 4 and 12 weeks, overloaded or not."""
    return (WITNESS_RANK.get(case.pathway, 2), case.arrival, case.id)


def greedy_schedule(
    problem: Problem,
    cases: Sequence[Case],
    order: Callable[[Case], tuple[int, int, str]] = arrival_order,
) -> GreedyResult:
    """The baseline over ``cases`` (each one's tasks in lag order), taken in ``order``."""
    began = time.perf_counter()
    greedy = Greedy(problem)
    unplaced: list[str] = []
    retries = 0
    for case in sorted(cases, key=order):
        ok, used = greedy.place_case(case.task_ids)
        retries += used
        if not ok:
            unplaced.append(case.id)
    return GreedyResult(
        greedy.starts, greedy.choices, unplaced, retries, time.perf_counter() - began
    )


def restrict(problem: Problem, task_ids: set[str]) -> Problem:
    """``problem`` with only ``task_ids`` and the lags and series between them."""
    return Problem(
        tasks=[t for t in problem.tasks if t.id in task_ids],
        resources=problem.resources,
        lags=[g for g in problem.lags if g.source in task_ids and g.target in task_ids],
        horizon=problem.horizon,
        objective=problem.objective,
        series=[ser for ser in problem.series if set(ser.tasks) <= task_ids],
    )


# --- one instance ---------------------------------------------------------------------------------


@dataclass
class Row:
    weeks: int
    variant: str
    seed: int
    cases: int
    tasks: int
    arrival_weight_sum: int
    greedy_objective: int | None = None
    greedy_waiting: int | None = None
    greedy_unplaced: int | None = None
    greedy_checked_over: str = ""  # "all" or "placed cases only"
    greedy_violations: int | None = None
    greedy_retries: int | None = None
    greedy_s: float | None = None
    core_status: str = ""
    core_objective: int | None = None
    core_waiting: int | None = None
    core_bound: int | None = None
    core_violations: int | None = None
    core_wall_s: float | None = None
    first_feasible_s: float | None = None
    first_report_elapsed_s: float | None = None
    first_objective: float | None = None
    progress_reports: int = 0
    improvement_pct: float | None = None
    improvement_waiting_pct: float | None = None
    gap_pct: float | None = None
    gap_waiting_pct: float | None = None
    courses: int = 0  # radiotherapy courses (series)
    greedy_split_courses: int | None = None  # courses on more than one linac
    core_split_courses: int | None = None
    notes: list[str] = field(default_factory=list)


def split_courses(problem: Problem, choices: Mapping[str, int]) -> int:
    """How many courses (series) have fractions on more than one alternative (linac)."""
    return sum(len({choices.get(t) for t in ser.tasks if t in choices}) > 1
               for ser in problem.series)


def _pct(num: float, den: float) -> float | None:
    return round(100.0 * num / den, 3) if den else None


def run_one(
    inst: HospitalInstance, variant: str, models: Sequence[str], time_limit: float, workers: int
) -> Row:
    problem = inst.problem
    aws = inst.arrival_weight_sum
    row = Row(inst.weeks, variant, inst.seed, len(inst.cases), len(problem.tasks), aws)
    row.courses = len(problem.series)
    if "greedy" in models:
        g = greedy_schedule(problem, inst.cases)
        row.greedy_s = round(g.wall_s, 3)
        row.greedy_unplaced = len(g.unplaced)
        row.greedy_retries = g.retries
        checked = problem
        row.greedy_checked_over = "all"
        if g.unplaced:
            checked = restrict(problem, set(g.starts))
            row.greedy_checked_over = "placed cases only"
            row.notes.append(
                f"greedy left {len(g.unplaced)} cases unplaced "
                f"({', '.join(g.unplaced[:10])}{' ...' if len(g.unplaced) > 10 else ''})"
                "; its objective and waiting cover the placed cases only"
            )
        broken = check_solution(checked, g.starts, g.choices)
        row.greedy_violations = len(broken)
        if broken:
            row.notes.append(f"greedy schedule breaks: {broken[0]}")
        row.greedy_objective = objective_value(checked, g.starts)
        row.greedy_split_courses = split_courses(problem, g.choices)
        placed = {c.id for c in inst.cases} - set(g.unplaced)
        weights = {t.id: t.weight for t in problem.tasks}
        placed_aws = sum(
            weights[tid] * c.arrival for c in inst.cases if c.id in placed for tid in c.task_ids
        )
        row.greedy_waiting = row.greedy_objective - placed_aws
    if "core" in models:
        reports: list[tuple[float, dict[str, float]]] = []
        began = time.perf_counter()

        def on_progress(info: dict[str, float]) -> None:
            reports.append((time.perf_counter() - began, dict(info)))

        sol = solve(problem, time_limit_s=time_limit, workers=workers, on_progress=on_progress)
        row.core_wall_s = round(sol.wall_s, 3)
        row.core_status = sol.status
        row.progress_reports = len(reports)
        if reports:
            row.first_feasible_s = round(reports[0][0], 3)
            row.first_report_elapsed_s = reports[0][1].get("elapsed_s")
            row.first_objective = reports[0][1].get("objective")
        elif sol.starts:
            row.first_feasible_s = round(sol.wall_s, 3)
        row.core_bound = sol.bound
        if sol.starts:
            broken = check_solution(problem, sol.starts, sol.choices)
            row.core_violations = len(broken)
            if broken:
                row.notes.append(f"core schedule breaks: {broken[0]}")
            row.core_objective = objective_value(problem, sol.starts)
            row.core_split_courses = split_courses(problem, sol.choices)
            if row.core_objective != sol.objective:
                row.notes.append(
                    f"core reported objective {sol.objective}, recomputed {row.core_objective}"
                )
            row.core_waiting = row.core_objective - aws
            if sol.bound is not None:
                row.gap_pct = _pct(row.core_objective - sol.bound, row.core_objective)
                row.gap_waiting_pct = _pct(row.core_objective - sol.bound, row.core_waiting)
    if row.core_objective is not None and row.greedy_objective is not None:
        if row.greedy_unplaced:
            row.notes.append("improvement compares a partial greedy schedule with a full one")
        row.improvement_pct = _pct(row.greedy_objective - row.core_objective, row.greedy_objective)
        if row.greedy_waiting is not None and row.core_waiting is not None:
            row.improvement_waiting_pct = _pct(
                row.greedy_waiting - row.core_waiting, row.greedy_waiting
            )
    return row


# --- output ---------------------------------------------------------------------------------------

COLUMNS = (
    ("weeks", "wk", 3),
    ("variant", "variant", 10),
    ("cases", "cases", 5),
    ("tasks", "tasks", 5),
    ("greedy_objective", "greedy obj", 11),
    ("greedy_unplaced", "unpl", 4),
    ("core_objective", "core obj", 11),
    ("core_status", "status", 8),
    ("greedy_waiting", "greedy wait", 11),
    ("core_waiting", "core wait", 11),
    ("improvement_pct", "impr%", 7),
    ("improvement_waiting_pct", "imprW%", 7),
    ("gap_pct", "gap%", 7),
    ("gap_waiting_pct", "gapW%", 7),
    ("first_feasible_s", "1st s", 7),
    ("core_wall_s", "core s", 7),
    ("greedy_s", "greedy s", 8),
    ("courses", "courses", 7),
    ("greedy_split_courses", "g split", 7),
    ("core_split_courses", "c split", 7),
)


def print_table(rows: Sequence[Row]) -> None:
    print(" ".join(f"{title:>{width}}" for _key, title, width in COLUMNS))
    for row in rows:
        values = asdict(row)
        print(
            " ".join(
                f"{'-' if values[key] is None else values[key]!s:>{width}}"
                for key, _title, width in COLUMNS
            )
        )
    for row in rows:
        for note in row.notes:
            print(f"  {row.weeks}w {row.variant}: {note}")
        bad = (row.greedy_violations or 0) + (row.core_violations or 0)
        if bad:
            print(f"  {row.weeks}w {row.variant}: {bad} VIOLATIONS")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", default="1,4,12", help="weeks of arrivals, comma-separated")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases-per-week", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    tiers = [int(t) for t in args.tiers.split(",") if t]
    variants = [v for v in args.variants.split(",") if v]
    models = [m for m in args.models.split(",") if m]
    if any(v not in VARIANTS for v in variants):
        parser.error(f"--variants takes {', '.join(VARIANTS)}")
    if any(m not in MODELS for m in models):
        parser.error(f"--models takes {', '.join(MODELS)}")
    started = datetime.now(UTC)
    out = args.out or ROOT / "artifacts" / "bench" / f"hospital_{started:%Y%m%dT%H%M%SZ}.json"

    rows: list[Row] = []
    for weeks in tiers:
        for variant in variants:
            began = time.perf_counter()
            inst = hospital_instance(
                weeks,
                cases_per_week=args.cases_per_week,
                seed=args.seed,
                overloaded=variant == "overloaded",
            )
            built = time.perf_counter() - began
            row = run_one(inst, variant, models, args.time_limit, args.workers)
            rows.append(row)
            print(
                f"{weeks}w {variant}: {row.cases} cases, {row.tasks} tasks (built in "
                f"{built:.2f}s); greedy {row.greedy_objective} ({row.greedy_unplaced} unplaced,"
                f" {row.greedy_s}s); core {row.core_status} {row.core_objective} bound "
                f"{row.core_bound} ({row.core_wall_s}s, first at {row.first_feasible_s}s)",
                flush=True,
            )

    print()
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}; workers={args.workers}, "
        f"time limit {args.time_limit}s per instance, seed {args.seed}, "
        f"{args.cases_per_week} cases a week (x1.3 overloaded)"
    )
    print_table(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "started": started.isoformat(),
                "machine": platform.machine(),
                "processor": platform.processor(),
                "cores": os.cpu_count(),
                "python": platform.python_version(),
                "ortools": _ortools_version(),
                "time_limit_s": args.time_limit,
                "workers": args.workers,
                "seed": args.seed,
                "cases_per_week": args.cases_per_week,
                "tiers": tiers,
                "variants": variants,
                "models": models,
                "rows": [asdict(r) for r in rows],
            },
            indent=1,
        )
    )
    print(f"wrote {out}")
    violations = sum((r.greedy_violations or 0) + (r.core_violations or 0) for r in rows)
    return 1 if violations else 0


def _ortools_version() -> str:
    import ortools

    return str(getattr(ortools, "__version__", "?"))


if __name__ == "__main__":
    raise SystemExit(main())
