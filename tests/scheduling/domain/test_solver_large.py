"""The solver core on problems of thousands of tasks in small lag components (large.py): the
path the whole waiting list of a hospital takes. Every schedule is re-checked by
``check_solution``; infeasibility is still proven; the search never returns worse than its first
schedule."""

from __future__ import annotations

import random

import numpy as np
import pytest

from scheduling.domain import large
from scheduling.domain.solver import (
    Lag,
    Problem,
    Resource,
    Task,
    _compile,
    check_solution,
    objective_value,
    solve,
)

DAY = 96


def _closed_nights(horizon: int) -> list[tuple[int, int]]:
    """Open 08:00-18:00 on weekdays (15-minute steps)."""
    out = []
    for d in range(horizon // DAY + 1):
        base = d * DAY
        spans = [(base, base + DAY)] if d % 7 >= 5 else [(base, base + 32), (base + 72, base + DAY)]
        out += [(a, min(b, horizon)) for a, b in spans if a < horizon]
    return out


def _clinic(cases: int, *, seed: int = 0, weeks: int = 12) -> Problem:
    """Embolization then surgery (max 72 h, preferred 24 h) or one ablation, per patient,
    on two angio rooms, two ORs, two CT rooms, four radiologists and two surgeons."""
    rng = random.Random(seed)
    horizon = weeks * 7 * DAY
    rooms = ["angio1", "angio2", "or1", "or2", "ct1", "ct2"]
    ops = ["ir0", "ir1", "ir2", "ir3", "su0", "su1"]
    resources = [Resource(r, 1, _closed_nights(horizon)) for r in rooms + ops]
    tasks: list[Task] = []
    lags: list[Lag] = []
    for n in range(cases):
        patient = f"p{n}"
        resources.append(Resource(patient, 1))
        release = rng.randrange(0, 6 * 7 * DAY)
        weight = rng.choice([1, 1, 1, 4, 8])
        if rng.random() < 0.5:
            emb = Task(f"c{n}/emb", rng.choice([6, 8, 12]), {patient: 1}, release=release,
                       weight=weight, alternatives=[{r: 1, o: 1} for r in ("angio1", "angio2")
                                                    for o in ("ir0", "ir1", "ir2")])
            surg = Task(f"c{n}/surg", rng.choice([8, 12]), {patient: 1}, release=release,
                        weight=weight, alternatives=[{r: 1, o: 1} for r in ("or1", "or2")
                                                    for o in ("su0", "su1")])
            tasks += [emb, surg]
            lags.append(Lag(emb.id, surg.id, 0, 72 * 4, source_anchor="end", preferred=24 * 4,
                            penalty=24))
        else:
            tasks.append(Task(f"c{n}/abl", rng.choice([4, 6, 8]), {patient: 1}, release=release,
                              weight=weight, alternatives=[{r: 1, o: 1} for r in ("ct1", "ct2")
                                                           for o in ("ir1", "ir2", "ir3")]))
    return Problem(tasks, resources, lags, horizon, objective="weighted_completion")


def test_a_large_problem_takes_the_components_path_and_its_schedule_holds() -> None:
    problem = _clinic(450)
    assert len(problem.tasks) >= large.LARGE_TASKS
    reports: list[dict[str, float]] = []
    sol = solve(problem, time_limit_s=6, workers=2, on_progress=reports.append)
    assert sol.status == "feasible"
    assert check_solution(problem, sol.starts, sol.choices) == []
    assert sol.objective == objective_value(problem, sol.starts)
    assert sol.bound is not None
    assert sol.bound <= sol.objective
    # Progress: the heuristic's schedule first, then only better ones, the last one returned.
    values = [r["objective"] for r in reports]
    assert values
    assert values == sorted(values, reverse=True)
    assert len(set(values)) == len(values)
    assert values[-1] == sol.objective


def test_the_search_improves_on_the_first_schedule() -> None:
    problem = _clinic(450, seed=3)
    reports: list[dict[str, float]] = []
    sol = solve(problem, time_limit_s=8, workers=2, on_progress=reports.append)
    assert sol.objective is not None
    assert sol.objective < reports[0]["objective"]


def test_a_component_with_contradicting_lags_proves_a_large_problem_infeasible() -> None:
    problem = _clinic(450)
    first, second = problem.lags[0].source, problem.lags[0].target
    bad = Problem(problem.tasks, problem.resources,
                  [*problem.lags, Lag(second, first, 10)],  # surgery >= 10 steps before?
                  problem.horizon, objective="weighted_completion")
    sol = solve(bad, time_limit_s=5, workers=2)
    assert sol.status == "infeasible"
    assert sol.starts == {}


def test_a_deadline_before_the_release_proves_a_large_problem_infeasible() -> None:
    problem = _clinic(450)
    t = problem.tasks[5]
    tasks = list(problem.tasks)
    tasks[5] = Task(t.id, t.duration, t.demands, release=100, deadline=100 + t.duration - 1,
                    weight=t.weight, alternatives=t.alternatives)
    sol = solve(Problem(tasks, problem.resources, problem.lags, problem.horizon,
                        objective="weighted_completion"), time_limit_s=5, workers=2)
    assert sol.status == "infeasible"


def test_components_are_the_lag_connected_tasks() -> None:
    problem = _clinic(40)
    c = _compile(problem)
    groups = large.components(c)
    by_id = {c.ids[k]: g for g, members in enumerate(groups) for k in members}
    for lag in problem.lags:
        assert by_id[lag.source] == by_id[lag.target]
    assert sorted(k for members in groups for k in members) == list(range(len(c.ids)))
    assert len(groups) == 40  # one per patient


@pytest.mark.parametrize("capacity", [1, 2])
def test_fixed_neighbours_keep_their_place_in_a_sub_problem(capacity: int) -> None:
    """A freed window sees the rest as closed time (capacity 1) or fixed tasks (above)."""
    horizon = 200
    resources = [Resource("room", capacity)]
    tasks = [Task(f"t{k}", 10, {"room": 1}, weight=1) for k in range(6)]
    problem = Problem(tasks, resources, [], horizon, objective="weighted_completion")
    c = _compile(problem)
    sched = large.Schedule(starts=np.array([0, 10, 20, 30, 40, 50]),
                           choices=[-1] * 6)
    users = large.users_by_resource(c, sched)
    sub = large.sub_problem(problem, c, [3, 4], sched, users, [], slack=20)
    assert sub.horizon == 70  # the latest end of a freed task (50) + slack
    if capacity == 1:
        assert sub.resources[0].closed == [(0, 30), (50, 60)]
        assert [t.id for t in sub.tasks] == ["t3", "t4"]
    else:
        fixed = {t.id: t.fixed_start for t in sub.tasks if t.fixed_start is not None}
        assert fixed == {f"fixed:0:t{k}": 10 * k for k in (0, 1, 2, 5)}


def test_the_resource_index_follows_moved_tasks() -> None:
    """The search updates who uses each resource for the tasks it moved only; the result is
    what a full rebuild gives."""
    problem = _clinic(60)
    c = _compile(problem)
    rng = random.Random(1)
    sched = large.Schedule(starts=np.zeros(len(c.ids), dtype=np.int64),
                           choices=[0 if c.options[k] else -1 for k in range(len(c.ids))])
    users = large.users_by_resource(c, sched)
    for _round in range(5):
        moved = rng.sample(range(len(c.ids)), 10)
        before = large._resources_of(c, moved, sched)
        for k in moved:
            if c.options[k]:
                sched.choices[k] = rng.randrange(len(c.options[k]))
        large._update_users(c, users, moved, sched, before)
        fresh = large.users_by_resource(c, sched)
        assert [sorted(u.tolist()) for u in users] == [sorted(u.tolist()) for u in fresh]


def test_closed_time_lifts_the_bound_and_can_prove_infeasibility_on_small_problems_too() -> None:
    """The calendar bound (large.open_starts) also serves the dense pipeline: a room closed
    until step 50 means nothing on it ends before 50 + its duration, whatever CP-SAT proves;
    a task whose whole window is closed is infeasible without search."""
    room = Resource("room", 1, [(0, 50), (80, 200)])
    tasks = [Task("a", 10, {"room": 1}, weight=3), Task("b", 10, {"room": 1}, weight=1)]
    sol = solve(Problem(tasks, [room], [], 200, objective="weighted_completion"),
                time_limit_s=2, workers=1)
    assert sol.status == "optimal"
    assert sol.objective == 3 * 60 + 1 * 70
    boxed = [Task("a", 10, {"room": 1}, release=85, deadline=150)]
    sol = solve(Problem(boxed, [room], [], 200, objective="weighted_completion"),
                time_limit_s=2, workers=1)
    assert sol.status == "infeasible"


def test_the_calendar_bound_counts_each_tasks_closed_time() -> None:
    problem = Problem([Task("a", 10, {"room": 1}, weight=2), Task("b", 5, {"p": 1}, weight=1)],
                      [Resource("room", 1, [(0, 50)]), Resource("p", 1)], [], 100,
                      objective="weighted_completion")
    c = _compile(problem)
    comps = large.close_components(c, large.components(c), problem.horizon)
    assert comps is not None
    opened = large.open_starts(c, comps, problem.horizon)
    assert opened is not None
    assert large.lower_bound(c, comps) == 2 * 10 + 1 * 5  # the lag graph alone
    assert large.lower_bound(c, comps, opened) == 2 * 60 + 1 * 5


def test_a_stand_in_on_a_shared_resource_ends_with_the_sub_problem() -> None:
    """On a resource of capacity above 1 the rest stays as fixed stand-in tasks; one running
    past the sub-problem's end is cut there, so the current schedule still fits (it did not:
    the sub-problem was 'infeasible' and the neighbourhood wasted)."""
    problem = Problem([Task("A", 1, {"m": 1}), Task("F", 10, {"m": 1})], [Resource("m", 2)], [],
                      20, objective="weighted_completion")
    c = _compile(problem)
    sched = large.Schedule(starts=np.array([0, 0]), choices=[-1, -1])
    sub = large.sub_problem(problem, c, [0], sched, large.users_by_resource(c, sched), [],
                            slack=1)
    assert sub.horizon == 2
    assert check_solution(sub, {"A": 0, "fixed:0:F": 0}, {}) == []


def test_stand_in_ids_never_collide_with_real_tasks() -> None:
    """Real task ids may look like the stand-ins' ('fixed:0:t5'): solve() must not fail."""
    n = 110
    tasks = [Task(f"t{i}", 1 + i % 3, {"m": 1}, weight=1 + i % 4) for i in range(n)]
    tasks += [Task(f"fixed:0:t{i}", 2, {"m": 1}, weight=1) for i in range(n)]
    problem = Problem(tasks, [Resource("m", 2)], [], 2000, objective="weighted_completion")
    sol = solve(problem, time_limit_s=3, workers=1)
    assert sol.status in ("feasible", "optimal")
    assert check_solution(problem, sol.starts, sol.choices) == []


def test_a_neighbourhood_goes_to_cp_sat_not_back_to_the_components_path(monkeypatch) -> None:
    """A component of 200+ tasks is one neighbourhood: it must be solved by the dense pipeline
    (CP-SAT), not by the components path again (which never improves it)."""
    from scheduling.domain import solver as core

    calls: list[int] = []
    original = core._solve_large

    def counted(problem: Problem, *args: object, **kwargs: object) -> object:
        calls.append(len(problem.tasks))
        return original(problem, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(core, "_solve_large", counted)
    n = 210
    tasks = [Task(f"t{i}", 1 + i % 3, {"r": 1}, weight=1 + (i * 7) % 5) for i in range(n)]
    lags = [Lag(f"t{i}", f"t{i + 1}", -1000) for i in range(n - 1)]
    problem = Problem(tasks, [Resource("r", 1)], lags, 1000, objective="weighted_completion")
    sol = solve(problem, time_limit_s=3, workers=1)
    assert calls == [n]
    assert check_solution(problem, sol.starts, sol.choices) == []


def test_a_zero_length_anchor_does_not_put_its_component_first() -> None:
    """A waiting-list plan's clock origin (a fixed zero-length task, waitlist.py) is in nearly
    every plan's component; it must not turn them all into 'fixed' components ordered by latest
    start (they would all tie at 0, and the priority rules would be lost)."""
    tasks = [Task("light/a", 4, {"room": 1}, weight=1),
             Task("light/clock", 0, fixed_start=0),
             Task("heavy/a", 4, {"room": 1}, weight=8),
             Task("boxed/a", 4, {"room": 1}, weight=1, deadline=50)]
    lags = [Lag("light/clock", "light/a", -100, preferred=40, penalty=96)]
    problem = Problem(tasks, [Resource("room", 1)], lags, 100,
                      objective="weighted_completion")
    c = _compile(problem)
    comps = large.close_components(c, large.components(c), problem.horizon)
    assert comps is not None
    order = large.priority(problem, c, comps, None, "weight")
    names = [sorted(c.ids[k] for k in comps[g].tasks)[0] for g in order]
    assert names == ["boxed/a", "heavy/a", "light/a"]
