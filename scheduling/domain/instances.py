"""Seeded synthetic hospital instances for the generic scheduling core (issue 14, benchmark 2).

``hospital_instance(weeks, cases_per_week=200, seed=0, overloaded=False)`` builds one
``Problem`` (solver.py's contract, objective ``weighted_completion``) the way waitlist.py maps
waiting plans: 15-minute steps, rooms, operators and patients as capacity-1 resources closed
outside their time, one task per procedure using its patient and one alternative per (room,
operator) it may take, the timing rules (clinical-rules.md §1) as lags, hard limits as
``min``/``max`` and soft ones as ``preferred`` + ``penalty`` (W_SOFT / W_PREFERRED per step).
Pure Python + numpy; the same seed always gives the same instance.

- **Time**: step 0 is Monday 00:00 of week 1, 96 steps a day. Cases arrive over ``weeks``
  weeks, exactly ``cases_per_week`` a week (x1.3 when ``overloaded``), on weekdays 08:00-18:00
  (MSCC: any day and hour). Horizon: ``weeks + 16`` weeks, for follow-ups and queues.
- **Rooms**: 6-8 interventional rooms by the seed (angio suites 2, or 3 with 8 rooms; 1 hybrid
  CT-angio; CT rooms 2, only 1 with 6 rooms; 1 operating room 08:00-20:00; 1 MRI 07:00-22:00
  every day less a seeded 4 h block of other departments a day) and the radiotherapy department
  (1 CT simulator 08:00-18:00, 2 linacs 08:00-20:00 plus 09:00-11:00 on Saturday and Sunday for
  emergencies: those weekend sessions are resources of their own, ``linac<k>:weekend``, that
  only MSCC tasks may take). Rooms not named otherwise: weekdays 08:00-18:00.
- **Operators**: 5-6 interventional radiologists (IR) 08:00-18:00 and 2-3 spine surgeons
  08:00-20:00 on weekdays, each with a seeded weekday off every week and, for about half of
  them, a seeded week of leave (never two of one role in the same week). Simulations, fractions,
  MRI and follow-up CT need no named operator.
- **Pathways** (``PATHWAYS``, probabilities summing to 1; durations of §4 drawn per case):
  RT 8 Gy x1, RT 20 Gy/5, vertebroplasty then RT (R6), MSCC (R9/R10), pre-operative
  embolization then surgery (R1/R2), embolization then ablation (R3), ablation + cementoplasty
  in one session (R5), RT then embolization (R4), palliative embolization with CT follow-up and
  a repeat for a third of them (R7/R8), vertebroplasty alone.
- **Weights**: MSCC 8, pre-operative embolization 4, the rest 1 except a seeded 10% urgent (4).
  Every task of a case has its weight; its release is the arrival (MSCC) or the arrival plus
  one working day (work-up).

Modelling choices beyond the brief: an RT course's fractions may take either linac; the MSCC
simulation may be done on the CT simulator or on a linac (mark-up on the treatment couch),
since the CT simulator is closed at weekends and R10 leaves 24 h; within a case, tasks are
listed in lag order (every lag goes from an earlier task of the case to a later one).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .solver import Lag, Problem, Resource, Series, Task
from .waitlist import W_PREFERRED, W_SOFT, closed_outside

STEP_MINUTES = 15
HOUR = 60 // STEP_MINUTES  # steps
DAY = 24 * HOUR
WEEK = 7 * DAY
SLACK_WEEKS = 16
OVERLOAD = 1.3
URGENT_SHARE = 0.10

# (name, probability, fixed weight or None)
PATHWAYS: tuple[tuple[str, float, int | None], ...] = (
    ("rt_single", 0.30, None),  # 8 Gy x 1
    ("rt_course", 0.20, None),  # 20 Gy / 5
    ("vp_then_rt", 0.10, None),  # R6
    ("mscc", 0.05, 8),  # R9/R10
    ("preop_embolization", 0.07, 4),  # R1/R2
    ("embolization_ablation", 0.05, None),  # R3
    ("ablation_cementoplasty", 0.07, None),  # R5
    ("rt_then_embolization", 0.05, None),  # R4
    ("palliative_embolization", 0.06, None),  # R7/R8
    ("vertebroplasty", 0.05, None),
)
PATHWAY_NAMES = tuple(name for name, _p, _w in PATHWAYS)

# Lags in steps (clinical-rules.md §1; the brief's defaults).
SIM_TO_FRACTION = (1 * DAY, 7 * DAY, 2 * DAY)  # (hard min, hard max, preferred)
R6_VP_TO_RT = (28 * DAY, 14 * DAY)  # (hard max, preferred), VP end -> first fraction start
R9_MRI_DEADLINE = 24 * HOUR  # MRI end after arrival
R10_MRI_TO_RT = 24 * HOUR  # MRI end -> fraction start, hard max
R1_EMB_TO_SURGERY = (72 * HOUR, 24 * HOUR)  # (hard max, preferred)
R3_EMB_TO_ABLATION = (48 * HOUR, 24 * HOUR)  # (hard max, preferred)
R4_RT_TO_EMB = 28 * DAY  # soft max (W_SOFT per step beyond), hard min 0
R8_FOLLOW_UP = (10 * WEEK, 14 * WEEK)  # CT at 12 weeks +- 2 weeks after the embolization
R7_REPEAT = (28 * DAY, 56 * DAY)  # (hard min, preferred)
REPEAT_SHARE = 1 / 3


@dataclass(frozen=True)
class Case:
    """One patient's pathway: its tasks (in lag order) all weigh ``weight``."""

    id: str
    pathway: str
    arrival: int
    weight: int
    task_ids: tuple[str, ...]

    @property
    def patient(self) -> str:
        return f"patient:{self.id}"


