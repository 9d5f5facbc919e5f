"""Reader for the ProGen/max ``.sch`` format (RCPSP/max instances of PSPLIB).

Layout (the PSPLIB RCPSP/max format, docs/benchmarks.md): a header ``n R 0 0``; one line per activity
0..n+1 with its successors and bracketed start-to-start lags (a negative lag on j→i encodes a
maximum lag); one line per activity with its duration and demands; the capacities last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RcpspMaxProblem:
    """Generic RCPSP/max: ``S_j >= S_i + lag`` for each ``(i, j, lag)``; renewable resources.

    Activity 0 is the source, activity ``n + 1`` the sink; the makespan is the sink's start.
    """

    durations: tuple[int, ...]
    demands: tuple[tuple[int, ...], ...]
    capacities: tuple[int, ...]
    lags: tuple[tuple[int, int, int], ...]
    name: str = ""

    @property
    def n_activities(self) -> int:
        return len(self.durations)


_BRACKET = re.compile(r"\[(-?\d+)\]")


def parse_sch(text: str, *, name: str = "") -> RcpspMaxProblem:
    """Parse one ``.sch`` instance. Raises ValueError on a malformed file."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("empty .sch file")
    try:
        n_real, n_res = int(lines[0][0]), int(lines[0][1])
    except (IndexError, ValueError):
        raise ValueError("the header must start with: activities resources") from None
    total = n_real + 2
    if len(lines) < 1 + 2 * total + 1:
        raise ValueError("the file is shorter than its header announces")
    lags: list[tuple[int, int, int]] = []
    for row in lines[1:1 + total]:
        i, n_succ = int(row[0]), int(row[2])
        succ = [int(x) for x in row[3:3 + n_succ]]
        values = [int(m.group(1)) for m in _BRACKET.finditer(" ".join(row[3 + n_succ:]))]
        if len(values) != n_succ:
            raise ValueError(f"activity {i}: {n_succ} successors but {len(values)} lags")
        lags.extend((i, j, lag) for j, lag in zip(succ, values, strict=True))
    durations = [0] * total
    demands: list[tuple[int, ...]] = [()] * total
    for row in lines[1 + total:1 + 2 * total]:
        i = int(row[0])
        durations[i] = int(row[2])
        demands[i] = tuple(int(x) for x in row[3:3 + n_res])
    capacities = tuple(int(x) for x in lines[1 + 2 * total][:n_res])
    return RcpspMaxProblem(
        durations=tuple(durations), demands=tuple(demands), capacities=capacities,
        lags=tuple(lags), name=name,
    )


def read_sch(path: str | Path) -> RcpspMaxProblem:
    p = Path(path)
    return parse_sch(p.read_text(encoding="utf-8"), name=p.name)


def check_schedule(problem: RcpspMaxProblem, starts: tuple[int, ...] | list[int]) -> list[str]:
    """Independent feasibility check of a schedule: lags, and capacity at every time point."""
    problems = []
    for i, j, lag in problem.lags:
        if starts[j] < starts[i] + lag:
            problems.append(f"lag {i}->{j} ({lag}) broken")
    events = sorted(set(starts))
    for r, cap in enumerate(problem.capacities):
        for t in events:
            used = sum(
                problem.demands[a][r] for a in range(problem.n_activities)
                if problem.durations[a] > 0 and starts[a] <= t < starts[a] + problem.durations[a]
            )
            if used > cap:
                problems.append(f"resource {r} over capacity at {t} ({used} > {cap})")
    return problems
