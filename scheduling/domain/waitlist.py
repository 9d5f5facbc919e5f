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
  a soft rule's max and any preferred lag are penalised per step beyond them, its min per step
  short of it (a lag the other way with a preferred bound). A rule that allows either order
  (R6) takes the plan's booking order. Against the patient's existing bookings a hard rule
  becomes the task's release or deadline, and a soft one the same bounds as costs: penalised
  lags from the plan's fixed zero-length origin task, as the soft clocks are. Whatever soft
  rule a proposal still breaks is listed with it (plan_solver.proposal_warnings).
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
- **A plan is added whole or not at all**, and only if it alone has room under its hard rules
  (``_alone_fits``: every task's window from its release, deadline and the plan's lags is not
  empty, and each task, or each course as one rigid chain, fits its calendars inside it), so
  that no single plan can make the whole list infeasible; otherwise it is left out with the
  reason. The same check decides whether a hard clock can be a deadline.
- **Objective**: the weighted sum of completion times (urgent plans weigh more), plus the
  penalties.

- **A radiotherapy course** of n fractions (R17: consecutive working days) is n tasks tied by a
  ``Series`` (solver.py): each fraction on the next working day after the one before, at the
  same time of day. Working days are Monday to Friday less the course's ``closed_days`` (the
  dates none of its linacs opens: holidays, closures), counted as 24-hour days from the origin's
  local midnight; so that a clock change cannot move a fraction to another day, the first
  fraction starts between 01:00 and 23:00 local time (a resource of its own, closed at other
  times). The course's start is its first fraction, its end its last; rules and clocks are
  measured there. Its fractions take one linac wherever the schedule allows (the solver's
  last pass, series_choices.py).

- **Procedures planned for one session** (``same_session_with``) are one task: back to back
  in the plan's order, in a room that hosts each of them, each kind of person they need booked
  for the whole session (the same interventional radiologist throughout, the anaesthesia team
  for the session). A rule between two of them is a fixed distance: one it breaks leaves the
  plan out with the reason.

Left to the one-plan proposal (``skipped``, with the reason): a procedure whose session partner
is already booked, and a course planned in one session.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .courses import is_working_day
from .plan_solver import PlanProblem, ProcedureToPlace, ProposedBooking, procedure_occurrence
from .rules import _is_from, _is_to, in_scope, occurrences_from_bookings
from .series import SeriesSpec
from .series import place as series_place
from .solver import Lag, Problem, Resource, Series, Solution, Task
from .types import Anchor, BookingView, Occurrence, RuleKind, Severity, TimingRuleSpec

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


@dataclass(frozen=True)
class Part:
    """One booking a task stands for: ``procedure`` from ``offset`` steps after the task's
    start (a session's second procedure starts when the first ends), its fraction number (a
    course), and which of the task's people it takes (indexes into the chosen combination, one
    per kind the procedure needs)."""

    procedure: ProcedureToPlace
    offset: int = 0
    fraction: int | None = None
    people: tuple[int, ...] = ()
    # When it starts after the task's start, exactly (a session's second procedure right when
    # the first ends, whatever the step; ``offset`` is that rounded up, for the rules).
    delay: timedelta = timedelta(0)


@dataclass(frozen=True)
class Entry:
    """What one task of the problem means: its plan, the bookings it stands for, and its
    alternatives in order (room, one person per kind of the task)."""

    plan_id: str
    parts: tuple[Part, ...]
    choices: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass
