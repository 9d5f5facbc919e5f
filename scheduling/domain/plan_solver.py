"""Treatment-plan proposals with OR-Tools CP-SAT (a solver library, not a web framework: allowed
here).

``propose_plan``: a treatment plan's procedures as tasks on candidate rooms, with the rooms' free
time (opening hours minus bookings), hard timing rules as constraints, soft rules and preferred
lags as penalties, the patient in one place at a time, radiotherapy fractions on consecutive
working days (R17) and procedures planned for one session placed together (same room, back to
back; domain/sessions.py). Objective: earliest feasible, then preferred lags.

Time is discretised in ``granularity`` steps counted from ``origin`` (``now`` rounded up), so the
result is deterministic for a given input when a single worker is used. The generic scheduling
core (``solve``, RCPSP/max) lives in solver.py; this module was split from it to keep both
readable.
"""

from __future__ import annotations

import itertools
import math
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeAlias
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model

from .courses import next_working_day
from .engine import EngineContext
from .engine import evaluate as engine_evaluate
from .rules import _is_from, _is_to, in_scope, occurrences_from_bookings
from .solver import Progress
from .types import (
    Anchor,
    BookingView,
    Interval,
    Occurrence,
    RuleKind,
    Severity,
    TimingRuleSpec,
    Violation,
)

# A CP-SAT linear expression as this module uses it (the stubs' own alias admits numpy
# scalars, which makes ordinary arithmetic ambiguous to the type checker).
Expr: TypeAlias = "cp_model.LinearExpr | cp_model.IntVar | int"

@dataclass(frozen=True)
class ProcedureToPlace:
    """A planned procedure still to book: its duration (per fraction for RT), candidate rooms."""

    procedure_id: str
    procedure_type: str
    duration: timedelta
    resource_ids: tuple[str, ...]
    patient_id: str = ""
    lesion_id: str | None = None
    purpose: str = ""
    fractions: int = 1
    prepares_id: str | None = None  # the procedure this one prepares (R1-R3 bind the pair)
    same_session_with: str | None = None  # placed together with it (same room, back to back)
    # The people it needs with the room: per kind, the candidate people (resource ids whose
    # free time is in the problem's resources); one of each kind is busy with it.
    staff: tuple[tuple[str, ...], ...] = ()
    # A radiotherapy course's days off besides weekends: local dates on which none of its
    # rooms opens (a public holiday, a closure); its next working day skips them (R17).
    closed_days: frozenset[date] = frozenset()


@dataclass(frozen=True)
class ResourceFreeTime:
    """A room's free periods (open hours minus bookings) within the planning horizon."""

    resource_id: str
    free: tuple[Interval, ...]


@dataclass(frozen=True)
class StartBy:
    """A clock the plan's first procedure of ``procedure_types`` (any procedure when empty)
    must meet: that procedure's ``anchor`` at or before ``due``, and its start not before
    ``earliest``. Built from the running case clocks (R9-R11, domain/clocks.py) and pathway
    clocks (CWT-31/62, domain/pathway.py) by scheduling.engine_context.problem_deadlines.

    ``hard``: a schedule past ``due`` is refused (one plan) or, on the waiting list, dropped
    for its plan alone with the reason; otherwise each step past ``due`` is penalised."""

    code: str  # the rule's or the pathway clock's code (R9-mscc-mri, CWT-31)
    due: datetime
    procedure_types: frozenset[str] = frozenset()
    earliest: datetime | None = None
    anchor: Anchor = Anchor.START
    hard: bool = False
    label: str = ""  # what the coordinator reads: "R9: whole-spine MRI by Tue 08 Jan 10:00"
    # The clock's rule is hard (R9, R10: an emergency), missed or not: the plan gets no notice
    # before its first booking (selectors.plans.proposal_not_before).
    emergency: bool = False

    def measures(self, procedure_type: str) -> bool:
        return not self.procedure_types or procedure_type in self.procedure_types