@dataclass(frozen=True)
class HospitalInstance:
    """A generated instance: the ``problem`` and what a benchmark needs to read it."""

    problem: Problem
    cases: tuple[Case, ...]
    rooms: Mapping[str, str]  # id -> angio, hybrid, ct, or, mri, ct_sim, linac, linac_weekend
    operators: Mapping[str, str]  # operator id -> role (ir, surgeon)
    weeks: int
    seed: int
    overloaded: bool
    step_minutes: int = STEP_MINUTES

    @property
    def arrival_weight_sum(self) -> int:
        """Sum over tasks of task.weight * its case's arrival: ``objective - this`` is the
        weighted waiting (from arrival to each task's end) plus the lag penalties."""
        weights = {t.id: t.weight for t in self.problem.tasks}
        return sum(weights[tid] * case.arrival for case in self.cases for tid in case.task_ids)


# --- time helpers ---------------------------------------------------------------------------------


def _weekday(step: int) -> int:
    return (step // DAY) % 7  # 0 = Monday


def _next_working_day(step: int) -> int:
    """``step`` plus one working day, at the same time of day (Friday -> Monday)."""
    out = step + DAY
    while _weekday(out) >= 5:
        out += DAY
    return out


def _daily(days: int, hours: Mapping[int, tuple[int, int]]) -> list[tuple[int, int]]:
    """Open spans for each day whose weekday is in ``hours`` (weekday -> (from h, to h))."""
    spans = []
    for day in range(days):
        if (day % 7) in hours:
            a, b = hours[day % 7]
            spans.append((day * DAY + a * HOUR, day * DAY + b * HOUR))
    return spans


def _weekdays(a: int, b: int) -> dict[int, tuple[int, int]]:
    return dict.fromkeys(range(5), (a, b))


# --- the generator --------------------------------------------------------------------------------


def hospital_instance(
    weeks: int, *, cases_per_week: int = 200, seed: int = 0, overloaded: bool = False
) -> HospitalInstance:
    """A synthetic hospital instance (see the module docstring); deterministic in its arguments.
    ``overloaded`` brings 30% more cases a week to the same rooms and people (the resources are
    drawn first, so they are the same as without it)."""
    if weeks < 1:
        raise ValueError(f"weeks must be >= 1, got {weeks}")
    if cases_per_week < 0:
        raise ValueError(f"cases_per_week must be >= 0, got {cases_per_week}")
    rng = np.random.default_rng(seed)
    total_weeks = weeks + SLACK_WEEKS
    horizon = total_weeks * WEEK
    days = total_weeks * 7
    resources: list[Resource] = []
    rooms: dict[str, str] = {}

    def room(rid: str, kind: str, spans: list[tuple[int, int]]) -> None:
        rooms[rid] = kind
        resources.append(Resource(rid, 1, closed_outside(spans, horizon)))

    # Rooms: the interventional department, then radiotherapy.
    n_interventional = int(rng.integers(6, 9))
    n_angio = 3 if n_interventional == 8 else 2
    n_ct = 1 if n_interventional == 6 else 2
    office = _daily(days, _weekdays(8, 18))
    for k in range(n_angio):
        room(f"angio{k + 1}", "angio", office)
    room("hybrid1", "hybrid", office)
    for k in range(n_ct):
        room(f"ct{k + 1}", "ct", office)
    room("or1", "or", _daily(days, _weekdays(8, 20)))
    mri_open = []
    for day in range(days):  # 07:00-22:00 every day less a 4 h block of other departments
        block = int(rng.integers(7 * HOUR, 18 * HOUR + 1))
        mri_open += [
            (day * DAY + 7 * HOUR, day * DAY + block),
            (day * DAY + block + 4 * HOUR, day * DAY + 22 * HOUR),
        ]
    room("mri1", "mri", [(a, b) for a, b in mri_open if a < b])
    room("ctsim1", "ct_sim", office)
    # The linacs' weekend hours (09:00-11:00) are for emergencies: separate resources that only
    # MSCC tasks may take, never open when the linac's weekday resource is.
    for k in range(2):
        room(f"linac{k + 1}", "linac", _daily(days, _weekdays(8, 20)))
    for k in range(2):
        room(f"linac{k + 1}:weekend", "linac_weekend", _daily(days, {5: (9, 11), 6: (9, 11)}))

    # Operators: a weekday off every week, and for some a week of leave.
    operators: dict[str, str] = {}
    for role, prefix, count, until in (
        ("ir", "ir", int(rng.integers(5, 7)), 18),
        ("surgeon", "surgeon", int(rng.integers(2, 4)), 20),
    ):
        leave_weeks = rng.permutation(total_weeks)[:count]
        on_leave = rng.random(count) < 0.5
        for k in range(count):
            oid = f"{prefix}{k + 1}"
            operators[oid] = role
            off_days = {7 * w + int(rng.integers(0, 5)) for w in range(total_weeks)}
            spans = [
                (day * DAY + 8 * HOUR, day * DAY + until * HOUR)
                for day in range(days)
                if day % 7 < 5
                and day not in off_days
                and not (on_leave[k] and day // 7 == leave_weeks[k])
            ]
            resources.append(Resource(oid, 1, closed_outside(spans, horizon)))

    def of_kind(*kinds: str) -> list[str]:
        return [r for r, kind in rooms.items() if kind in kinds]

    irs = [o for o, role in operators.items() if role == "ir"]
    surgeons = [o for o, role in operators.items() if role == "surgeon"]

    def combos(room_ids: list[str], people: list[str] | None = None) -> list[dict[str, int]]:
        if not people:
            return [{r: 1} for r in room_ids]
        return [{r: 1, p: 1} for r, p in itertools.product(room_ids, people)]

    alternatives = {
        "sim": combos(of_kind("ct_sim")),
        "mscc_sim": combos(of_kind("ct_sim", "linac", "linac_weekend")),
        "fraction": combos(of_kind("linac")),
        "mscc_fraction": combos(of_kind("linac", "linac_weekend")),
        "mri": combos(of_kind("mri")),
        "vertebroplasty": combos(of_kind("ct", "angio"), irs),
        "embolization": combos(of_kind("angio", "hybrid"), irs),
        "ablation": combos(of_kind("ct", "hybrid"), irs),
        "ablation_cement": combos(of_kind("ct", "hybrid"), irs),
        "surgery": combos(of_kind("or"), surgeons),
        "followup_ct": combos(of_kind("ct")),
    }

    # Cases: arrivals first (sorted, so case numbers follow arrival), then each pathway.
    per_week = round(cases_per_week * OVERLOAD) if overloaded else cases_per_week
    probs = np.array([p for _n, p, _w in PATHWAYS])
    drawn: list[tuple[int, int]] = []  # (arrival, pathway index)
    for week in range(weeks):
        kinds = rng.choice(len(PATHWAYS), size=per_week, p=probs / probs.sum())
        weekday = rng.integers(0, 5, size=per_week)
        in_day = rng.integers(8 * HOUR, 18 * HOUR, size=per_week)
        anytime = rng.integers(0, WEEK, size=per_week)
        for k in range(per_week):
            name = PATHWAYS[int(kinds[k])][0]
            offset = int(anytime[k]) if name == "mscc" else int(weekday[k]) * DAY + int(in_day[k])
            drawn.append((week * WEEK + offset, int(kinds[k])))
    drawn.sort()

    tasks: list[Task] = []
    lags: list[Lag] = []
    series: list[Series] = []
    workdays = [d for d in range(horizon // DAY + 1) if d % 7 < 5]  # step 0 is a Monday
    cases: list[Case] = []
    for number, (arrival, kind) in enumerate(drawn):
        name, _p, fixed_weight = PATHWAYS[kind]
        urgent = rng.random() < URGENT_SHARE
        weight = fixed_weight if fixed_weight is not None else (4 if urgent else 1)
        case = _CaseBuilder(
            f"c{number}",
            weight,
            arrival if name == "mscc" else _next_working_day(arrival),
            rng,
            alternatives,
            tasks,
            lags,
            series,
            workdays,
        )
        resources.append(Resource(case.patient, 1))
        _PATHWAY_BUILDERS[name](case, arrival)
        cases.append(Case(case.id, name, arrival, weight, tuple(case.ids)))

    problem = Problem(
        tasks=tasks,
        resources=resources,
        lags=lags,
        horizon=horizon,
        objective="weighted_completion",
        series=series,
    )
    return HospitalInstance(
        problem=problem,
        cases=tuple(cases),
        rooms=rooms,
        operators=operators,
        weeks=weeks,
        seed=seed,
        overloaded=overloaded,
    )


class _CaseBuilder:
    """Adds one case's tasks (in lag order) and lags to the problem being built."""

    def __init__(
        self,
        case_id: str,
        weight: int,
        release: int,
        rng: np.random.Generator,
        alternatives: Mapping[str, list[dict[str, int]]],
        tasks: list[Task],
        lags: list[Lag],
        series: list[Series],
        workdays: list[int],
    ) -> None:
        self.id = case_id
        self.patient = f"patient:{case_id}"
        self.weight = weight
        self.release = release
        self.rng = rng
        self.alternatives = alternatives
        self.tasks = tasks
        self.lags = lags
        self.series = series
        self.workdays = workdays
        self.ids: list[str] = []

    def task(
        self, kind: str, duration: int, alternatives: str | None = None, deadline: int | None = None
    ) -> str:
        tid = f"{self.id}/{len(self.ids)}-{kind}"
        self.tasks.append(
            Task(
                tid,
                duration,
                demands={self.patient: 1},
                release=self.release,
                deadline=deadline,
                weight=self.weight,
                alternatives=list(self.alternatives[alternatives or kind]),
            )
        )
        self.ids.append(tid)
        return tid

    def lag(
        self,
        source: str,
        target: str,
        lo: int,
        hi: int | None = None,
        *,
        source_anchor: Literal["start", "end"] = "end",
        preferred: int | None = None,
        penalty: int = 0,
    ) -> None:
        """``lo <= start(target) - (end or start of source) <= hi``."""
        self.lags.append(
            Lag(
                source,
                target,
                lo,
                hi,
                source_anchor=source_anchor,
                target_anchor="start",
                preferred=preferred,
                penalty=penalty,
            )
        )

    def steps(self, lo_minutes: int, hi_minutes: int) -> int:
        """A duration drawn uniformly in [lo, hi] minutes, in steps."""
        return int(self.rng.integers(lo_minutes // STEP_MINUTES, hi_minutes // STEP_MINUTES + 1))

    def rt_course(self, fractions: int, after: str | None = None) -> tuple[str, str]:
        """CT simulation then ``fractions`` fractions on consecutive working days, the same time
        each day (a ``Series`` over the weekdays); returns (first fraction, last fraction)."""
        sim = self.task("sim", 1)
        if after is not None:
            self.lag(after, sim, 0)
        lo, hi, preferred = SIM_TO_FRACTION
        course = [self.task("fraction", 1) for _ in range(fractions)]
        self.lag(sim, course[0], lo, hi, preferred=preferred, penalty=W_PREFERRED)
        if fractions > 1:
            self.series.append(Series(course, DAY, self.workdays))
        return course[0], course[-1]

    def embolization(self) -> str:
        return self.task("embolization", self.steps(90, 180))


def _rt_single(case: _CaseBuilder, arrival: int) -> None:
    case.rt_course(1)


def _rt_five(case: _CaseBuilder, arrival: int) -> None:
    case.rt_course(5)


def _vp_then_rt(case: _CaseBuilder, arrival: int) -> None:
    """R6: vertebroplasty first, RT starting within 28 days (14 preferred)."""
    vp = case.task("vertebroplasty", case.steps(45, 60))
    first, _last = case.rt_course(5, after=vp)
    case.lag(vp, first, 0, R6_VP_TO_RT[0], preferred=R6_VP_TO_RT[1], penalty=W_PREFERRED)


def _mscc(case: _CaseBuilder, arrival: int) -> None:
    """R9: whole-spine MRI within 24 h of arrival; R10: RT (8 Gy x 1) within 24 h of the MRI,
    simulation possibly the same day."""
    mri = case.task("mri", case.steps(30, 45), deadline=arrival + R9_MRI_DEADLINE)
    sim = case.task("sim", 1, "mscc_sim")
    fraction = case.task("fraction", 1, "mscc_fraction")
    case.lag(mri, sim, 0)
    case.lag(sim, fraction, 0)
    case.lag(mri, fraction, 0, R10_MRI_TO_RT)


def _preop_embolization(case: _CaseBuilder, arrival: int) -> None:
    """R1/R2: embolization, then surgery within 72 h (24 h preferred)."""
    emb = case.embolization()
    surgery = case.task("surgery", case.steps(120, 240))
    case.lag(
        emb, surgery, 0, R1_EMB_TO_SURGERY[0], preferred=R1_EMB_TO_SURGERY[1], penalty=W_PREFERRED
    )


def _embolization_ablation(case: _CaseBuilder, arrival: int) -> None:
    """R3: embolization, then ablation within 48 h (24 h preferred)."""
    emb = case.embolization()
    ablation = case.task("ablation", case.steps(60, 120))
    case.lag(
        emb,
        ablation,
        0,
        R3_EMB_TO_ABLATION[0],
        preferred=R3_EMB_TO_ABLATION[1],
        penalty=W_PREFERRED,
    )


def _ablation_cementoplasty(case: _CaseBuilder, arrival: int) -> None:
    """R5: one session, the ablation plus 30 min of cement."""
    case.task("ablation_cement", case.steps(60, 120) + 30 // STEP_MINUTES)


def _rt_then_embolization(case: _CaseBuilder, arrival: int) -> None:
    """R4: the RT course ends before the embolization (hard); soft max 28 days (W_SOFT)."""
    _first, last = case.rt_course(5)
    emb = case.embolization()
    case.lag(last, emb, 0, preferred=R4_RT_TO_EMB, penalty=W_SOFT)


def _palliative_embolization(case: _CaseBuilder, arrival: int) -> None:
    """R8: CT at 12 weeks +- 2 after the embolization (hard window); R7: for a third, a repeat
    embolization at least 28 days after it (56 preferred)."""
    emb = case.embolization()
    if case.rng.random() < REPEAT_SHARE:
        repeat = case.embolization()
        case.lag(emb, repeat, R7_REPEAT[0], preferred=R7_REPEAT[1], penalty=W_PREFERRED)
    ct = case.task("followup_ct", 2)
    case.lag(emb, ct, *R8_FOLLOW_UP)


def _vertebroplasty(case: _CaseBuilder, arrival: int) -> None:
    case.task("vertebroplasty", case.steps(45, 60))


_PATHWAY_BUILDERS: dict[str, Callable[[_CaseBuilder, int], None]] = {
    "rt_single": _rt_single,
    "rt_course": _rt_five,
    "vp_then_rt": _vp_then_rt,
    "mscc": _mscc,
    "preop_embolization": _preop_embolization,
    "embolization_ablation": _embolization_ablation,
    "ablation_cementoplasty": _ablation_cementoplasty,
    "rt_then_embolization": _rt_then_embolization,
    "palliative_embolization": _palliative_embolization,
    "vertebroplasty": _vertebroplasty,
}
assert set(_PATHWAY_BUILDERS) == set(PATHWAY_NAMES)


__all__: Sequence[str] = ("PATHWAYS", "Case", "HospitalInstance", "hospital_instance")