class Waitlist:
    """The problem and what is needed to read its solution back."""

    problem: Problem
    origin: datetime
    step: timedelta
    tasks: dict[str, Entry] = field(default_factory=dict)  # task id -> what it stands for
    skipped: dict[str, str] = field(default_factory=dict)  # plan id -> why it is not here
    clock_limits: int = 0  # how many hard clocks are tasks' deadlines (0: none, or all costs)
    # Hard clocks: (plan id, task id, offset of the measured moment from the task's start,
    # latest step of that moment, why the plan is left out when it is late)
    hard_clocks: list[tuple[str, str, int, int, str]] = field(default_factory=list)

    def proposals(self, solution: Solution) -> dict[str, list[ProposedBooking]]:
        """{plan id: its proposed bookings} from a schedule (empty without one). A plan whose
        schedule breaks a hard clock gets none: it goes to ``skipped`` with the reason."""
        out: dict[str, list[ProposedBooking]] = {}
        if solution.status not in ("optimal", "feasible"):
            return out
        late: set[str] = set()
        for plan_id, task_id, offset, latest, why in self.hard_clocks:
            if solution.starts[task_id] + offset > latest:
                late.add(plan_id)
                self.skipped[plan_id] = why
        for task_id, entry in self.tasks.items():
            if entry.plan_id in late:
                continue
            room, people = entry.choices[solution.choices.get(task_id, 0)]
            for part in entry.parts:
                start = self.origin + solution.starts[task_id] * self.step + part.delay
                out.setdefault(entry.plan_id, []).append(ProposedBooking(
                    procedure_id=part.procedure.procedure_id, resource_id=room, start=start,
                    end=start + part.procedure.duration,
                    staff=tuple(people[i] for i in part.people), fraction=part.fraction))
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
    series: list[Series] = []

    def steps(t: datetime) -> int:
        return _floor(t - origin, step)

    for wp in plans:
        for free in wp.problem.resources:
            if free.resource_id not in resources:
                spans = [(max(0, _ceil(i.start - origin, step)), min(horizon, steps(i.end)))
                         for i in free.free]
                resources[free.resource_id] = Resource(
                    id=free.resource_id, capacity=1,
                    closed=closed_outside([s for s in spans if s[0] < s[1]], horizon))
        added = _add_plan(wp, waitlist, resources, tasks, lags, series, origin, horizon, step,
                          clock_limits)
        if added:
            waitlist.skipped[wp.plan_id] = added
    waitlist.problem = Problem(tasks=tasks, resources=list(resources.values()), lags=lags,
                               horizon=horizon, objective="weighted_completion", series=series)
    return waitlist


def _units(procedures: Sequence[ProcedureToPlace], fixed: Sequence[BookingView] = (),
           ) -> list[list[ProcedureToPlace]] | str:
    """The plan's procedures grouped by session (linked by ``same_session_with``, in the
    plan's order), or why they cannot be (a partner already booked, linked from either side)."""
    ids = {p.procedure_id for p in procedures}
    group = {p.procedure_id: p.procedure_id for p in procedures}
    for booked in fixed:
        if booked.active and booked.same_session_with in ids:
            return (f"{booked.procedure_type} is booked for one session with a procedure still "
                    "to place: proposed with its plan alone")

    def root(pid: str) -> str:
        while group[pid] != pid:
            pid = group[pid]
        return pid

    for p in procedures:
        if p.same_session_with is None:
            continue
        if p.same_session_with not in ids:
            return (f"{p.procedure_type} is planned in one session with a booked procedure: "
                    "proposed with its plan alone")
        group[root(p.procedure_id)] = root(p.same_session_with)
    units: dict[str, list[ProcedureToPlace]] = {}
    for p in procedures:
        units.setdefault(root(p.procedure_id), []).append(p)
    return list(units.values())


