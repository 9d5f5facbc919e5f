"""The waiting list as one problem for the generic solver core (issue 14, "From plans to
problems and back"), and its solution as proposed bookings per plan.

Input: one ``PlanProblem`` per waiting plan (scheduling.selectors.plan_problem_build: the plan's
unbooked procedures, the rooms' and people's free time, the rules, the patient's bookings) with
the plan's weight (its urgency). Output: a ``Problem`` (solver.py's contract) in steps of
``step`` from ``origin``, and ``Waitlist.proposals(solution)``.

- **Rooms and people** are resources of capacity 1, closed outside their free time (opening
  hours, closures and every existing booking already taken out by the selector).
- **Each procedure** is a task using its patient (a resource of capacity 1: one place at a
  time, closed during the patient's existing bookings) and one alternative per (room, person of
  each kind it needs) it could take.
- **Timing rules** between two procedures of a plan are lags: a hard rule's min and max are hard;
  a soft rule's max and any preferred lag are penalised per step beyond them (a soft minimum is
  not modelled: the proposal's soft findings are evaluated afterwards, as for one plan). A rule
  that allows either order (R6) takes the plan's booking order. Against the patient's existing
  bookings a hard rule becomes the task's release or deadline.
- **Clocks** (``PlanProblem.deadlines``: R9-R11 and the pathway's CWT-31/62) measure the
  plan's first procedure of their types (in the plan's order); the clock's earliest time is its
  release. A hard clock (R9, R10 while they can be met) is that task's deadline when the plan
  alone could meet it (its rooms', people's and patient's free time); otherwise, and for every
  soft clock, each step past the due time is penalised from a fixed zero-length task at the
  origin (``W_HARD_CLOCK`` or ``W_SOFT`` a step). When the hard clocks cannot all be met
  together the list has no schedule; ``waitlist_problem(..., clock_limits=False)`` builds it
  again with every clock a penalty, so that those plans do not block the others. A schedule
  that still breaks a hard clock proposes nothing for that plan, which is left to its one-plan
  proposal with the reason (``proposals``: booking it would be refused).
- **Objective**: the weighted sum of completion times (urgent plans weigh more), plus the
  penalties.

- **A radiotherapy course** of n fractions (R17: consecutive working days) is n tasks, each
  exactly a whole number of days after the one before (the same time each day), the gaps those
  of consecutive weekdays from the course's first day. So that one set of gaps serves, the first
  fraction may only start on the weekdays that share the commonest gaps (courses of up to five
  fractions: any day that keeps the course within one week; longer: Mondays), through a
  resource of its own closed on every other day. The course's start is its first fraction, its
  end its last; rules and clocks are measured there.

Not modelled here, so such plans are left to the one-plan proposal (``skipped``, with the
reason): procedures planned for one session (same room, back to back).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from .plan_solver import PlanProblem, ProcedureToPlace, ProposedBooking, procedure_occurrence
from .rules import _is_from, _is_to, in_scope, occurrences_from_bookings
from .solver import Lag, Problem, Resource, Solution, Task
from .types import Anchor, Occurrence, RuleKind, Severity, TimingRuleSpec

# Penalty per step: a step of soft-rule slack costs as much as finishing a day later for a plan
# of weight 1 (96 steps of 15 min); a step past a preferred lag a quarter of that.
W_SOFT = 96
W_PREFERRED = 24
# A step past a hard clock (R9, R10) costs as much as a hundred days' delay of a plan of weight 1.
W_HARD_CLOCK = 100 * W_SOFT
MAX_ALTERNATIVES = 64  # rooms x people per procedure; beyond, the plan is left to itself


@dataclass(frozen=True)
class WaitingPlan:
    plan_id: str
    problem: PlanProblem
    weight: int = 1


@dataclass
class Waitlist:
    """The problem and what is needed to read its solution back."""

    problem: Problem
    origin: datetime
    step: timedelta
    # task id -> (plan id, procedure, its alternatives in order: (room, one person per kind))
    tasks: dict[str, tuple[str, ProcedureToPlace, list[tuple[str, tuple[str, ...]]]]] = field(
        default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # plan id -> why it is not here
    clock_limits: int = 0  # how many hard clocks are tasks' deadlines (0: none, or all costs)
    fraction_of: dict[str, int] = field(default_factory=dict)  # a course's task id -> 1..n
    # Hard clocks: (plan id, task id, anchor, latest step of that anchor, what it is)
    hard_clocks: list[tuple[str, str, Literal["start", "end"], int, str]] = field(
        default_factory=list)

    def proposals(self, solution: Solution) -> dict[str, list[ProposedBooking]]:
        """{plan id: its proposed bookings} from a schedule (empty without one). A plan whose
        schedule breaks a hard clock gets none: it goes to ``skipped`` with the reason."""
        out: dict[str, list[ProposedBooking]] = {}
        if solution.status not in ("optimal", "feasible"):
            return out
        durations = {t.id: t.duration for t in self.problem.tasks}
        late: set[str] = set()
        for plan_id, task_id, anchor, latest, label in self.hard_clocks:
            at = solution.starts[task_id] + (durations[task_id] if anchor == "end" else 0)
            if at > latest:
                late.add(plan_id)
                self.skipped[plan_id] = (f"{label}: the whole list leaves no time before it; "
                                         "proposed with its plan alone")
        for task_id, (plan_id, procedure, choices) in self.tasks.items():
            if plan_id in late:
                continue
            start = self.origin + solution.starts[task_id] * self.step
            room, people = choices[solution.choices.get(task_id, 0)]
            out.setdefault(plan_id, []).append(ProposedBooking(
                procedure_id=procedure.procedure_id, resource_id=room, start=start,
                end=start + procedure.duration, staff=people,
                fraction=self.fraction_of.get(task_id)))
        for bookings in out.values():
            bookings.sort(key=lambda b: b.start)
        return out


def _ceil(delta: timedelta, step: timedelta) -> int:
    return math.ceil(delta / step)


def _floor(delta: timedelta, step: timedelta) -> int:
    return math.floor(delta / step)


def closed_outside(free: Sequence[tuple[int, int]], horizon: int) -> list[tuple[int, int]]:
    """The complement of ``free`` (step intervals) within [0, horizon), sorted half-open
    intervals (a calendar's closed time from its open time; instances.py uses it too)."""
    out: list[tuple[int, int]] = []
    cursor = 0
    for lo, hi in sorted(free):
        lo, hi = max(lo, 0), min(hi, horizon)
        if lo > cursor:
            out.append((cursor, lo))
        cursor = max(cursor, hi)
    if cursor < horizon:
        out.append((cursor, horizon))
    return out


def _why_not(problem: PlanProblem) -> str:
    for p in problem.procedures:
        if p.same_session_with:
            return "procedures planned for one session: proposed with their plan alone"
    return ""


def waitlist_problem(plans: Sequence[WaitingPlan], *, now: datetime, horizon_end: datetime,
                     step: timedelta = timedelta(minutes=15),
                     clock_limits: bool = True) -> Waitlist:
    """The waiting list as one Problem (see the module docstring); ``clock_limits=False``
    makes every clock a penalty, none a deadline."""
    epoch = datetime(2000, 1, 1, tzinfo=now.tzinfo)
    origin = epoch + _ceil(now - epoch, step) * step
    horizon = max(0, _floor(horizon_end - origin, step))
    waitlist = Waitlist(problem=Problem(tasks=[], resources=[], lags=[], horizon=horizon,
                                        objective="weighted_completion"),
                        origin=origin, step=step)
    resources: dict[str, Resource] = {}
    tasks: list[Task] = []
    lags: list[Lag] = []

    def steps(t: datetime) -> int:
        return _floor(t - origin, step)

    for wp in plans:
        reason = _why_not(wp.problem)
        if reason:
            waitlist.skipped[wp.plan_id] = reason
            continue
        for free in wp.problem.resources:
            if free.resource_id not in resources:
                spans = [(max(0, _ceil(i.start - origin, step)), min(horizon, steps(i.end)))
                         for i in free.free]
                resources[free.resource_id] = Resource(
                    id=free.resource_id, capacity=1,
                    closed=closed_outside([s for s in spans if s[0] < s[1]], horizon))
        added = _add_plan(wp, waitlist, resources, tasks, lags, origin, horizon, step,
                          clock_limits)
        if added:
            waitlist.skipped[wp.plan_id] = added
    waitlist.problem = Problem(tasks=tasks, resources=list(resources.values()), lags=lags,
                               horizon=horizon, objective="weighted_completion")
    return waitlist


def _add_plan(wp: WaitingPlan, waitlist: Waitlist, resources: dict[str, Resource],
              tasks: list[Task], lags: list[Lag], origin: datetime, horizon: int,
              step: timedelta, clock_limits: bool = True) -> str:
    """Add one plan's tasks and lags; returns why it cannot be added ("" when it was, and
    nothing of the plan is added otherwise)."""
    problem = wp.problem
    patient = f"patient:{problem.procedures[0].patient_id}" if problem.procedures else ""
    mine: list[tuple[str, ProcedureToPlace]] = []  # (first task id, procedure)
    last: dict[str, str] = {}  # first task id -> last task id (a course's last fraction)
    new_tasks: list[Task] = []
    new_lags: list[Lag] = []
    new_resources: list[Resource] = []
    entries: dict[str, tuple[str, ProcedureToPlace, list[tuple[str, tuple[str, ...]]]]] = {}
    fractions: dict[str, int] = {}
    for p in problem.procedures:
        rooms = [r for r in p.resource_ids if r in resources]
        kinds = [[pid for pid in kind if pid in resources] for kind in p.staff]
        combos = list(itertools.product(*kinds)) if kinds else [()]
        if not rooms or not combos:
            return f"nothing can host {p.procedure_type}"
        choices = [(room, combo) for room in rooms for combo in combos]
        if len(choices) > MAX_ALTERNATIVES:
            return f"{p.procedure_type} has {len(choices)} room and staff choices"
        alternatives = [{room: 1, **dict.fromkeys(combo, 1)} for room, combo in choices]
        n = max(1, p.fractions)
        ids = ([f"{wp.plan_id}/{p.procedure_id}"] if n == 1 else
               [f"{wp.plan_id}/{p.procedure_id}#{k}" for k in range(1, n + 1)])
        demands = {patient: 1}
        gate = ""
        if n > 1:
            days, gaps = _course_days(n, origin, horizon, step, problem.tz)
            if not days:
                return f"no day in the horizon starts a {n}-fraction course"
            gate = f"{ids[0]}/first-day"
            new_resources.append(Resource(id=gate, capacity=1,
                                          closed=closed_outside(days, horizon)))
            per_day = round(timedelta(days=1) / step)
            for a, b, gap in zip(ids, ids[1:], gaps, strict=False):
                new_lags.append(Lag(source=a, target=b, min=gap * per_day, max=gap * per_day))
            for k, task_id in enumerate(ids, start=1):
                fractions[task_id] = k
        for k, task_id in enumerate(ids):
            new_tasks.append(Task(
                id=task_id, duration=max(1, _ceil(p.duration, step)),
                demands={**demands, gate: 1} if n > 1 and k == 0 else demands,
                weight=max(1, wp.weight), alternatives=alternatives))
            entries[task_id] = (wp.plan_id, p, [(room, tuple(combo)) for room, combo in choices])
        mine.append((ids[0], p))
        last[ids[0]] = ids[-1]
    releases: dict[str, int] = {}
    deadlines: dict[str, int] = {}
    fixed = occurrences_from_bookings(problem.fixed)
    placed = {p.procedure_id for _t, p in mine}
    fixed = [o for o in fixed if o.procedure_id not in placed]
    order = {p.procedure_id: k for k, p in enumerate(problem.procedures)}
    occ = {task_id: procedure_occurrence(p, origin) for task_id, p in mine}
    for rule in problem.rules:
        if not rule.active or rule.kind != RuleKind.LAG:
            continue
        for (ta, pa), (tb, pb) in itertools.combinations(mine, 2):
            first, second = ((ta, pa), (tb, pb)) if order[pa.procedure_id] <= order[
                pb.procedure_id] else ((tb, pb), (ta, pa))
            for (fs, fp), (ts, tp) in ((first, second), (second, first)):
                if (in_scope(rule, occ[fs], occ[ts]) and _is_from(rule, fp.procedure_type,
                                                                   fp.purpose)
                        and _is_to(rule, tp.procedure_type)):
                    new_lags.append(_lag(rule, last[fs] if rule.from_anchor == Anchor.END
                                         else fs, last[ts] if rule.to_anchor == Anchor.END
                                         else ts, step, horizon))
                    break  # one direction per pair: the plan's order (R6 either order)
        for task_id, p in mine:
            for other in fixed:
                _bound(rule, task_id, last[task_id], p, occ[task_id], other, origin, step,
                       releases, deadlines)
    # The patient is in one place at a time, never during their existing bookings.
    busy = sorted((max(0, _floor(b.start - origin, step)), min(horizon, _ceil(b.end - origin, step)))
                  for b in problem.fixed if b.active and b.end > origin)
    patient_closed = [(a, b) for a, b in busy if a < b]
    clock_task = f"{wp.plan_id}/clock"  # the origin, fixed, that clocks are measured from
    hard_clocks = []
    limits: dict[str, int] = {}
    by_id = {t.id: t for t in new_tasks}
    for clock in problem.deadlines:
        measured = next((t for t, p in mine if clock.measures(p.procedure_type)), None)
        if measured is None:
            continue
        if clock.earliest is not None:
            releases[measured] = max(releases.get(measured, 0),
                                     _ceil(clock.earliest - origin, step))
        anchor = _anchor(clock.anchor)
        due = _floor(clock.due - origin, step)
        task = by_id[measured]
        latest_end = due + (task.duration if anchor == "start" else 0)
        if clock.hard and clock_limits and _alone_meets(
                task, {**resources, **{r.id: r for r in new_resources}}, patient_closed,
                releases.get(measured, 0), min(latest_end, deadlines.get(measured, latest_end))):
            limits[measured] = min(limits.get(measured, latest_end), latest_end)
        else:
            new_lags.append(Lag(source=clock_task, target=measured, min=-horizon,
                                target_anchor=anchor, preferred=due,
                                penalty=W_HARD_CLOCK if clock.hard else W_SOFT))
        if clock.hard:
            hard_clocks.append((wp.plan_id, measured, anchor, due, clock.label or clock.code))
    placed_tasks = []
    for task in new_tasks:
        release = releases.get(task.id, 0)
        deadline = deadlines.get(task.id)
        if deadline is not None and deadline < release + task.duration:
            return "the patient's existing bookings leave no time the hard rules allow"
        if task.id in limits:
            deadline = limits[task.id] if deadline is None else min(deadline, limits[task.id])
        placed_tasks.append(Task(id=task.id, duration=task.duration, demands=task.demands,
                                 weight=task.weight, alternatives=task.alternatives,
                                 release=release, deadline=deadline))
    # The plan fits: add it.
    if patient and patient not in resources:
        resources[patient] = Resource(id=patient, capacity=1, closed=patient_closed)
    if hard_clocks or any(lag.source == clock_task for lag in new_lags):
        tasks.append(Task(id=clock_task, duration=0, fixed_start=0))
    for resource in new_resources:
        resources[resource.id] = resource
    tasks.extend(placed_tasks)
    lags.extend(new_lags)
    waitlist.tasks.update(entries)
    waitlist.fraction_of.update(fractions)
    waitlist.hard_clocks.extend(hard_clocks)
    waitlist.clock_limits += len(limits)
    return ""


def _course_days(n: int, origin: datetime, horizon: int, step: timedelta,
                 tz: str) -> tuple[list[tuple[int, int]], list[int]]:
    """The days a course of ``n`` fractions on consecutive weekdays may start on (step
    intervals, whole local days within the horizon) and the gaps in days between its fractions.
    Of the start weekdays, those sharing the commonest gaps are kept (the earliest weekday's
    gaps on a tie): up to five fractions, every weekday that keeps the course in one week."""
    by_gaps: dict[tuple[int, ...], list[int]] = {}
    for weekday in range(5):
        day, steps = weekday, []
        for _ in range(n - 1):
            nxt = day + 1
            while nxt % 7 >= 5:
                nxt += 1
            steps.append(nxt - day)
            day = nxt
        by_gaps.setdefault(tuple(steps), []).append(weekday)
    gaps, weekdays = max(by_gaps.items(), key=lambda kv: (len(kv[1]), -kv[1][0]))
    zone = ZoneInfo(tz)
    local = origin.astimezone(zone).date()
    out = []
    for offset in range((horizon * step) // timedelta(days=1) + 2):
        date = local + timedelta(days=offset)
        if date.weekday() not in weekdays:
            continue
        lo = _ceil(datetime.combine(date, time.min, tzinfo=zone) - origin, step)
        hi = _floor(datetime.combine(date + timedelta(days=1), time.min, tzinfo=zone) - origin,
                    step)
        lo, hi = max(0, lo), min(horizon, hi)
        if lo < hi:
            out.append((lo, hi))
    return out, list(gaps)


def _alone_meets(task: Task, resources: dict[str, Resource], patient_closed: list[tuple[int, int]],
                 release: int, latest_end: int) -> bool:
    """Whether ``task`` fits the free time of what it always uses (a course's first-day
    calendar), of one of its alternatives and of its patient between ``release`` and
    ``latest_end``, nobody else's tasks counted."""
    always = [span for rid in task.demands if rid in resources
              for span in resources[rid].closed]
    for alternative in task.alternatives or [{}]:
        closed = always + [span for rid in alternative for span in resources[rid].closed]
        start = release
        for a, b in sorted(closed + patient_closed):
            if b <= start:
                continue
            if a >= start + task.duration:
                break
            start = b
        if start + task.duration <= latest_end:
            return True
    return False


def _anchor(rule_anchor: Anchor) -> Literal["start", "end"]:
    return "end" if rule_anchor == Anchor.END else "start"


def _lag(rule: TimingRuleSpec, source: str, target: str, step: timedelta, horizon: int) -> Lag:
    hard = rule.severity == Severity.HARD
    lo = _ceil(rule.min_lag, step) if (hard and rule.min_lag is not None) else -horizon
    hi = _floor(rule.max_lag, step) if (hard and rule.max_lag is not None) else None
    preferred, penalty = None, 0
    if rule.preferred_lag is not None:
        preferred, penalty = _floor(rule.preferred_lag, step), W_PREFERRED
    if not hard and rule.max_lag is not None:
        soft_max = _floor(rule.max_lag, step)
        if preferred is None or soft_max < preferred:
            preferred, penalty = soft_max, W_SOFT
    return Lag(source=source, target=target, min=lo, max=hi,
               source_anchor=_anchor(rule.from_anchor), target_anchor=_anchor(rule.to_anchor),
               preferred=preferred, penalty=penalty)


def _bound(rule: TimingRuleSpec, first_id: str, last_id: str, p: ProcedureToPlace,
           mine: Occurrence, other: Occurrence, origin: datetime, step: timedelta,
           releases: dict[str, int], deadlines: dict[str, int]) -> None:
    """A hard rule between a procedure and an existing booking, as a release or deadline of
    the procedure's task that holds the rule's anchor (a course: its first fraction for the
    start, its last for the end)."""
    if rule.severity != Severity.HARD or not in_scope(rule, mine, other):
        return
    duration = _ceil(p.duration, step)
    if _is_from(rule, other.procedure_type, other.purpose) and _is_to(rule, p.procedure_type):
        task_id = last_id if rule.to_anchor == Anchor.END else first_id
        base = other.anchor(rule.from_anchor)
        shift = duration if rule.to_anchor == Anchor.END else 0  # task's start = anchor - shift
        if rule.min_lag is not None:
            releases[task_id] = max(releases.get(task_id, 0),
                                    _ceil(base + rule.min_lag - origin, step) - shift)
        if rule.max_lag is not None:
            latest_start = _floor(base + rule.max_lag - origin, step) - shift
            deadlines[task_id] = min(deadlines.get(task_id, latest_start + duration),
                                     latest_start + duration)
    elif _is_from(rule, p.procedure_type, p.purpose) and _is_to(rule, other.procedure_type):
        task_id = last_id if rule.from_anchor == Anchor.END else first_id
        base = other.anchor(rule.to_anchor)
        shift = duration if rule.from_anchor == Anchor.END else 0
        if rule.min_lag is not None:
            latest_start = _floor(base - rule.min_lag - origin, step) - shift
            deadlines[task_id] = min(deadlines.get(task_id, latest_start + duration),
                                     latest_start + duration)
        if rule.max_lag is not None:
            releases[task_id] = max(releases.get(task_id, 0),
                                    _ceil(base - rule.max_lag - origin, step) - shift)