@dataclass(frozen=True)
class PlanProblem:
    now: datetime
    horizon_end: datetime
    procedures: tuple[ProcedureToPlace, ...]
    resources: tuple[ResourceFreeTime, ...]
    rules: tuple[TimingRuleSpec, ...]
    fixed: tuple[BookingView, ...] = ()  # the patient's existing active bookings
    tz: str = "Europe/Rome"
    granularity: timedelta = timedelta(minutes=15)
    # The clocks the plan's first procedures must meet (R9-R11, CWT-31/62), soonest first.
    deadlines: tuple[StartBy, ...] = ()
    # No new booking starts before this (the site's notice for the plan's urgency: the patient
    # is called and prepared first; selectors.plans.proposal_not_before). None: from ``now``.
    not_before: datetime | None = None


@dataclass(frozen=True)
class ProposedBooking:
    procedure_id: str
    resource_id: str
    start: datetime
    end: datetime
    fraction: int | None = None
    # The people booked with the room (resource ids), one per kind the procedure needs, in the
    # order of ProcedureToPlace.staff; empty when it needs nobody.
    staff: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanProposal:
    status: str  # "optimal" | "feasible" | "infeasible" | "unknown"
    bookings: tuple[ProposedBooking, ...] = ()
    violations: tuple[Violation, ...] = ()  # soft warnings left in the proposal
    message: str = ""
    wall_time: float = 0.0
    details: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


def _next_working(day0: date, n_days: int, closed: frozenset[date]) -> list[int]:
    """[d] -> the day index of the working day after day ``d`` (Monday to Friday, not in
    ``closed``), days counted from ``day0``."""
    return [(next_working_day(day0 + timedelta(days=d), closed) - day0).days
            for d in range(n_days)]


# Objective weights, per granularity step: a step of soft-rule slack costs as much as starting
# a day later (96 steps of 15 min); preferred-lag slack a quarter of that.
_W_SOFT = 96
_W_PREFERRED = 4
# A radiotherapy course changing linac between two fractions costs as much as one fraction
# starting two steps (30 minutes) later: the course stays on one unit unless that costs more.
_W_ROOM_CHANGE = 2


def _ceil_steps(delta: timedelta, step: timedelta) -> int:
    return math.ceil(delta / step)


def _floor_steps(delta: timedelta, step: timedelta) -> int:
    return math.floor(delta / step)