def _add_plan(wp: WaitingPlan, waitlist: Waitlist, resources: dict[str, Resource],
              tasks: list[Task], lags: list[Lag], series: list[Series], origin: datetime,
              horizon: int, step: timedelta, clock_limits: bool = True) -> str:
    """Add one plan's tasks and lags; returns why it cannot be added ("" when it was, and
    nothing of the plan is added otherwise)."""
    problem = wp.problem
    patient = f"patient:{problem.procedures[0].patient_id}" if problem.procedures else ""
    units = _units(problem.procedures, problem.fixed)
    if isinstance(units, str):
        return units
    # Where each procedure's start and end are: (task id, steps after that task's start).
    at: dict[str, dict[Anchor, tuple[str, int]]] = {}
    new_tasks: list[Task] = []
    new_lags: list[Lag] = []
    new_resources: list[Resource] = []
    new_series: list[Series] = []
    entries: dict[str, Entry] = {}
    for unit in units:
        reason = _add_unit(wp, unit, patient, resources, origin, horizon, step, problem.tz, at,
                           new_tasks, new_lags, new_resources, new_series, entries)
        if reason:
            return reason
    durations = {t.id: t.duration for t in new_tasks}
    releases: dict[str, int] = {}
    deadlines: dict[str, int] = {}
    fixed = occurrences_from_bookings(problem.fixed)
    fixed = [o for o in fixed if o.procedure_id not in at]
    order = {p.procedure_id: k for k, p in enumerate(problem.procedures)}
    occ = {p.procedure_id: procedure_occurrence(p, origin) for p in problem.procedures}
    # The origin, fixed at 0, that clocks and soft rules against bookings are measured from.
    clock_task = f"{wp.plan_id}/clock"
    for rule in problem.rules:
        if not rule.active or rule.kind != RuleKind.LAG:
            continue
        for pa, pb in itertools.combinations(problem.procedures, 2):
            first, second = (pa, pb) if order[pa.procedure_id] <= order[pb.procedure_id] \
                else (pb, pa)
            for fp, tp in ((first, second), (second, first)):
                if (in_scope(rule, occ[fp.procedure_id], occ[tp.procedure_id])
                        and _is_from(rule, fp.procedure_type, fp.purpose)
                        and _is_to(rule, tp.procedure_type)):
                    source = at[fp.procedure_id][rule.from_anchor]
                    target = at[tp.procedure_id][rule.to_anchor]
                    found = _lag(rule, source, target, step, horizon)
                    if found is None:
                        return (f"the session of {fp.procedure_type} and {tp.procedure_type} "
                                f"breaks {rule.rule_id}")
                    new_lags.extend(found)
                    break  # one direction per pair: the plan's order (R6 either order)
        for p in problem.procedures:
            for other in fixed:
                _bound(rule, at[p.procedure_id], durations, p, occ[p.procedure_id], other,
                       origin, step, releases, deadlines, (clock_task, horizon, new_lags))
    # The patient is in one place at a time, never during their existing bookings.
    busy = sorted((max(0, _floor(b.start - origin, step)), min(horizon, _ceil(b.end - origin, step)))
                  for b in problem.fixed if b.active and b.end > origin)
    patient_closed = [(a, b) for a, b in busy if a < b]
    known = {**resources, **{r.id: r for r in new_resources}}
    # Clocks' earliest times first: they are releases like any other.
    # Each clock with the procedure it measures: the plan's first of its types.
    measured_by = [(clock, measured) for clock in problem.deadlines
                   for measured in [next((p for p in problem.procedures
                                          if clock.measures(p.procedure_type)), None)]
                   if measured is not None]
    # The site's notice for the plan's urgency: no new booking before it (a release).
    notice = (max(0, _ceil(problem.not_before - origin, step))
              if problem.not_before is not None else None)
    if notice is not None:
        if any(notice + task.duration > horizon for task in new_tasks):
            return ("the site's notice before a first booking (SCH-NOTICE) leaves no time "
                    "within the horizon: proposed with its plan alone")
        for task in new_tasks:
            releases[task.id] = max(releases.get(task.id, 0), notice)
    for clock, measured in measured_by:
        if clock.earliest is not None:
            task_id, start_offset = at[measured.procedure_id][Anchor.START]
            releases[task_id] = max(releases.get(task_id, 0),
                                    _ceil(clock.earliest - origin, step) - start_offset)
    for task in new_tasks:
        deadline = deadlines.get(task.id)
        if deadline is not None and deadline < releases.get(task.id, 0) + task.duration:
            if releases.get(task.id, 0) == notice:
                return ("the site's notice before a first booking (SCH-NOTICE) leaves no time "
                        "the hard rules allow next to the patient's existing bookings")
            return "the patient's existing bookings leave no time the hard rules allow"
    # The plan alone must have room under its hard rules (every task in its time window and
    # its calendars): a plan that has none would make the whole list infeasible.
    if not _alone_fits(new_tasks, new_lags, new_series, releases, deadlines, horizon, known,
                       patient_closed):
        return ("no time within the horizon keeps its hard rules, even for this plan alone: "
                "proposed with its plan alone")
    hard_clocks = []
    limits: dict[str, int] = {}
    by_id = {t.id: t for t in new_tasks}
    for clock, measured in measured_by:
        task_id, offset = at[measured.procedure_id][clock.anchor]
        due = _floor(clock.due - origin, step)
        latest_end = due - offset + by_id[task_id].duration
        alone = False
        if clock.hard:  # would the plan alone still have room with it as a deadline?
            trial = dict(deadlines)
            for t, v in [*limits.items(), (task_id, latest_end)]:
                trial[t] = min(v, trial.get(t, v))
            alone = _alone_fits(new_tasks, new_lags, new_series, releases, trial, horizon,
                                known, patient_closed)
        if alone and clock_limits:
            limits[task_id] = min(limits.get(task_id, latest_end), latest_end)
        else:
            new_lags.append(Lag(source=clock_task, target=task_id, min=-horizon,
                                preferred=due - offset,
                                penalty=W_HARD_CLOCK if clock.hard else W_SOFT))
        if clock.hard:
            label = clock.label or clock.code
            why = (f"{label}: the whole list leaves no time before it" if alone else
                   f"{label}: no time before it, even for this plan alone")
            hard_clocks.append((wp.plan_id, task_id, offset, due,
                                f"{why}; proposed with its plan alone"))
    placed_tasks = []
    for task in new_tasks:
        release = releases.get(task.id, 0)
        deadline = deadlines.get(task.id)
        if task.id in limits:
            deadline = limits[task.id] if deadline is None else min(deadline, limits[task.id])
        placed_tasks.append(Task(id=task.id, duration=task.duration, demands=task.demands,
                                 weight=task.weight, alternatives=task.alternatives,
                                 release=release, deadline=deadline))
    # The plan fits: add it.
    if patient and patient not in resources:
        resources[patient] = Resource(id=patient, capacity=1, closed=patient_closed)
    if hard_clocks or any(clock_task in (lag.source, lag.target) for lag in new_lags):
        tasks.append(Task(id=clock_task, duration=0, fixed_start=0))
    for resource in new_resources:
        resources[resource.id] = resource
    tasks.extend(placed_tasks)
    lags.extend(new_lags)
    series.extend(new_series)
    waitlist.tasks.update(entries)
    waitlist.hard_clocks.extend(hard_clocks)
    waitlist.clock_limits += len(limits)
    return ""


