"""Benchmark the scheduling solver core (scheduling.domain.solver.solve_rcpspmax) on PSPLIB
RCPSP/max UBO10 (the PSPLIB set named in docs/benchmarks.md; pass its folder with --data). Not a test: run it by hand and record the
figures in docs/benchmarks.md.

    .venv/bin/python bench/solver_rcpspmax.py [--time-limit 2] [--workers 2] [--data DIR]

For each instance: status (optimal / feasible / infeasible / unknown), makespan, wall time, and
the comparison with bounds/testset_ubo10.csv. A contradiction (must be 0) is a schedule found on
an ``unsat`` row, an infeasibility claim or a makespan below the optimum on an ``N`` row, or a
proven optimum below ``lo`` on an open row. Every schedule found is also re-checked independently
(lags and capacities) by scheduling.domain.rcpspmax.check_schedule.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduling.domain.rcpspmax import check_schedule, read_sch  # noqa: E402
from scheduling.domain.solver import solve_rcpspmax  # noqa: E402


def load_bounds(path: Path) -> dict[str, str]:
    with path.open(newline="") as fh:
        return {row["problem"].lower(): row["optimum"].strip() for row in csv.DictReader(fh)}


def judge(bound: str, status: str, makespan: int | None) -> tuple[str, float | None]:
    """(verdict, gap %) for one instance against its reference bound."""
    if bound == "unsat":
        if status in ("optimal", "feasible"):
            return "CONTRADICTION (schedule on an unsat instance)", None
        return ("agree (infeasible)" if status == "infeasible" else "unknown (unsat)"), None
    if ".." in bound:
        lo, hi = (int(x) for x in bound.split(".."))
        if status == "infeasible":
            return "CONTRADICTION (infeasible, table has a schedule)", None
        if makespan is None:
            return "unknown", None
        if status == "optimal" and makespan < lo:
            return "CONTRADICTION (optimum below lower bound)", None
        return ("improved" if makespan < hi else "agree"), 100.0 * (makespan - hi) / hi
    optimum = int(bound)
    if status == "infeasible":
        return "CONTRADICTION (infeasible, table has an optimum)", None
    if makespan is None:
        return "unknown", None
    if makespan < optimum:
        return "CONTRADICTION (makespan below the known optimum)", None
    return ("agree" if makespan == optimum else "above optimum"), 100.0 * (makespan - optimum) / optimum


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=os.environ.get("BOARDSVC_BENCH_DATA"),
                        help="folder holding ubo10/*.sch and bounds/ (or BOARDSVC_BENCH_DATA)")
    parser.add_argument("--time-limit", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    if args.data is None:
        parser.error("--data DIR is required: the PSPLIB folder (see docs/benchmarks.md)")
    args.data = Path(args.data)

    bounds = load_bounds(args.data / "bounds" / "testset_ubo10.csv")
    files = sorted((args.data / "ubo10").glob("*.sch"),
                   key=lambda p: int("".join(c for c in p.stem if c.isdigit()) or 0))
    began = time.perf_counter()
    rows = []
    for path in files:
        problem = read_sch(path)
        result = solve_rcpspmax(problem, time_limit=args.time_limit, workers=args.workers)
        bound = bounds.get(path.name.lower(), "?")
        verdict, gap = judge(bound, result.status, result.makespan)
        if result.starts:
            broken = check_schedule(problem, result.starts)
            if broken:
                verdict = f"INVALID SCHEDULE ({broken[0]})"
        rows.append((path.name, bound, result.status, result.makespan, gap, result.wall_time,
                     verdict))
        if not args.quiet:
            print(f"{path.name:10} bound={bound:>6} status={result.status:10} "
                  f"makespan={result.makespan!s:>5} time={result.wall_time:6.3f}s  {verdict}")
    total = time.perf_counter() - began

    contradictions = sum(1 for r in rows if r[6].startswith(("CONTRADICTION", "INVALID")))
    feasible_rows = [r for r in rows if r[1] not in ("unsat", "?")]
    unsat_rows = [r for r in rows if r[1] == "unsat"]
    gaps = [r[4] for r in feasible_rows if r[4] is not None]
    times = [r[5] for r in rows]
    print()
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()},"
          f" workers={args.workers}, time limit {args.time_limit}s per instance")
    print(f"instances: {len(rows)} ({len(feasible_rows)} with a known optimum, "
          f"{len(unsat_rows)} unsat)")
    print(f"contradictions: {contradictions}")
    print(f"proven optimal: {sum(1 for r in feasible_rows if r[2] == 'optimal')}"
          f"/{len(feasible_rows)}; matching the known optimum: "
          f"{sum(1 for r in feasible_rows if r[6] == 'agree')}/{len(feasible_rows)}")
    print(f"proven infeasible: {sum(1 for r in unsat_rows if r[2] == 'infeasible')}"
          f"/{len(unsat_rows)}")
    print(f"unknown (time limit): {sum(1 for r in rows if r[2] == 'unknown')}")
    if gaps:
        print(f"gap to optimum: mean {statistics.mean(gaps):.2f}%, max {max(gaps):.2f}%")
    print(f"solve time: mean {statistics.mean(times):.3f}s, median {statistics.median(times):.3f}s, "
          f"max {max(times):.3f}s; total wall {total:.1f}s")
    return 1 if contradictions else 0


if __name__ == "__main__":
    raise SystemExit(main())