def propose_plan(problem: PlanProblem, *, time_limit: float = 5.0, workers: int = 1,
                 on_progress: Callable[[dict[str, float]], None] | None = None) -> PlanProposal:
    """Propose bookings for ``problem.procedures``: the earliest schedule that keeps every hard
    rule, avoids soft-rule breaches and stays within preferred lags where it can.

    Never raises for an impossible plan: returns status ``infeasible`` with a message. The
    proposal's remaining soft violations are listed (from rules.evaluate on the result).
    ``on_progress`` is called with each better schedule's ``objective``, the ``bound`` proven so
    far, ``elapsed_s`` and the number of ``solutions`` (a stored run shows them while it works).
    """
    step = problem.granularity
    origin_dt = problem.now
    # Round the origin up to the grid so proposals start on quarter hours.
    epoch = datetime(2000, 1, 1, tzinfo=origin_dt.tzinfo)
    origin_dt = epoch + _ceil_steps(origin_dt - epoch, step) * step
    horizon = _floor_steps(problem.horizon_end - origin_dt, step)
    if horizon <= 0:
        return PlanProposal(status="infeasible", message="The planning horizon is empty.")
    # The notice before the first new booking, in steps from the origin.
    first_step = (max(0, _ceil_steps(problem.not_before - origin_dt, step))
                  if problem.not_before is not None else 0)
    if first_step and any(first_step + max(1, _ceil_steps(p.duration, step)) > horizon
                          for p in problem.procedures):
        return PlanProposal(status="infeasible",
                            message="The earliest start (the site's notice before a first "
                                    "booking, or the day the patient can come from) leaves "
                                    "no time in the planning horizon.")
    resources = {r.resource_id: r for r in problem.resources}
    for p in problem.procedures:
        if not any(rid in resources for rid in p.resource_ids):
            return PlanProposal(
                status="infeasible",
                message=f"No room can host {p.procedure_type.replace('_', ' ')}.",
            )
        if any(not any(pid in resources for pid in kind) for kind in p.staff):
            return PlanProposal(
                status="infeasible",
                message=f"Nobody can perform {p.procedure_type.replace('_', ' ')}: a person it "
                        "needs has no calendar.",
            )

    def to_step(t: datetime) -> int:
        return _floor_steps(t - origin_dt, step)

    zone = ZoneInfo(problem.tz)
    model = cp_model.CpModel()
    per_resource: dict[str, list[cp_model.IntervalVar]] = {rid: [] for rid in resources}
    patient_intervals: list[cp_model.IntervalVar] = []
    tasks: dict[str, list[tuple[cp_model.IntVar, int, dict[str, cp_model.IntVar]]]] = {}
    # Per procedure and fraction, per needed kind: {person: the literal that takes them}.
    people_taken: dict[str, list[list[dict[str, cp_model.IntVar]]]] = {}
    objective: list[Expr] = []

    # Local day index of each step, for radiotherapy fractions on consecutive working days.
    local_origin = origin_dt.astimezone(zone)
    minutes_into_day = local_origin.hour * 60 + local_origin.minute
    step_minutes = int(step.total_seconds() // 60)
    n_days = horizon * step_minutes // 1440 + 3
    local_day0 = local_origin.date()
    next_working = _next_working(local_day0, n_days, frozenset())

    for p in problem.procedures:
        dur = max(1, _ceil_steps(p.duration, step))
        fraction_vars = []
        fraction_people: list[list[dict[str, cp_model.IntVar]]] = []
        for k in range(max(1, p.fractions)):
            s = model.new_int_var(0, max(0, horizon - dur), f"s_{p.procedure_id}_{k}")
            if first_step:
                model.add(s >= first_step)
            choices: dict[str, cp_model.IntVar] = {}
            for rid in p.resource_ids:
                if rid not in resources:
                    continue
                present = model.new_bool_var(f"x_{p.procedure_id}_{k}_{rid}")
                iv = model.new_optional_fixed_size_interval_var(s, dur, present,
                                                           f"iv_{p.procedure_id}_{k}_{rid}")
                per_resource[rid].append(iv)
                choices[rid] = present
            model.add_exactly_one(choices.values())
            # One person of each needed kind, busy for the same interval.
            kinds_taken: list[dict[str, cp_model.IntVar]] = []
            for n, kind in enumerate(p.staff):
                people: dict[str, cp_model.IntVar] = {}
                for pid in kind:
                    if pid not in resources or pid in people:
                        continue
                    taken = model.new_bool_var(f"y_{p.procedure_id}_{k}_{n}_{pid}")
                    per_resource[pid].append(model.new_optional_fixed_size_interval_var(
                        s, dur, taken, f"st_{p.procedure_id}_{k}_{n}_{pid}"))
                    people[pid] = taken
                model.add_exactly_one(people.values())
                kinds_taken.append(people)
            fraction_people.append(kinds_taken)
            patient_intervals.append(model.new_fixed_size_interval_var(s, dur, f"pt_{p.procedure_id}_{k}"))
            fraction_vars.append((s, dur, choices))
            objective.append(s)
        if len(fraction_vars) > 1:
            days = []
            for k, (s, _dur, _c) in enumerate(fraction_vars):
                day = model.new_int_var(0, n_days - 1, f"day_{p.procedure_id}_{k}")
                minutes = model.new_int_var(0, horizon * step_minutes + 1440, f"m_{p.procedure_id}_{k}")
                model.add(minutes == s * step_minutes + minutes_into_day)
                model.add_division_equality(day, minutes, 1440)
                days.append(day)
            following = (_next_working(local_day0, n_days, p.closed_days) if p.closed_days
                         else next_working)
            for a, b in itertools.pairwise(days):
                model.add_element(a, following, b)
            # One linac for the course where it costs little (series_choices.py does the same
            # for the waiting list): each change of room between fractions is penalised.
            for (_s1, _d1, before), (_s2, _d2, after) in itertools.pairwise(fraction_vars):
                if len(before) < 2:
                    continue
                moved = model.new_bool_var(f"moved_{p.procedure_id}_{len(objective)}")
                for rid, here in before.items():
                    if rid in after:
                        model.add(moved >= here - after[rid])
                objective.append(_W_ROOM_CHANGE * moved)
        tasks[p.procedure_id] = fraction_vars
        people_taken[p.procedure_id] = fraction_people

    # Rooms: no overlap between proposals, and none with closed or already-booked time.
    for rid, items in per_resource.items():
        free_steps = sorted(
            (lo, hi)
            for lo, hi in (
                (max(0, _ceil_steps(i.start - origin_dt, step)),
                 min(horizon, _floor_steps(i.end - origin_dt, step)))
                for i in resources[rid].free
            )
            if lo < hi
        )
        blocked: list[tuple[int, int]] = []
        cursor = 0
        for lo, hi in free_steps:
            if lo > cursor:
                blocked.append((cursor, lo))
            cursor = max(cursor, hi)
        if cursor < horizon:
            blocked.append((cursor, horizon))
        fixed = [model.new_fixed_size_interval_var(lo, hi - lo, f"blk_{rid}_{lo}")
                 for lo, hi in blocked]
        if items:
            model.add_no_overlap(items + fixed)

    # The patient is in one place at a time, including their existing bookings.
    for booking in problem.fixed:
        if booking.active and booking.end > origin_dt:
            first = max(0, to_step(booking.start))
            last = max(1, _ceil_steps(booking.end - origin_dt, step))
            if last > first:
                patient_intervals.append(model.new_fixed_size_interval_var(
                    first, last - first, f"fx_{booking.booking_id}"))
    model.add_no_overlap(patient_intervals)

    # Timing rules between placed procedures and against the patient's existing bookings.
    fixed_occs = occurrences_from_bookings(problem.fixed)
    placed_ids = {p.procedure_id for p in problem.procedures}
    fixed_occs = [o for o in fixed_occs if o.procedure_id not in placed_ids]
    placed_occ = {p.procedure_id: procedure_occurrence(p, origin_dt) for p in problem.procedures}

    def anchor_expr(proc_id: str | None, occ: Occurrence, which: Anchor) -> Expr:
        if proc_id is None:  # a fixed booking: a constant, possibly before the origin
            return to_step(occ.anchor(which)) if which == Anchor.START else _ceil_steps(
                occ.anchor(which) - origin_dt, step)
        fr = tasks[proc_id]
        if which == Anchor.START:
            return fr[0][0]
        return fr[-1][0] + fr[-1][1]

    nodes: list[tuple[str | None, Occurrence]] = list(placed_occ.items())
    nodes += [(None, o) for o in fixed_occs]
    for rule in problem.rules:
        if not rule.active or rule.kind != RuleKind.LAG:
            continue
        for i, (pa, oa) in enumerate(nodes):
            for pb, ob in nodes[i + 1:]:
                if pa is None and pb is None:
                    continue
                if not in_scope(rule, oa, ob):
                    continue
                directions = []
                if _is_from(rule, oa.procedure_type, oa.purpose) and _is_to(rule, ob.procedure_type):
                    directions.append(((pa, oa), (pb, ob)))
                if _is_from(rule, ob.procedure_type, ob.purpose) and _is_to(rule, oa.procedure_type):
                    directions.append(((pb, ob), (pa, oa)))
                if rule.symmetric and not directions:
                    continue
                if rule.symmetric and len(directions) == 1:
                    (f, t), = directions
                    directions.append((t, f))
                # Two possible directions (R6 either order, R7 embolization → embolization):
                # a literal picks which procedure comes first.
                either = len(directions) == 2
                literals = []
                for (fp, fo), (tp, to) in directions:
                    lag = anchor_expr(tp, to, rule.to_anchor) - anchor_expr(fp, fo, rule.from_anchor)
                    lit = model.new_bool_var(f"dir_{rule.code}_{len(objective)}") if either else None
                    if lit is not None:
                        literals.append(lit)
                        # The chosen direction means "from" starts no later than "to".
                        model.add(anchor_expr(fp, fo, Anchor.START)
                                  <= anchor_expr(tp, to, Anchor.START)).only_enforce_if(lit)
                    _add_lag(model, rule, lag, lit, step, objective)
                if literals:
                    model.add_exactly_one(literals)

    _add_deadlines(model, problem, tasks, lambda t: _floor_steps(t - origin_dt, step),
                   lambda t: _ceil_steps(t - origin_dt, step), objective)

    problem_text = _add_same_session(model, problem, tasks, fixed_occs, to_step,
                                     lambda t: _ceil_steps(t - origin_dt, step))
    if problem_text:
        return PlanProposal(status="infeasible", message=problem_text)

    model.minimize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 0
    began = _time.perf_counter()
    status = solver.solve(model, Progress(on_progress) if on_progress else None)
    elapsed = _time.perf_counter() - began
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        hard = [d.label or d.code for d in problem.deadlines if d.hard]
        return PlanProposal(
            status="infeasible" if status == cp_model.INFEASIBLE else "unknown",
            message=(
                "No schedule within the horizon keeps every hard rule"
                + (f" (including {'; '.join(hard)})" if hard else "")
                + " and fits the rooms' free time"
                + (" after the earliest start (the site's notice before a first booking, or "
                   "the day the patient can come from)" if first_step else "")
                + "." if status == cp_model.INFEASIBLE else
                "The solver found no schedule within its time limit."
            ),
            wall_time=elapsed,
        )
    proposed = []
    for p in problem.procedures:
        fractions = tasks[p.procedure_id]
        for k, (s, _dur, choices) in enumerate(fractions):
            rid = next(r for r, lit in choices.items() if solver.boolean_value(lit))
            staff = tuple(next(pid for pid, lit in kind.items() if solver.boolean_value(lit))
                          for kind in people_taken[p.procedure_id][k])
            start = origin_dt + solver.value(s) * step
            proposed.append(ProposedBooking(
                procedure_id=p.procedure_id, resource_id=rid, start=start,
                end=start + p.duration, fraction=(k + 1) if len(fractions) > 1 else None,
                staff=staff,
            ))
    warnings = proposal_warnings(problem, proposed)
    return PlanProposal(
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        bookings=tuple(proposed),
        violations=warnings,
        wall_time=elapsed,
        details={"objective": solver.objective_value},
    )


def proposal_warnings(problem: PlanProblem,
                      proposed: Sequence[ProposedBooking]) -> tuple[Violation, ...]:
    """What the rules engine finds in a proposal (as bookings beside the patient's own): the
    soft rules it still breaks, shown before anything is booked. A course is judged on the
    days off the proposal planned it around (``closed_days``: none of its linacs opens), as
    the booking check will judge it."""
    by_id = {p.procedure_id: p for p in problem.procedures}
    # Each proposed room's known closed days: those of the procedures it hosts (each a subset
    # of the room's own closures, so their union is too).
    closed: dict[str, frozenset[date]] = {}
    for b in proposed:
        days_off = by_id[b.procedure_id].closed_days
        if days_off:
            closed[b.resource_id] = closed.get(b.resource_id, frozenset()) | days_off
    views = [
        BookingView(
            booking_id=f"proposal:{b.procedure_id}:{b.fraction or 1}",
            procedure_id=b.procedure_id, procedure_type=p.procedure_type,
            resource_id=b.resource_id, start=b.start, end=b.end, patient_id=p.patient_id,
            lesion_id=p.lesion_id, purpose=p.purpose, planned_fractions=p.fractions,
            prepares_id=p.prepares_id, same_session_with=p.same_session_with,
        )
        for b in proposed for p in [by_id[b.procedure_id]]
    ]
    return tuple(engine_evaluate(bookings=views, rules=problem.rules, history=problem.fixed,
                                 tz=problem.tz, context=EngineContext(closed_days=closed)))


def _by_id(problem: PlanProblem, procedure_id: str) -> ProcedureToPlace:
    return next(p for p in problem.procedures if p.procedure_id == procedure_id)


def procedure_occurrence(p: ProcedureToPlace, origin: datetime) -> Occurrence:
    """A procedure still to place as an occurrence at ``origin``: what the rules' scope checks
    (in_scope, from/to) read of it before it has a time."""
    return Occurrence(
        procedure_id=p.procedure_id, procedure_type=p.procedure_type, start=origin,
        end=origin + p.duration, first_booking_id="", last_booking_id="", booking_ids=(),
        patient_id=p.patient_id, lesion_id=p.lesion_id, purpose=p.purpose,
        prepares_id=p.prepares_id,
    )


def _add_same_session(
    model: cp_model.CpModel, problem: PlanProblem,
    tasks: dict[str, list[tuple[cp_model.IntVar, int, dict[str, cp_model.IntVar]]]],
    fixed_occs: Sequence[Occurrence], start_step: Callable[[datetime], int],
    end_step: Callable[[datetime], int],
) -> str:
    """Procedures planned for one session: same room, one starting when the other ends (either
    order; the timing rules' lags choose). Against an already-booked partner, the placed one
    goes right before or right after it, in its room when that room is a candidate. Returns a
    message when the pair cannot share a room at all ("" otherwise)."""
    pairs: set[tuple[str, str]] = set()
    for p in problem.procedures:
        if p.same_session_with:
            pairs.add((p.procedure_id, p.same_session_with))
    for booking in problem.fixed:
        if booking.same_session_with and booking.same_session_with in tasks:
            pairs.add((booking.same_session_with, booking.procedure_id))
    fixed_by_id = {o.procedure_id: o for o in fixed_occs}
    resource_of = {b.procedure_id: b.resource_id for b in problem.fixed if b.active}
    for first, second in sorted(pairs):
        if first not in tasks:
            first, second = second, first
        s1, d1, rooms1 = tasks[first][0]
        label = _by_id(problem, first).procedure_type.replace("_", " ")
        if second in tasks:
            if (first, second) > (second, first) and (second, first) in pairs:
                continue  # the same pair named from both sides: constrain it once
            s2, d2, rooms2 = tasks[second][0]
            common = sorted(set(rooms1) & set(rooms2))
            if not common:
                other = _by_id(problem, second).procedure_type.replace("_", " ")
                return (f"The {label} and the {other} are planned for the same session, but no "
                        "room can host both.")
            for rid in set(rooms1) - set(common):
                model.add(rooms1[rid] == 0)
            for rid in set(rooms2) - set(common):
                model.add(rooms2[rid] == 0)
            for rid in common:
                model.add(rooms1[rid] == rooms2[rid])
            after = model.new_bool_var(f"session_{first}_{second}")
            model.add(s2 == s1 + d1).only_enforce_if(after)
            model.add(s1 == s2 + d2).only_enforce_if(~after)
        elif second in fixed_by_id:
            occ = fixed_by_id[second]
            room = resource_of.get(second)
            if room in rooms1:
                for rid, lit in rooms1.items():
                    if rid != room:
                        model.add(lit == 0)
            after = model.new_bool_var(f"session_{first}_{second}")
            model.add(s1 == end_step(occ.end)).only_enforce_if(after)
            model.add(s1 + d1 == start_step(occ.start)).only_enforce_if(~after)
    return ""


def _add_deadlines(
    model: cp_model.CpModel, problem: PlanProblem,
    tasks: dict[str, list[tuple[cp_model.IntVar, int, dict[str, cp_model.IntVar]]]],
    floor_step: Callable[[datetime], int], ceil_step: Callable[[datetime], int],
    objective: list[Expr],
) -> None:
    """Each clock (StartBy) on the plan's first procedure of its types: the earliest of their
    anchors at or before ``due`` (hard), or each step past it penalised (soft); every start of
    them at or after ``earliest``."""
    for n, deadline in enumerate(problem.deadlines):
        measured = [p for p in problem.procedures if deadline.measures(p.procedure_type)]
        if not measured:
            continue
        anchors: list[Expr] = []
        for p in measured:
            fractions = tasks[p.procedure_id]
            first, dur, _rooms = fractions[0]
            if deadline.earliest is not None:
                model.add(first >= ceil_step(deadline.earliest))
            anchors.append(first if deadline.anchor == Anchor.START else first + dur)
        due = floor_step(deadline.due)
        if len(anchors) == 1:
            measured_at: Expr = anchors[0]
        else:
            measured_var = model.new_int_var(-10**6, 10**7, f"clock_{n}")
            model.add_min_equality(measured_var, anchors)
            measured_at = measured_var
        if deadline.hard:
            model.add(measured_at <= due)
        else:
            late = model.new_int_var(0, 10**7, f"late_{n}")
            model.add(measured_at - late <= due)
            objective.append(_W_SOFT * late)


def _add_lag(model: cp_model.CpModel, rule: TimingRuleSpec, lag: Expr,
             lit: cp_model.IntVar | None, step: timedelta,
             objective: list[Expr]) -> None:
    """lag in [min, max] (hard) or with penalised slack (soft); preferred lag as a penalty."""
    enforce = [lit] if lit is not None else []
    lo = None if rule.min_lag is None else _ceil_steps(rule.min_lag, step)
    hi = None if rule.max_lag is None else _floor_steps(rule.max_lag, step)
    if isinstance(lag, int):
        # Both ends fixed: nothing to decide (evaluate() reports it if broken).
        return
    if rule.severity == Severity.HARD:
        if lo is not None:
            model.add(lag >= lo).only_enforce_if(enforce)
        if hi is not None:
            model.add(lag <= hi).only_enforce_if(enforce)
    else:
        if lo is not None:
            slack = model.new_int_var(0, 10**6, f"slo_{rule.code}_{len(objective)}")
            model.add(lag + slack >= lo).only_enforce_if(enforce)
            objective.append(_W_SOFT * slack)
        if hi is not None:
            slack = model.new_int_var(0, 10**6, f"shi_{rule.code}_{len(objective)}")
            model.add(lag - slack <= hi).only_enforce_if(enforce)
            objective.append(_W_SOFT * slack)
    if rule.preferred_lag is not None:
        pref = _floor_steps(rule.preferred_lag, step)
        slack = model.new_int_var(0, 10**6, f"spref_{rule.code}_{len(objective)}")
        model.add(lag - slack <= pref).only_enforce_if(enforce)
        objective.append(_W_PREFERRED * slack)


__all__: Sequence[str] = (
    "PlanProblem",
    "PlanProposal",
    "ProcedureToPlace",
    "ProposedBooking",
    "ResourceFreeTime",
    "StartBy",
    "proposal_warnings",
    "propose_plan",
)