def _add_unit(wp: WaitingPlan, unit: Sequence[ProcedureToPlace], patient: str,
              resources: dict[str, Resource], origin: datetime, horizon: int, step: timedelta,
              tz: str, at: dict[str, dict[Anchor, tuple[str, int]]], new_tasks: list[Task],
              new_lags: list[Lag], new_resources: list[Resource], new_series: list[Series],
              entries: dict[str, Entry]) -> str:
    """The task(s) of one procedure, one course (a task per fraction) or one session (a task
    for the procedures back to back in one room, each kind of person booked for the whole
    session); returns why it cannot be placed ("" when it can)."""
    label = " and ".join(p.procedure_type for p in unit)
    rooms = [r for r in unit[0].resource_ids if r in resources
             and all(r in p.resource_ids for p in unit[1:])]
    kinds: list[tuple[str, ...]] = []  # the session's kinds of people (candidates of each)
    for p in unit:
        for kind in p.staff:
            present = tuple(pid for pid in kind if pid in resources)
            if present not in kinds:
                kinds.append(present)
    combos = list(itertools.product(*kinds)) if kinds else [()]
    if not rooms or not combos:
        return f"nothing can host {label}" + (" in one room" if len(unit) > 1 else "")
    choices = tuple((room, tuple(combo)) for room in rooms for combo in combos)
    if len(choices) > MAX_ALTERNATIVES:
        return f"{label} has {len(choices)} room and staff choices"
    alternatives = [{room: 1, **dict.fromkeys(combo, 1)} for room, combo in choices]

    def people(p: ProcedureToPlace) -> tuple[int, ...]:
        return tuple(kinds.index(tuple(pid for pid in kind if pid in resources))
                     for kind in p.staff)

    demands = {patient: 1}
    weight = max(1, wp.weight)
    first = unit[0]
    n = max(1, first.fractions)
    if len(unit) > 1 and any(p.fractions > 1 for p in unit):
        return "a radiotherapy course planned in one session: proposed with its plan alone"
    if n == 1:  # one procedure, or a session
        task_id = f"{wp.plan_id}/{first.procedure_id}"
        parts, delay = [], timedelta(0)
        for p in unit:
            at[p.procedure_id] = {Anchor.START: (task_id, _ceil(delay, step)),
                                  Anchor.END: (task_id, max(1, _ceil(delay + p.duration, step)))}
            parts.append(Part(p, _ceil(delay, step), None, people(p), delay))
            delay += p.duration
        new_tasks.append(Task(id=task_id, duration=max(1, _ceil(delay, step)), demands=demands,
                              weight=weight, alternatives=alternatives))
        entries[task_id] = Entry(wp.plan_id, tuple(parts), choices)
        return ""
    # Too few working days in the horizon leave the plan out (_alone_fits), with the others.
    days, hours, offset = _working_days(origin, horizon, step, tz, first.closed_days)
    ids = [f"{wp.plan_id}/{first.procedure_id}#{k}" for k in range(1, n + 1)]
    gate = f"{ids[0]}/first-day"
    new_resources.append(Resource(id=gate, capacity=1, closed=closed_outside(hours, horizon)))
    new_series.append(Series(tasks=ids, period=round(timedelta(days=1) / step), days=days,
                             offset=offset))
    duration = max(1, _ceil(first.duration, step))
    for k, task_id in enumerate(ids, start=1):
        new_tasks.append(Task(id=task_id, duration=duration,
                              demands={**demands, gate: 1} if k == 1 else demands,
                              weight=weight, alternatives=alternatives))
        entries[task_id] = Entry(wp.plan_id, (Part(first, 0, k, people(first)),), choices)
    at[first.procedure_id] = {Anchor.START: (ids[0], 0), Anchor.END: (ids[-1], duration)}
    return ""


