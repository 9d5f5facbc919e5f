"""PSPLIB RCPSP/max through the solver contract: the project's core (scheduling.domain.solver.solve)
and a plain CP-SAT reference model, side by side on each instance in one run (issue 14, bench 1).

    .venv/bin/python bench/rcpspmax.py [--sets ubo10,ubo100,ubo200] [--time-limit 10]
        [--workers 2] [--limit N] [--data DIR] [--out FILE.json] [--models core,plain]
        [--only psp4.sch,psp7.sch]

Each instance is read with scheduling.domain.rcpspmax.read_sch, turned into the contract's
``Problem`` (rcpspmax_to_problem), and given to both models with the same time limit and
workers. The plain model is carried here on purpose, so the comparison does not depend on the
core: interval + cumulative + linear lags, default CP-SAT parameters, the sum-of-durations
horizon. Every returned schedule is re-checked independently (check_schedule: lags and
capacities at every start). Against the set's bounds table (README of the data folder), a
contradiction (must be 0) is a schedule on an ``unsat`` row; an infeasibility claim, or a
makespan below ``N`` on an ``N`` row; or a proven optimum below ``lo`` on an open row.

Per set and model it prints: decided (optimal or infeasible proven), optimal matches (equal to
``N``), infeasible matches, improvements on open rows' ``hi``, contradictions, mean/median gap
to the table (to ``N`` or ``hi``), mean and max times; and writes everything to JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ortools.sat.python import cp_model

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduling.domain.rcpspmax import RcpspMaxProblem, check_schedule, read_sch  # noqa: E402
from scheduling.domain.solver import (  # noqa: E402
    Problem,
    Solution,
    rcpspmax_to_problem,
    solve,
)

DEFAULT_DATA = ROOT.parent / "shared" / "bench-data" / "rcpspmax"
SETS = ("ubo10", "ubo100", "ubo200")
MODELS = ("core", "plain")


def solve_plain(problem: Problem, *, time_limit_s: float, workers: int) -> Solution:
    """The textbook model with default parameters: one interval per task, one cumulative per
    resource, the lags as linear constraints, the makespan over every end."""
    began = time.perf_counter()
    model = cp_model.CpModel()
    by_id = {t.id: t for t in problem.tasks}
    starts = {t.id: model.new_int_var(0, problem.horizon - t.duration, f"s_{t.id}")
              for t in problem.tasks}
    for r in problem.resources:
        items = [(model.new_fixed_size_interval_var(starts[t.id], t.duration, f"i_{t.id}_{r.id}"),
                  t.demands[r.id]) for t in problem.tasks
                 if t.demands.get(r.id, 0) > 0 and t.duration > 0]
        if items:
            model.add_cumulative([iv for iv, _ in items], [q for _, q in items], r.capacity)
    for lag in problem.lags:
        src, dst = by_id[lag.source], by_id[lag.target]
        a = starts[src.id] + (src.duration if lag.source_anchor == "end" else 0)
        b = starts[dst.id] + (dst.duration if lag.target_anchor == "end" else 0)
        model.add(b - a >= lag.min)
        if lag.max is not None:
            model.add(b - a <= lag.max)
    makespan = model.new_int_var(0, problem.horizon, "makespan")
    for t in problem.tasks:
        model.add(makespan >= starts[t.id] + t.duration)
    model.minimize(makespan)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    wall = time.perf_counter() - began
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solution(
            status="optimal" if status == cp_model.OPTIMAL else "feasible",
            starts={k: int(solver.value(v)) for k, v in starts.items()},
            objective=int(solver.value(makespan)), bound=int(solver.best_objective_bound),
            wall_s=wall)
    return Solution(status="infeasible" if status == cp_model.INFEASIBLE else "unknown",
                    wall_s=wall)


@dataclass
class Row:
    set: str
    instance: str
    table: str
    model: str
    status: str
    makespan: int | None
    bound: int | None
    wall_s: float
    verdict: str  # agree | above | improved | unknown | CONTRADICTION ... | INVALID ...
    gap_pct: float | None


def judge(table: str, status: str, makespan: int | None) -> tuple[str, float | None]:
    """(verdict, gap %) of one answer against its bounds-table row (data README)."""
    if table == "unsat":
        if makespan is not None:
            return "CONTRADICTION: schedule on an unsat row", None
        return ("agree" if status == "infeasible" else "unknown"), None
    if status == "infeasible":
        return "CONTRADICTION: infeasible, the table has a schedule", None
    if ".." in table:
        lo, hi = (int(x) for x in table.split(".."))
        if makespan is None:
            return "unknown", None
        if status == "optimal" and makespan < lo:
            return "CONTRADICTION: proven optimum below lo", None
        gap = 100.0 * (makespan - hi) / hi
        return ("improved" if makespan < hi else "agree" if makespan == hi else "above"), gap
    optimum = int(table)
    if makespan is None:
        return "unknown", None
    if makespan < optimum:
        return "CONTRADICTION: makespan below the known optimum", None
    return ("agree" if makespan == optimum else "above"), 100.0 * (makespan - optimum) / optimum


def run_one(set_name: str, path: Path, table: str, model: str, time_limit: float,
            workers: int) -> Row:
    raw: RcpspMaxProblem = read_sch(path)
    problem = rcpspmax_to_problem(raw)
    if model == "core":
        sol = solve(problem, time_limit_s=time_limit, workers=workers)
    else:
        sol = solve_plain(problem, time_limit_s=time_limit, workers=workers)
    sink = str(raw.n_activities - 1)
    makespan = sol.starts[sink] if sol.starts else None
    verdict, gap = judge(table, sol.status, makespan)
    if sol.starts:
        broken = check_schedule(raw, [sol.starts[str(i)] for i in range(raw.n_activities)])
        if broken:
            verdict, gap = f"INVALID schedule: {broken[0]}", None
    return Row(set_name, path.name, table, model, sol.status, makespan, sol.bound,
               round(sol.wall_s, 4), verdict, gap)


def summarise(rows: list[Row]) -> dict[str, object]:
    decided = [r for r in rows if r.status in ("optimal", "infeasible")]
    gaps = [r.gap_pct for r in rows if r.gap_pct is not None]
    times = [r.wall_s for r in rows]
    return {
        "instances": len(rows),
        "decided": len(decided),
        "optimal": sum(r.status == "optimal" for r in rows),
        "infeasible": sum(r.status == "infeasible" for r in rows),
        "optimal_matches": sum(r.status == "optimal" and r.table.isdigit()
                               and r.verdict == "agree" for r in rows),
        "infeasible_matches": sum(r.status == "infeasible" and r.table == "unsat" for r in rows),
        "improved_on_table": sum(r.verdict == "improved" for r in rows),
        "with_schedule": sum(r.makespan is not None for r in rows),
        "unknown": sum(r.status == "unknown" for r in rows),
        "contradictions": sum(r.verdict.startswith(("CONTRADICTION", "INVALID")) for r in rows),
        "gap_mean_pct": round(statistics.mean(gaps), 3) if gaps else None,
        "gap_median_pct": round(statistics.median(gaps), 3) if gaps else None,
        "time_mean_s": round(statistics.mean(times), 3) if times else None,
        "time_max_s": round(max(times), 3) if times else None,
        "time_total_s": round(sum(times), 2),
    }


def pair_up(rows: list[Row]) -> dict[str, object]:
    """Per instance, core against plain: who decided it, who found the shorter schedule."""
    by = {(r.instance, r.model): r for r in rows}
    names = sorted({r.instance for r in rows}, key=lambda n: instance_key(Path(n)))
    both, core_better, plain_better = 0, 0, 0
    core_only: list[str] = []
    plain_only: list[str] = []
    for name in names:
        core, plain = by[name, "core"], by[name, "plain"]
        core_decided = core.status in ("optimal", "infeasible")
        plain_decided = plain.status in ("optimal", "infeasible")
        if core_decided and plain_decided:
            both += 1
        elif core_decided:
            core_only.append(name)
        elif plain_decided:
            plain_only.append(name)
        if core.makespan is not None and (plain.makespan is None
                                          or core.makespan < plain.makespan):
            core_better += 1
        elif plain.makespan is not None and (core.makespan is None
                                             or plain.makespan < core.makespan):
            plain_better += 1
    return {"both": both, "core_only": core_only, "plain_only": plain_only,
            "core_better": core_better, "plain_better": plain_better}


def load_table(path: Path) -> dict[str, str]:
    with path.open(newline="") as fh:
        return {row["problem"].strip().lower(): row["optimum"].strip()
                for row in csv.DictReader(fh)}


def instance_key(path: Path) -> tuple[int, str]:
    digits = "".join(ch for ch in path.stem if ch.isdigit())
    return (int(digits) if digits else 0, path.name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(os.environ.get("BOARDSVC_BENCH_DATA", DEFAULT_DATA)))
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="first N instances of each set")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--only", default="", help="comma-separated instance names, e.g. psp4.sch")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    models = [m for m in args.models.split(",") if m]
    if any(m not in MODELS for m in models):
        parser.error(f"--models takes {', '.join(MODELS)}")
    started = datetime.now(UTC)
    out = args.out or ROOT / "artifacts" / "bench" / f"rcpspmax_{started:%Y%m%dT%H%M%SZ}.json"

    rows: list[Row] = []
    for set_name in [s for s in args.sets.split(",") if s]:
        table = load_table(args.data / "bounds" / f"testset_{set_name}.csv")
        files = sorted((args.data / set_name).glob("*.sch"), key=instance_key)
        if args.only:
            files = [p for p in files if p.name.lower() in args.only.lower().split(",")]
        files = files[:args.limit] if args.limit else files
        for path in files:
            for model in models:  # paired: both models on the instance before the next one
                row = run_one(set_name, path, table.get(path.name.lower(), "?"), model,
                              args.time_limit, args.workers)
                rows.append(row)
                if not args.quiet:
                    print(f"{set_name:6} {row.instance:10} {row.table:>9} {model:5} "
                          f"{row.status:10} makespan={row.makespan!s:>5} bound={row.bound!s:>5} "
                          f"{row.wall_s:6.2f}s {row.verdict}", flush=True)

    summary: dict[str, dict[str, object]] = {}
    print()
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}; workers={args.workers}, "
          f"time limit {args.time_limit}s per instance")
    for set_name in dict.fromkeys(r.set for r in rows):
        for model in models:
            s = summarise([r for r in rows if r.set == set_name and r.model == model])
            summary[f"{set_name}/{model}"] = s
            print(f"{set_name:6} {model:5} decided {s['decided']}/{s['instances']} "
                  f"(optimal {s['optimal']}, infeasible {s['infeasible']}); optimal matches "
                  f"{s['optimal_matches']}, infeasible matches {s['infeasible_matches']}, "
                  f"improved on table {s['improved_on_table']}; contradictions "
                  f"{s['contradictions']}; gap mean {s['gap_mean_pct']}% median "
                  f"{s['gap_median_pct']}%; time mean {s['time_mean_s']}s max {s['time_max_s']}s"
                  f" total {s['time_total_s']}s")
        if len(models) == 2:
            paired = pair_up([r for r in rows if r.set == set_name])
            summary[f"{set_name}/paired"] = paired
            print(f"{set_name:6} paired: decided by both {paired['both']}, core only "
                  f"{paired['core_only']}, plain only {paired['plain_only']}; better makespan "
                  f"core {paired['core_better']}, plain {paired['plain_better']}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "started": started.isoformat(), "machine": platform.machine(),
        "processor": platform.processor(), "cores": os.cpu_count(),
        "python": platform.python_version(), "ortools": _ortools_version(),
        "time_limit_s": args.time_limit, "workers": args.workers, "limit": args.limit,
        "summary": summary, "rows": [asdict(r) for r in rows],
    }, indent=1))
    print(f"wrote {out}")
    contradictions = sum(int(str(s["contradictions"])) for key, s in summary.items()
                         if not key.endswith("/paired"))
    return 1 if contradictions else 0


def _ortools_version() -> str:
    import ortools

    return str(getattr(ortools, "__version__", "?"))


if __name__ == "__main__":
    raise SystemExit(main())
