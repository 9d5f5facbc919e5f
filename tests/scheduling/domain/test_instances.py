"""Synthetic hospital instances (scheduling.domain.instances, issue 14 benchmark 2): determinism,
sizes, the pathways and their timing rules in steps (clinical-rules.md §1), rooms and people,
validity for the solver core, and the greedy baseline of bench/hospital.py on a small instance.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from scheduling.domain.instances import (
    PATHWAY_NAMES,
    Case,
    HospitalInstance,
    hospital_instance,
)
from scheduling.domain.solver import Lag, Task, _compile, check_solution, objective_value

ROOT = Path(__file__).resolve().parents[3]
HOUR, DAY, WEEK = 4, 96, 672
INTERVENTIONAL = {"angio", "hybrid", "ct", "or", "mri"}


@cache
def instance(
    weeks: int = 1, seed: int = 0, overloaded: bool = False, cases_per_week: int = 200
) -> HospitalInstance:
    return hospital_instance(weeks, cases_per_week=cases_per_week, seed=seed, overloaded=overloaded)


def bench_module() -> ModuleType:
    """bench/hospital.py (bench is not a package)."""
    name = "bench_hospital"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "hospital.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules[name]


def tasks_of(inst: HospitalInstance, case: Case) -> list[Task]:
    by_id = {t.id: t for t in inst.problem.tasks}
    return [by_id[tid] for tid in case.task_ids]


def cases_of(inst: HospitalInstance, pathway: str) -> Iterator[Case]:
    return (c for c in inst.cases if c.pathway == pathway)


def lag_between(inst: HospitalInstance, source: str, target: str) -> Lag:
    found = [g for g in inst.problem.lags if g.source == source and g.target == target]
    assert len(found) == 1, (source, target, found)
    return found[0]


def kind(task_id: str) -> str:
    return task_id.split("-", 1)[1]


# --- determinism and sizes ------------------------------------------------------------------------


def test_same_seed_same_problem_other_seed_differs() -> None:
    a = hospital_instance(1, seed=7)
    b = hospital_instance(1, seed=7)
    assert a.problem == b.problem
    assert a.cases == b.cases
    assert a.rooms == b.rooms
    assert a.operators == b.operators
    c = hospital_instance(1, seed=8)
    assert c.problem != a.problem
    assert [x.arrival for x in c.cases] != [x.arrival for x in a.cases]


def test_one_week_tier_sizes_and_arrivals() -> None:
    inst = instance()
    assert len(inst.cases) == 200
    assert inst.step_minutes == 15
    assert inst.problem.objective == "weighted_completion"
    assert inst.problem.horizon == (1 + 16) * WEEK
    assert len({c.id for c in inst.cases}) == 200
    assert [c.arrival for c in inst.cases] == sorted(c.arrival for c in inst.cases)
    for case in inst.cases:
        assert 0 <= case.arrival < WEEK
        if case.pathway != "mscc":  # weekdays, 08:00-18:00
            assert (case.arrival // DAY) % 7 < 5
            assert 8 * HOUR <= case.arrival % DAY < 18 * HOUR
        for task in tasks_of(inst, case):
            assert task.id.startswith(f"{case.id}/")
            assert task.demands == {f"patient:{case.id}": 1}
            assert task.weight == case.weight
    # Every task belongs to exactly one case, and every case's tasks are in lag order.
    listed = [tid for c in inst.cases for tid in c.task_ids]
    assert sorted(listed) == sorted(t.id for t in inst.problem.tasks)
    position = {tid: k for c in inst.cases for k, tid in enumerate(c.task_ids)}
    case_of = {tid: c.id for c in inst.cases for tid in c.task_ids}
    for lag in inst.problem.lags:
        assert case_of[lag.source] == case_of[lag.target]
        assert position[lag.source] < position[lag.target]


def test_every_pathway_present_over_a_few_seeds() -> None:
    seen = {c.pathway for seed in range(3) for c in instance(seed=seed).cases}
    assert seen == set(PATHWAY_NAMES)
    assert set(PATHWAY_NAMES) == {c.pathway for c in instance().cases}  # even in one week


def test_overloaded_has_thirty_percent_more_cases_on_the_same_resources() -> None:
    normal, over = instance(), instance(overloaded=True)
    assert len(over.cases) == 260
    assert instance(weeks=2, overloaded=True).cases[-1].id == "c519"
    shared = {r.id: r for r in normal.problem.resources if not r.id.startswith("patient:")}
    assert shared == {r.id: r for r in over.problem.resources if not r.id.startswith("patient:")}
    assert normal.rooms == over.rooms
    assert normal.operators == over.operators


def test_the_12_week_tier_has_its_cases_and_the_problems_compile() -> None:
    # Speed is bench/hospital.py's to print ("built in"), not a timed test: one such assertion
    # failed on a busy CI host.
    big = hospital_instance(12, seed=1)
    assert len(big.cases) == 12 * 200
    _compile(instance().problem)  # raises ValueError on anything ill-formed
    _compile(instance(overloaded=True, seed=2).problem)


def test_arrival_weight_sum() -> None:
    inst = instance()
    by_id = {t.id: t for t in inst.problem.tasks}
    expected = sum(by_id[tid].weight * c.arrival for c in inst.cases for tid in c.task_ids)
    assert inst.arrival_weight_sum == expected > 0


# --- rooms, people, weights -----------------------------------------------------------------------


def test_rooms_and_operators() -> None:
    sizes = set()
    for seed in range(12):
        inst = instance(seed=seed)
        kinds = list(inst.rooms.values())
        interventional = sum(k in INTERVENTIONAL for k in kinds)
        sizes.add(interventional)
        assert 6 <= interventional <= 8
        assert kinds.count("angio") == (3 if interventional == 8 else 2)
        assert kinds.count("hybrid") == kinds.count("or") == kinds.count("mri") == 1
        assert kinds.count("ct") == (1 if interventional == 6 else 2)
        assert kinds.count("ct_sim") == 1
        assert kinds.count("linac") == 2
        roles = list(inst.operators.values())
        assert 5 <= roles.count("ir") <= 6
        assert 2 <= roles.count("surgeon") <= 3
        resource_ids = {r.id for r in inst.problem.resources}
        assert set(inst.rooms) <= resource_ids
        assert set(inst.operators) <= resource_ids
        assert all(r.capacity == 1 for r in inst.problem.resources)
    assert len(sizes) > 1  # the seed does choose


def test_opening_hours() -> None:
    inst = instance()
    closed = {r.id: r.closed for r in inst.problem.resources}

    def is_open(rid: str, step: int) -> bool:
        return not any(a <= step < b for a, b in closed[rid])

    monday, saturday = 0, 5 * DAY
    assert is_open("ctsim1", monday + 8 * HOUR)
    assert not is_open("ctsim1", monday + 18 * HOUR)
    assert not is_open("ctsim1", saturday + 9 * HOUR)
    assert is_open("or1", monday + 19 * HOUR)
    assert not is_open("or1", saturday + 9 * HOUR)
    assert is_open("linac1", monday + 19 * HOUR)
    assert not is_open("linac1", saturday + 9 * HOUR)
    assert is_open("linac1:weekend", saturday + 9 * HOUR)
    assert not is_open("linac1:weekend", saturday + 11 * HOUR)
    assert not is_open("linac1:weekend", monday + 9 * HOUR)
    for day in range(7):  # MRI: 07:00-22:00 every day less 4 h
        hours = sum(is_open("mri1", day * DAY + s) for s in range(DAY)) / HOUR
        assert hours == 11
    for oid, role in inst.operators.items():  # each works 4 weekdays in a week without leave
        worked = {(s // DAY) for s in range(WEEK, 2 * WEEK) if is_open(oid, s)}
        assert worked <= set(range(7, 12))
        assert len(worked) in (0, 4)  # 0: the week of leave
        if worked:
            day = min(worked) * DAY
            assert is_open(oid, day + 8 * HOUR)
            assert not is_open(oid, day + 7 * HOUR)
            assert is_open(oid, day + 19 * HOUR) == (role == "surgeon")


def test_weights_and_releases() -> None:
    inst = instance(weeks=4)
    for case in inst.cases:
        if case.pathway == "mscc":
            assert case.weight == 8
        elif case.pathway == "preop_embolization":
            assert case.weight == 4
        else:
            assert case.weight in (1, 4)
        for task in tasks_of(inst, case):
            if case.pathway == "mscc":
                assert task.release == case.arrival
            else:  # one working day of work-up (Friday -> Monday)
                gap = 3 * DAY if (case.arrival // DAY) % 7 == 4 else DAY
                assert task.release == case.arrival + gap
    others = [c for c in inst.cases if c.pathway not in ("mscc", "preop_embolization")]
    urgent = sum(c.weight == 4 for c in others) / len(others)
    assert 0.06 < urgent < 0.14


# --- timing rules in steps ------------------------------------------------------------------------


def test_rt_courses() -> None:
    inst = instance()
    single = next(cases_of(inst, "rt_single"))
    assert [kind(t) for t in single.task_ids] == ["sim", "fraction"]
    lag = lag_between(inst, *single.task_ids)
    assert (lag.min, lag.max, lag.preferred, lag.penalty) == (96, 672, 192, 24)
    assert lag.source_anchor == "end"
    assert lag.target_anchor == "start"
    five = next(cases_of(inst, "rt_course"))
    assert [kind(t) for t in five.task_ids] == ["sim"] + ["fraction"] * 5
    # Consecutive working days at one time: a series over the weekdays (step 0 is a Monday).
    (course,) = [ser for ser in inst.problem.series if ser.tasks[0] == five.task_ids[1]]
    assert list(course.tasks) == list(five.task_ids[1:])
    assert (course.period, course.offset) == (96, 0)
    assert list(course.days[:7]) == [0, 1, 2, 3, 4, 7, 8]
    assert all(d % 7 < 5 for d in course.days)
    assert course.days[-1] >= inst.problem.horizon // 96 - 3
    for task in tasks_of(inst, five):
        assert task.duration == 1
        assert {r for alt in task.alternatives for r in alt} == (
            {"ctsim1"} if kind(task.id) == "sim" else {"linac1", "linac2"}
        )


def test_r1_r2_preoperative_embolization() -> None:
    inst = instance()
    case = next(cases_of(inst, "preop_embolization"))
    emb, surgery = tasks_of(inst, case)
    assert kind(emb.id) == "embolization"
    assert kind(surgery.id) == "surgery"
    assert 6 <= emb.duration <= 12
    assert 8 <= surgery.duration <= 16
    lag = lag_between(inst, emb.id, surgery.id)  # emb end -> surgery start: 0..72 h, 24 h pref
    assert (lag.min, lag.max, lag.preferred, lag.penalty) == (0, 288, 96, 24)
    assert lag.source_anchor == "end"
    rooms = {r for alt in emb.alternatives for r in alt if r in inst.rooms}
    assert {inst.rooms[r] for r in rooms} == {"angio", "hybrid"}
    assert all(len(alt) == 2 for alt in emb.alternatives)  # a room and an IR
    assert {p for alt in surgery.alternatives for p in alt if p in inst.operators} == {
        o for o, role in inst.operators.items() if role == "surgeon"
    }


def test_r3_embolization_then_ablation() -> None:
    inst = instance()
    case = next(cases_of(inst, "embolization_ablation"))
    emb, ablation = case.task_ids
    lag = lag_between(inst, emb, ablation)
    assert (lag.min, lag.max, lag.preferred, lag.penalty) == (0, 192, 96, 24)


def test_r4_rt_ends_before_embolization() -> None:
    inst = instance()
    case = next(cases_of(inst, "rt_then_embolization"))
    assert [kind(t) for t in case.task_ids] == ["sim"] + ["fraction"] * 5 + ["embolization"]
    lag = lag_between(inst, case.task_ids[-2], case.task_ids[-1])
    assert (lag.min, lag.max, lag.preferred, lag.penalty) == (0, None, 28 * DAY, 96)
    assert lag.source_anchor == "end"


def test_r5_ablation_and_cement_in_one_session() -> None:
    inst = instance()
    case = next(cases_of(inst, "ablation_cementoplasty"))
    (task,) = tasks_of(inst, case)
    assert 6 <= task.duration <= 10  # 60-120 min + 30 min
    assert {inst.rooms[r] for alt in task.alternatives for r in alt if r in inst.rooms} == {
        "ct",
        "hybrid",
    }


def test_r6_vertebroplasty_then_rt() -> None:
    inst = instance()
    case = next(cases_of(inst, "vp_then_rt"))
    vp, sim, first = case.task_ids[:3]
    assert (kind(vp), kind(sim), kind(first)) == ("vertebroplasty", "sim", "fraction")
    assert 3 <= tasks_of(inst, case)[0].duration <= 4
    lag = lag_between(inst, vp, first)
    assert (lag.min, lag.max, lag.preferred, lag.penalty) == (0, 28 * DAY, 14 * DAY, 24)
    assert lag_between(inst, vp, sim).min == 0


def test_r7_r8_palliative_embolization() -> None:
    inst = instance(weeks=2)
    cases = list(cases_of(inst, "palliative_embolization"))
    repeated = [c for c in cases if len(c.task_ids) == 3]
    assert repeated
    assert len(repeated) < len(cases)
    for case in cases:
        emb, *rest = case.task_ids
        ct = rest[-1]
        assert kind(ct) == "followup_ct"
        lag = lag_between(inst, emb, ct)  # CT at 12 weeks +- 2 after the embolization
        assert (lag.min, lag.max) == (10 * WEEK, 14 * WEEK)
        assert tasks_of(inst, case)[-1].duration == 2
        assert all(len(alt) == 1 for alt in tasks_of(inst, case)[-1].alternatives)
    emb, repeat, _ct = repeated[0].task_ids
    lag = lag_between(inst, emb, repeat)  # R7: >= 28 days, <= 56 preferred
    assert (lag.min, lag.max, lag.preferred, lag.penalty) == (28 * DAY, None, 56 * DAY, 24)


def test_r9_r10_mscc() -> None:
    inst = instance(weeks=2)
    cases = list(cases_of(inst, "mscc"))
    assert any((c.arrival // DAY) % 7 >= 5 for c in cases)  # any day
    for case in cases:
        mri, sim, fraction = tasks_of(inst, case)
        assert [kind(t.id) for t in (mri, sim, fraction)] == ["mri", "sim", "fraction"]
        assert mri.deadline == case.arrival + 24 * HOUR  # R9
        for task in (mri, sim, fraction):
            assert task.release == case.arrival
            assert task.deadline is None or task.deadline - case.arrival <= 24 * HOUR
        assert 2 <= mri.duration <= 3
        lag = lag_between(inst, mri.id, fraction.id)  # R10
        assert (lag.min, lag.max, lag.source_anchor) == (0, 24 * HOUR, "end")
        assert lag_between(inst, mri.id, sim.id).min == 0
        assert lag_between(inst, sim.id, fraction.id).min == 0
        linacs = {r for alt in fraction.alternatives for r in alt}
        assert linacs == {"linac1", "linac2", "linac1:weekend", "linac2:weekend"}
    # Only MSCC tasks may use the weekend emergency sessions.
    for task in inst.problem.tasks:
        if any(r.endswith(":weekend") for alt in task.alternatives for r in alt):
            assert task.id.split("/")[0] in {c.id for c in cases}


# --- the greedy baseline of bench/hospital.py -----------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_greedy_baseline_schedule_is_valid(seed: int) -> None:
    bench = bench_module()
    inst = instance(seed=seed, cases_per_week=40)
    assert len(inst.cases) == 40
    result = bench.greedy_schedule(inst.problem, inst.cases)
    assert result.unplaced == []
    assert check_solution(inst.problem, result.starts, result.choices) == []
    value = objective_value(inst.problem, result.starts)
    assert value > inst.arrival_weight_sum  # every task ends after its case arrives


def test_greedy_reports_unplaced_cases_and_their_schedule_stays_valid() -> None:
    bench = bench_module()
    inst = instance(weeks=4, overloaded=True)  # routine RT fills the linacs first
    result = bench.greedy_schedule(inst.problem, inst.cases)
    assert result.unplaced
    assert {c.pathway for c in inst.cases if c.id in result.unplaced} == {"mscc"}
    placed = {tid for c in inst.cases if c.id not in result.unplaced for tid in c.task_ids}
    assert set(result.starts) == placed


@pytest.mark.parametrize(("weeks", "check"), [(1, True), (4, False)])
def test_overloaded_instances_are_feasible(weeks: int, check: bool) -> None:
    """A witness: the same greedy, taking MSCC and palliative embolizations first, places every
    case (the arrival-order baseline leaves MSCC cases out when routine RT fills the linacs)."""
    bench = bench_module()
    inst = instance(weeks=weeks, overloaded=True)
    result = bench.greedy_schedule(inst.problem, inst.cases, bench.witness_order)
    assert result.unplaced == []
    assert len(result.starts) == len(inst.problem.tasks)
    if check:  # the full check is quadratic; 4 weeks would take several seconds
        assert check_solution(inst.problem, result.starts, result.choices) == []