def _working_days(origin: datetime, horizon: int, step: timedelta, tz: str,
                  closed: Collection[date]) -> tuple[list[int], list[tuple[int, int]], int]:
    """The working days of the horizon for a course (Monday to Friday, the ``closed`` local
    dates left out: holidays, days none of its linacs opens), as day numbers from the origin's
    local date; the step intervals a course may start in (01:00 to 23:00 local time on those
    days); and the step at which day 0 begins (the origin's local midnight).

    Fractions are whole days of 24 hours apart (solver.Series): across a clock change the local
    time moves by an hour, so a course never starts within an hour of midnight (it would change
    day)."""
    zone = ZoneInfo(tz)
    local = origin.astimezone(zone).date()
    offset = _floor(datetime.combine(local, time(0), tzinfo=zone) - origin, step)
    days, hours = [], []
    for number in range((horizon * step) // timedelta(days=1) + 2):
        day = local + timedelta(days=number)
        if not is_working_day(day, closed):
            continue
        days.append(number)
        lo = _ceil(datetime.combine(day, time(1), tzinfo=zone) - origin, step)
        hi = _floor(datetime.combine(day, time(23), tzinfo=zone) - origin, step)
        lo, hi = max(0, lo), min(horizon, hi)
        if lo < hi:
            hours.append((lo, hi))
    return days, hours, offset


def _alone_fits(tasks: Sequence[Task], lags: Sequence[Lag], series: Sequence[Series],
                releases: dict[str, int], deadlines: dict[str, int], horizon: int,
                resources: dict[str, Resource], patient_closed: list[tuple[int, int]]) -> bool:
    """Whether a plan's tasks, nobody else's counted, have room: each task's time window from
    its release, deadline and the plan's lags (longest paths; every lag here is between
    starts) is not empty, each task fits its calendars (what it always uses, one of its
    alternatives, its patient) inside its window, the tasks that lags tie rigidly fit at the
    same time, and each course (``series``) fits on consecutive working days, every fraction
    in its window. Necessary, not sufficient."""
    ids = {t.id for t in tasks}
    early = {t.id: max(0, releases.get(t.id, 0)) for t in tasks}
    late = {t.id: min(horizon, deadlines.get(t.id, horizon)) - t.duration for t in tasks}
    inner = [lag for lag in lags if lag.source in ids and lag.target in ids]
    for _ in range(len(tasks) + 1):
        changed = False
        for lag in inner:
            a, b = lag.source, lag.target
            if early[a] + lag.min > early[b]:
                early[b], changed = early[a] + lag.min, True
            if late[b] - lag.min < late[a]:
                late[a], changed = late[b] - lag.min, True
            if lag.max is not None:
                if early[b] - lag.max > early[a]:
                    early[a], changed = early[b] - lag.max, True
                if late[a] + lag.max < late[b]:
                    late[b], changed = late[a] + lag.max, True
        if not changed:
            break
    else:
        return False  # a positive cycle: the lags contradict each other
    by_id = {t.id: t for t in tasks}
    if any(early[t] > late[t] for t in ids):
        return False
    calendars = {t.id: _calendars(t, resources, patient_closed) for t in tasks}
    for ser in series:
        spec = SeriesSpec.of(range(len(ser.tasks)), ser.period, ser.offset, ser.days)

        def fit(q: int, lo: int, hi: int, ser: Series = ser) -> tuple[int, int] | None:
            task = by_id[ser.tasks[q]]
            t = _first_fit(task.duration, calendars[task.id], lo)
            return (t, 0) if t <= hi else None

        def window(q: int, ser: Series = ser) -> tuple[int, int]:
            return early[ser.tasks[q]], late[ser.tasks[q]]

        first = ser.tasks[0]
        if series_place(spec, 0, early[first], late[first], fit, window) is None:
            return False
    # Rigid chains (min == max) from each chain's first task: one start for all of them.
    rigid = {lag.target: (lag.source, lag.min) for lag in inner if lag.max == lag.min}
    after = {src: (tgt, gap) for tgt, (src, gap) in rigid.items()}
    for head in (t for t in ids if t not in rigid):
        chain = [(head, 0)]
        while chain[-1][0] in after and len(chain) <= len(tasks):
            nxt, gap = after[chain[-1][0]]
            chain.append((nxt, chain[-1][1] + gap))
        start = early[head]
        while True:
            start = _first_fit(by_id[head].duration, calendars[head], start)
            if start > late[head]:
                return False
            # The earliest start at which each later link could fit, from this one.
            later = max((_first_fit(by_id[t].duration, calendars[t], start + off) - off
                         for t, off in chain[1:]), default=start)
            if later == start:
                break
            start = later
    return True


def _calendars(task: Task, resources: dict[str, Resource],
               patient_closed: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Per alternative of ``task``, the closed time it meets (what it always uses, that
    alternative's resources, its patient), sorted."""
    always = [span for rid in task.demands if rid in resources
              for span in resources[rid].closed]
    return [sorted(always + patient_closed + [span for rid in alternative
                                              for span in resources[rid].closed])
            for alternative in task.alternatives or [{}]]


def _first_fit(duration: int, calendars: list[list[tuple[int, int]]], release: int) -> int:
    """The earliest start from ``release`` of ``duration`` steps clear of one of the sorted
    ``calendars`` of closed time."""
    best: int | None = None
    for closed in calendars:
        start = release
        for a, b in closed:
            if b <= start:
                continue
            if a >= start + duration:
                break
            start = b
        best = start if best is None else min(best, start)
    return release if best is None else best


def _lag(rule: TimingRuleSpec, source: tuple[str, int], target: tuple[str, int],
         step: timedelta, horizon: int) -> list[Lag] | None:
    """The rule between two anchors, each (task id, steps after its start), as lags between
    the tasks' starts: its hard bounds; a soft maximum and the preferred lag as a penalty past
    them; a soft minimum as a penalty before it (a lag the other way, from target to source).
    Two anchors of one task (a session) are a fixed distance apart: no lag is needed ([]), or
    None when a hard bound excludes that distance."""
    hard = rule.severity == Severity.HARD
    lo = _ceil(rule.min_lag, step) if (hard and rule.min_lag is not None) else None
    hi = _floor(rule.max_lag, step) if (hard and rule.max_lag is not None) else None
    soft_min = _ceil(rule.min_lag, step) if (not hard and rule.min_lag is not None) else None
    preferred, penalty = None, 0
    if rule.preferred_lag is not None:
        preferred, penalty = _floor(rule.preferred_lag, step), W_PREFERRED
    if not hard and rule.max_lag is not None:
        soft_max = _floor(rule.max_lag, step)
        if preferred is None or soft_max < preferred:
            preferred, penalty = soft_max, W_SOFT
    (a, oa), (b, ob) = source, target
    if a == b:
        distance = ob - oa
        return None if (lo is not None and distance < lo) or (
            hi is not None and distance > hi) else []
    shift = oa - ob  # lo <= (s_b + ob) - (s_a + oa) <= hi, as a lag between the starts
    free = -2 * horizon  # no bound: two starts in [0, horizon] are never that far apart
    out = [Lag(source=a, target=b, min=free if lo is None else lo + shift,
               max=None if hi is None else hi + shift,
               preferred=None if preferred is None else preferred + shift, penalty=penalty)]
    if soft_min is not None:
        # s_b - s_a >= soft_min + shift, each step short of it costing W_SOFT.
        out.append(Lag(source=b, target=a, min=free, preferred=-(soft_min + shift),
                       penalty=W_SOFT))
    return out


def _bound(rule: TimingRuleSpec, at: dict[Anchor, tuple[str, int]], durations: dict[str, int],
           p: ProcedureToPlace, mine: Occurrence, other: Occurrence, origin: datetime,
           step: timedelta, releases: dict[str, int], deadlines: dict[str, int],
           soft: tuple[str, int, list[Lag]]) -> None:
    """A rule between a procedure and an existing booking, on the task that holds the rule's
    anchor (``at``: task id and offset of the procedure's start and end): a hard one as its
    release or deadline; a soft one as costs (``soft``: the plan's origin task, fixed at 0, the
    horizon, and the lags to add), each step earlier than the earliest or later than the
    latest time costing W_SOFT, each step past the preferred time W_PREFERRED."""
    if not in_scope(rule, mine, other):
        return
    hard = rule.severity == Severity.HARD
    origin_task, horizon, lags = soft

    def bound(anchor: Anchor, earliest: datetime | None, latest: datetime | None,
              preferred: tuple[datetime, bool] | None) -> None:
        task_id, offset = at[anchor]
        if earliest is not None:
            first = _ceil(earliest - origin, step) - offset
            if hard:
                releases[task_id] = max(releases.get(task_id, 0), first)
            else:  # start >= first: a lag from the task to the origin, preferred at -first
                lags.append(Lag(source=task_id, target=origin_task, min=-2 * horizon,
                                preferred=-first, penalty=W_SOFT))
        if latest is not None:
            last = _floor(latest - origin, step) - offset
            if hard:
                end = last + durations[task_id]
                deadlines[task_id] = min(deadlines.get(task_id, end), end)
            else:
                lags.append(Lag(source=origin_task, target=task_id, min=-2 * horizon,
                                preferred=last, penalty=W_SOFT))
        if preferred is not None:  # (the time, whether the anchor should be at or before it)
            when, before = preferred
            if before:
                lags.append(Lag(source=origin_task, target=task_id, min=-2 * horizon,
                                preferred=_floor(when - origin, step) - offset,
                                penalty=W_PREFERRED))
            else:
                lags.append(Lag(source=task_id, target=origin_task, min=-2 * horizon,
                                preferred=offset - _ceil(when - origin, step),
                                penalty=W_PREFERRED))

    wish = rule.preferred_lag
    if _is_from(rule, other.procedure_type, other.purpose) and _is_to(rule, p.procedure_type):
        base = other.anchor(rule.from_anchor)
        bound(rule.to_anchor, None if rule.min_lag is None else base + rule.min_lag,
              None if rule.max_lag is None else base + rule.max_lag,
              None if wish is None else (base + wish, True))
    elif _is_from(rule, p.procedure_type, p.purpose) and _is_to(rule, other.procedure_type):
        base = other.anchor(rule.to_anchor)
        bound(rule.from_anchor, None if rule.max_lag is None else base - rule.max_lag,
              None if rule.min_lag is None else base - rule.min_lag,
              None if wish is None else (base - wish, False))
