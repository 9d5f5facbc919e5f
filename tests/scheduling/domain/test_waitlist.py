"""The waiting list as one problem for the generic core (scheduling.domain.waitlist): several
plans share rooms, each keeps its hard rules, urgent plans come first, patients are in one place
at a time, and plans the model does not cover are named with the reason."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from scheduling.domain.catalogue import DEFAULT_RULES
from scheduling.domain.plan_solver import PlanProblem, ProcedureToPlace, ResourceFreeTime
from scheduling.domain.rules import evaluate
from scheduling.domain.slots import free_periods
from scheduling.domain.solver import check_solution, solve
from scheduling.domain.types import BookingView, Interval, Severity, WeeklyHours
from scheduling.domain.waitlist import WaitingPlan, waitlist_problem

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2030, 1, 7, 6, 0, tzinfo=UTC)  # Monday 07:00 in Rome
END = NOW + timedelta(days=14)
HOURS = [WeeklyHours(d, time(8), time(18)) for d in range(5)]


def _free(resource_id: str) -> ResourceFreeTime:
    return ResourceFreeTime(resource_id, tuple(free_periods(
        hours=HOURS, busy=(), tz="Europe/Rome", window=Interval(NOW, END))))


def _free_long(resource_id: str) -> ResourceFreeTime:
    return ResourceFreeTime(resource_id, tuple(free_periods(
        hours=HOURS, busy=(), tz="Europe/Rome", window=Interval(NOW, END + timedelta(days=14)))))


ROOMS = (_free("angio"), _free("or1"))


def _emb_then_surgery(patient: str) -> tuple[ProcedureToPlace, ...]:
    return (ProcedureToPlace(f"emb-{patient}", "embolization", timedelta(minutes=150),
                             ("angio",), patient_id=patient, lesion_id=f"L-{patient}",
                             purpose="pre_operative"),
            ProcedureToPlace(f"surg-{patient}", "surgery", timedelta(hours=3), ("or1",),
                             patient_id=patient, lesion_id=f"L-{patient}"))


def _plan(plan_id: str, procedures, fixed=(), weight: int = 1) -> WaitingPlan:
    return WaitingPlan(plan_id, PlanProblem(
        now=NOW, horizon_end=END, procedures=tuple(procedures), resources=ROOMS,
        rules=DEFAULT_RULES, fixed=tuple(fixed)), weight=weight)


def _views(plans, proposals):
    """The proposals as bookings, for the rules engine to judge independently."""
    by_id = {p.procedure_id: p for wp in plans for p in wp.problem.procedures}
    return [BookingView(booking_id=f"x-{b.procedure_id}", procedure_id=b.procedure_id,
                        procedure_type=by_id[b.procedure_id].procedure_type,
                        resource_id=b.resource_id, start=b.start, end=b.end,
                        patient_id=by_id[b.procedure_id].patient_id,
                        lesion_id=by_id[b.procedure_id].lesion_id,
                        purpose=by_id[b.procedure_id].purpose)
            for bookings in proposals.values() for b in bookings]


def test_four_plans_share_the_rooms_and_each_keeps_its_hard_rules():
    plans = [_plan(f"plan-{k}", _emb_then_surgery(f"P{k}")) for k in range(4)]
    waitlist = waitlist_problem(plans, now=NOW, horizon_end=END)
    assert waitlist.skipped == {}
    assert len(waitlist.problem.tasks) == 8
    solution = solve(waitlist.problem, time_limit_s=10, workers=2)
    assert solution.status in ("optimal", "feasible")
    assert check_solution(waitlist.problem, solution.starts, solution.choices) == []
    proposals = waitlist.proposals(solution)
    assert sorted(proposals) == [f"plan-{k}" for k in range(4)]
    views = _views(plans, proposals)
    # No room holds two procedures at once.
    for room in ("angio", "or1"):
        spans = sorted((v.start, v.end) for v in views if v.resource_id == room)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    # Every proposal keeps the hard rules, judged by the rules engine (not the model).
    hard = [v for v in evaluate(bookings=views, rules=DEFAULT_RULES, history=(),
                                tz="Europe/Rome") if v.severity == Severity.HARD]
    assert hard == []
    # Everything opens when the rooms do: nothing before 08:00 Rome on the Monday.
    assert min(v.start for v in views) >= NOW + timedelta(hours=1)


def test_the_urgent_plan_is_served_first():
    plans = [_plan("routine-1", _emb_then_surgery("A")),
             _plan("routine-2", _emb_then_surgery("B")),
             _plan("urgent", _emb_then_surgery("C"), weight=8)]
    waitlist = waitlist_problem(plans, now=NOW, horizon_end=END)
    solution = solve(waitlist.problem, time_limit_s=10, workers=2)
    proposals = waitlist.proposals(solution)
    first_surgery = {plan: max(b.end for b in bookings) for plan, bookings in proposals.items()}
    assert first_surgery["urgent"] < first_surgery["routine-1"]
    assert first_surgery["urgent"] < first_surgery["routine-2"]


def test_the_patients_existing_booking_keeps_them_busy_and_bounds_the_rules():
    emb, surgery = _emb_then_surgery("P")
    booked_emb = BookingView(
        booking_id="b-emb", procedure_id=emb.procedure_id, procedure_type="embolization",
        resource_id="angio", start=datetime(2030, 1, 9, 7, 0, tzinfo=UTC),
        end=datetime(2030, 1, 9, 9, 30, tzinfo=UTC), patient_id="P", lesion_id="L-P",
        purpose="pre_operative")
    plan = _plan("plan", [surgery], fixed=[booked_emb])
    waitlist = waitlist_problem([plan], now=NOW, horizon_end=END)
    # The surgery, and the fixed origin its soft rules against the booking are measured from.
    (task,) = [t for t in waitlist.problem.tasks if t.id != "plan/clock"]
    assert task.release > 0
    assert task.deadline is not None  # surgery within its window after the embolization
    solution = solve(waitlist.problem, time_limit_s=5)
    (proposed,) = waitlist.proposals(solution)["plan"]
    assert proposed.start >= booked_emb.end
    views = _views([plan], {"plan": [proposed]})
    hard = [v for v in evaluate(bookings=views, rules=DEFAULT_RULES, history=[booked_emb],
                                tz="Europe/Rome") if v.severity == Severity.HARD]
    assert hard == []


def test_plans_the_model_does_not_cover_are_named_with_the_reason():
    no_room = ProcedureToPlace("ct", "follow_up_ct", timedelta(minutes=30), ("ct-9",),
                               patient_id="S", lesion_id="L-S")
    vert = ProcedureToPlace("v", "vertebroplasty", timedelta(hours=1), ("angio",),
                            patient_id="T", lesion_id="L-T", same_session_with="e")
    waitlist = waitlist_problem([_plan("session", [vert]), _plan("lost", [no_room]),
                                 _plan("fine", _emb_then_surgery("F"))],
                                now=NOW, horizon_end=END)
    assert waitlist.skipped == {
        "session": "vertebroplasty is planned in one session with a booked procedure: "
                   "proposed with its plan alone",
        "lost": "nothing can host follow_up_ct"}
    assert {t.id.split("/")[0] for t in waitlist.problem.tasks} == {"fine"}




def _course(patient: str, fractions: int) -> ProcedureToPlace:
    return ProcedureToPlace(f"rt-{patient}", "radiotherapy", timedelta(minutes=15), ("linac",),
                            patient_id=patient, lesion_id=f"L-{patient}", fractions=fractions)


@pytest.mark.parametrize("fractions", [2, 5, 10])
def test_a_radiotherapy_course_is_planned_on_consecutive_working_days(fractions):
    """R17 on the waiting list: one task per fraction, each a whole number of days after the
    one before (the same time each day), on consecutive weekdays; with a plan that competes for
    the linac, and an embolization after the course as R-rules require (RT before
    embolization)."""
    plans = [WaitingPlan(f"course-{k}", PlanProblem(
        now=NOW, horizon_end=END + timedelta(days=14), procedures=(_course(f"C{k}", fractions),),
        resources=(_free_long("linac"),), rules=DEFAULT_RULES), weight=1) for k in range(3)]
    waitlist = waitlist_problem(plans, now=NOW, horizon_end=END + timedelta(days=14))
    assert waitlist.skipped == {}
    assert len(waitlist.problem.tasks) == 3 * fractions
    solution = solve(waitlist.problem, time_limit_s=10, workers=2)
    assert solution.status in ("optimal", "feasible")
    assert check_solution(waitlist.problem, solution.starts, solution.choices) == []
    for plan_id, bookings in waitlist.proposals(solution).items():
        assert [b.fraction for b in bookings] == list(range(1, fractions + 1)), plan_id
        rome = [b.start.astimezone(ROME) for b in bookings]
        days = [r.date() for r in rome]
        assert all(d.weekday() < 5 for d in days)
        # Consecutive working days: no weekday is skipped between two fractions.
        for a, b in itertools.pairwise(days):
            between = [a + timedelta(days=k) for k in range(1, (b - a).days)]
            assert b > a
            assert all(d.weekday() >= 5 for d in between)
        assert len({(r.hour, r.minute) for r in rome}) == 1  # the same time each day
    # The linac holds one fraction at a time across the three courses.
    spans = sorted((s, s + 1) for s in solution.starts.values())
    assert all(x[1] <= y[0] for x, y in itertools.pairwise(spans))


def test_a_course_skips_a_holiday_and_the_weekend_on_the_waiting_list():
    """R17's next working day skips a public holiday (the linac's closure on Wednesday) as well
    as the weekend: Monday, Tuesday, Thursday, Friday, Monday, at one time. (The waiting list
    used to start five-fraction courses on Mondays only, and a holiday in the week pushed the
    course to the next Monday.)"""
    wednesday = (NOW + timedelta(days=2)).astimezone(ROME).date()
    linac = _free("linac")
    linac = ResourceFreeTime("linac", tuple(
        i for i in linac.free if i.start.astimezone(ROME).date() != wednesday))
    course = dataclasses.replace(_course("C", 5), closed_days=frozenset({wednesday}))
    waitlist = waitlist_problem([WaitingPlan("c", PlanProblem(
        now=NOW, horizon_end=END, procedures=(course,), resources=(linac,),
        rules=DEFAULT_RULES))], now=NOW, horizon_end=END)
    assert waitlist.skipped == {}
    solution = solve(waitlist.problem, time_limit_s=5, workers=2)
    assert solution.status == "optimal"
    (bookings,) = waitlist.proposals(solution).values()
    local = [b.start.astimezone(ROME) for b in bookings]
    assert [t.weekday() for t in local] == [0, 1, 3, 4, 0]
    assert len({(t.hour, t.minute) for t in local}) == 1


def test_rules_anchor_on_the_course_first_and_last_fraction():
    """RT before embolization (R-rule from the course's end): the embolization follows the
    course's last fraction, not its first."""
    course = _course("P", 5)
    emb = ProcedureToPlace("emb-P", "embolization", timedelta(minutes=150), ("angio",),
                           patient_id="P", lesion_id="L-P")
    plan = WaitingPlan("p", PlanProblem(now=NOW, horizon_end=END + timedelta(days=14),
                                        procedures=(course, emb),
                                        resources=(_free_long("linac"), _free_long("angio")),
                                        rules=DEFAULT_RULES))
    waitlist = waitlist_problem([plan], now=NOW, horizon_end=END + timedelta(days=14))
    solution = solve(waitlist.problem, time_limit_s=10, workers=2)
    bookings = waitlist.proposals(solution)["p"]
    fractions = [b for b in bookings if b.procedure_id == "rt-P"]
    (embolization,) = [b for b in bookings if b.procedure_id == "emb-P"]
    views = [BookingView(booking_id=f"x-{b.procedure_id}-{b.fraction}",
                         procedure_id=b.procedure_id,
                         procedure_type="radiotherapy" if b.fraction else "embolization",
                         resource_id=b.resource_id, start=b.start, end=b.end, patient_id="P",
                         lesion_id="L-P", planned_fractions=5 if b.fraction else 1)
             for b in bookings]
    hard = [v for v in evaluate(bookings=views, rules=DEFAULT_RULES, history=(),
                                tz="Europe/Rome") if v.severity == Severity.HARD]
    assert hard == []
    lagged = [lag for lag in waitlist.problem.lags if lag.target == "p/emb-P"]
    assert lagged
    assert {lag.source for lag in lagged} == {"p/rt-P#5"}
    assert embolization.start >= max(b.end for b in fractions)


def _session_plan(plan_id: str, patient: str, *, ir=("ir-a", "ir-b"), extra=()) -> WaitingPlan:
    """RFA then a vertebroplasty of the same lesion in one session (CT room or hybrid room),
    with an interventional radiologist, and the anaesthesia team for the ablation."""
    rfa = ProcedureToPlace(f"rfa-{patient}", "rfa", timedelta(minutes=90), ("ct", "hybrid"),
                           patient_id=patient, lesion_id=f"L-{patient}",
                           staff=(ir, ("gas-a",)))
    vert = ProcedureToPlace(f"vert-{patient}", "vertebroplasty", timedelta(hours=1),
                            ("hybrid", "ct"), patient_id=patient, lesion_id=f"L-{patient}",
                            same_session_with=rfa.procedure_id, staff=(ir,))
    rooms = tuple(_free(r) for r in ("ct", "hybrid", "angio", "or1", *ir, "gas-a"))
    return WaitingPlan(plan_id, PlanProblem(now=NOW, horizon_end=END,
                                            procedures=(rfa, vert, *extra), resources=rooms,
                                            rules=DEFAULT_RULES))


def test_a_session_is_one_task_back_to_back_in_one_room_with_the_same_people():
    plans = [_session_plan(f"s{k}", f"P{k}") for k in range(3)]
    waitlist = waitlist_problem(plans, now=NOW, horizon_end=END)
    assert waitlist.skipped == {}
    assert len(waitlist.problem.tasks) == 3
    assert {t.duration for t in waitlist.problem.tasks} == {10}  # 1 h 30 + 1 h
    solution = solve(waitlist.problem, time_limit_s=10, workers=2)
    assert check_solution(waitlist.problem, solution.starts, solution.choices) == []
    proposals = waitlist.proposals(solution)
    for k in range(3):
        rfa, vert = proposals[f"s{k}"]
        assert rfa.procedure_id == f"rfa-P{k}"
        assert vert.start == rfa.end  # back to back, in the plan's order
        assert vert.resource_id == rfa.resource_id  # one room
        assert len(rfa.staff) == 2
        assert rfa.staff[1] == "gas-a"
        assert vert.staff == (rfa.staff[0],)  # the same radiologist throughout
    # One anaesthesia team: the three sessions do not overlap.
    spans = sorted((b[0].start, b[1].end) for b in proposals.values())
    assert all(x[1] <= y[0] for x, y in itertools.pairwise(spans))


def test_rules_measure_a_session_procedure_at_its_own_start():
    """R1 (surgery within 72 h of the end of the pre-operative embolization) between an
    embolization and a session of osteosynthesis then surgery: measured at the surgery's own
    start, the osteosynthesis's length after the session's start."""
    emb = ProcedureToPlace("emb", "embolization", timedelta(minutes=150), ("angio",),
                           patient_id="P", lesion_id="L-P", purpose="pre_operative")
    osteo = ProcedureToPlace("osteo", "osteosynthesis", timedelta(hours=2), ("or1",),
                             patient_id="P", lesion_id="L-P")
    surgery = ProcedureToPlace("surg", "surgery", timedelta(hours=3), ("or1",),
                               patient_id="P", lesion_id="L-P", same_session_with="osteo")
    plan = WaitingPlan("p", PlanProblem(now=NOW, horizon_end=END,
                                        procedures=(emb, osteo, surgery), resources=ROOMS,
                                        rules=DEFAULT_RULES))
    waitlist = waitlist_problem([plan], now=NOW, horizon_end=END)
    assert waitlist.skipped == {}
    solution = solve(waitlist.problem, time_limit_s=10, workers=2)
    proposals = waitlist.proposals(solution)["p"]
    views = [BookingView(booking_id=f"x-{b.procedure_id}", procedure_id=b.procedure_id,
                         procedure_type={"emb": "embolization", "osteo": "osteosynthesis",
                                         "surg": "surgery"}[b.procedure_id],
                         resource_id=b.resource_id, start=b.start, end=b.end, patient_id="P",
                         lesion_id="L-P", purpose="pre_operative" if b.procedure_id == "emb"
                         else "") for b in proposals]
    hard = [v for v in evaluate(bookings=views, rules=DEFAULT_RULES, history=(),
                                tz="Europe/Rome") if v.severity == Severity.HARD]
    assert hard == []
    # R1's hard window (72 h = 288 steps, from the embolization's end) as lags between the two
    # tasks' starts, for both operations: the embolization's length (10 steps) and, for the
    # surgery, the osteosynthesis's before it (8) folded into the bounds.
    hard_r1 = sorted(lag.max for lag in waitlist.problem.lags
                     if lag.source == "p/emb" and lag.max is not None)
    assert {lag.target for lag in waitlist.problem.lags if lag.source == "p/emb"} == {"p/osteo"}
    assert hard_r1 == [288 + 10 - 8, 288 + 10]


def test_a_soft_minimum_is_a_cost_so_the_ablation_waits_for_the_embolization():
    """R3 (ablation after the embolization of the same lesion) is soft with a minimum of 0. The
    CT room is free from Monday, the angio suite only from Wednesday: weighted completion
    alone put the ablation on Monday, before the embolization it should follow. The soft
    minimum costs each step short of it, so the ablation now follows."""
    from scheduling.domain.plan_solver import proposal_warnings

    wednesday = NOW + timedelta(days=2)
    angio = ResourceFreeTime("angio", tuple(free_periods(
        hours=HOURS, busy=(), tz="Europe/Rome", window=Interval(wednesday, END))))
    emb = ProcedureToPlace("emb", "embolization", timedelta(minutes=150), ("angio",),
                           patient_id="P", lesion_id="L-P")
    rfa = ProcedureToPlace("rfa", "rfa", timedelta(minutes=90), ("ct",), patient_id="P",
                           lesion_id="L-P")
    problem = PlanProblem(now=NOW, horizon_end=END, procedures=(emb, rfa),
                          resources=(angio, _free("ct")), rules=DEFAULT_RULES)
    waitlist = waitlist_problem([WaitingPlan("p", problem)], now=NOW, horizon_end=END)
    reverse = [lag for lag in waitlist.problem.lags
               if (lag.source, lag.target) == ("p/rfa", "p/emb")]
    assert [(lag.preferred, lag.penalty) for lag in reverse] == [(-10, 96)]  # emb's 10 steps
    solution = solve(waitlist.problem, time_limit_s=10, workers=2)
    bookings = waitlist.proposals(solution)["p"]
    by = {b.procedure_id: b for b in bookings}
    assert by["rfa"].start >= by["emb"].end
    assert [v.rule_id for v in proposal_warnings(problem, bookings)] == []


def test_a_soft_rule_against_a_booked_procedure_is_a_cost_so_the_ablation_follows_it():
    """R3 is soft: the ablation follows the same lesion's embolization within 24 h, ideally
    within 2 h. With the embolization already booked (Wednesday 08:00-10:30 in Rome) and the
    CT room free from Monday, weighted completion alone put the ablation on Monday, before the
    booked embolization, and the run only warned about it. The rule is now a cost from the
    plan's fixed origin, so the ablation comes right after the embolization."""
    from scheduling.domain.plan_solver import proposal_warnings

    booked_emb = BookingView(
        booking_id="b-emb", procedure_id="emb", procedure_type="embolization",
        resource_id="angio", start=datetime(2030, 1, 9, 7, 0, tzinfo=UTC),
        end=datetime(2030, 1, 9, 9, 30, tzinfo=UTC), patient_id="P", lesion_id="L-P",
        purpose="pre_operative")
    rfa = ProcedureToPlace("rfa", "rfa", timedelta(minutes=90), ("ct",), patient_id="P",
                           lesion_id="L-P")
    problem = PlanProblem(now=NOW, horizon_end=END, procedures=(rfa,),
                          resources=(_free("ct"),), rules=DEFAULT_RULES, fixed=(booked_emb,))
    waitlist = waitlist_problem([WaitingPlan("p", problem)], now=NOW, horizon_end=END)
    solution = solve(waitlist.problem, time_limit_s=10, workers=2)
    (proposed,) = waitlist.proposals(solution)["p"]
    assert booked_emb.end <= proposed.start <= booked_emb.end + timedelta(hours=2)
    assert [v.rule_id for v in proposal_warnings(problem, [proposed])] == []
    origin = [t for t in waitlist.problem.tasks if t.id == "p/clock"]
    assert [t.fixed_start for t in origin] == [0]


def _solved(plans, end):
    waitlist = waitlist_problem(plans, now=NOW, horizon_end=end)
    solution = solve(waitlist.problem, time_limit_s=10, workers=2)
    assert solution.status in ("optimal", "feasible")
    assert check_solution(waitlist.problem, solution.starts, solution.choices) == []
    return waitlist, waitlist.proposals(solution)


@pytest.mark.parametrize(("fractions", "now"), [
    (10, NOW),  # ten weekdays do not fit in seven days
    (6, NOW + timedelta(days=1)),  # from Tuesday, the sixth working day is past the horizon
])
def test_a_course_the_horizon_cannot_hold_is_left_out_and_the_rest_is_planned(fractions, now):
    """Review finding: such a course made the whole list infeasible (no proposal for anyone)."""
    end = now + timedelta(days=7)
    linac = ResourceFreeTime("linac", tuple(free_periods(hours=HOURS, busy=(), tz="Europe/Rome",
                                                         window=Interval(now, end))))
    course = WaitingPlan("course", PlanProblem(now=now, horizon_end=end,
                                               procedures=(_course("C", fractions),),
                                               resources=(linac,), rules=DEFAULT_RULES))
    other = WaitingPlan("other", PlanProblem(
        now=now, horizon_end=end, procedures=(_course("D", 1),), resources=(linac,),
        rules=DEFAULT_RULES))
    waitlist = waitlist_problem([course, other], now=now, horizon_end=end)
    assert waitlist.skipped["course"].startswith("no time within the horizon keeps its hard")
    solution = solve(waitlist.problem, time_limit_s=5, workers=2)
    assert sorted(waitlist.proposals(solution)) == ["other"]


def test_a_booked_procedure_that_names_one_to_place_as_its_session_partner_is_left_out():
    """Review finding: the link from the booked side was not seen, the RFA was placed on its
    own, and booking refused the whole run."""
    rfa = ProcedureToPlace("rfa", "rfa", timedelta(minutes=90), ("angio",), patient_id="P",
                           lesion_id="L-P")
    booked = BookingView(booking_id="b", procedure_id="vert", procedure_type="vertebroplasty",
                         resource_id="angio", start=NOW + timedelta(days=3),
                         end=NOW + timedelta(days=3, hours=1), patient_id="P", lesion_id="L-P",
                         same_session_with="rfa")
    waitlist = waitlist_problem([_plan("p", [rfa], fixed=[booked])], now=NOW, horizon_end=END)
    assert waitlist.skipped == {"p": "vertebroplasty is booked for one session with a "
                                     "procedure still to place: proposed with its plan alone"}


def test_a_session_books_the_second_procedure_right_when_the_first_ends_off_the_grid():
    """Review finding: a 100-minute ablation put the vertebroplasty 5 minutes after it (offsets
    were rounded to the 15-minute grid), which booking refuses as not back to back."""
    rfa = ProcedureToPlace("rfa", "rfa", timedelta(minutes=100), ("angio",), patient_id="P",
                           lesion_id="L-P")
    vert = ProcedureToPlace("vert", "vertebroplasty", timedelta(hours=1), ("angio",),
                            patient_id="P", lesion_id="L-P", same_session_with="rfa")
    _waitlist, proposals = _solved([_plan("p", [rfa, vert])], END)
    first, second = proposals["p"]
    assert second.start == first.end
    assert (first.end - first.start, second.end - second.start) == (
        timedelta(minutes=100), timedelta(hours=1))


def test_course_first_days_keep_an_hour_from_midnight_across_a_clock_change():
    """Review finding: fractions are 24 hours apart, so across the March clock change a course
    started late at night could land a fraction on the wrong day. Every start the first-day
    hours allow, on any working day, puts each fraction of a five-fraction series on the local
    date of its working day."""
    from scheduling.domain.series import SeriesSpec
    from scheduling.domain.waitlist import _working_days

    origin = datetime(2030, 3, 25, 0, 0, tzinfo=UTC)  # Monday; clocks change on Sunday 31st
    step = timedelta(minutes=15)
    days, hours, offset = _working_days(origin, 14 * 96, step, "Europe/Rome", frozenset())
    local0 = origin.astimezone(ROME).date()
    # Every weekday of the two weeks (and the two after the horizon's end, for the windows).
    assert [(local0 + timedelta(days=d)).weekday() for d in days] == [0, 1, 2, 3, 4] * 2 + [0, 1]
    spec = SeriesSpec(tuple(range(5)), 96, offset, np.asarray(days))
    checked = 0
    for lo, hi in hours:
        first, last = origin + lo * step, origin + (hi - 1) * step
        assert first.astimezone(ROME).hour >= 1
        assert last.astimezone(ROME).hour < 23
        for start in (lo, hi - 1):
            starts = spec.starts(0, start)
            if starts is None:
                continue  # too late in the horizon for five fractions
            checked += 1
            local = [(origin + s * step).astimezone(ROME) for s in starts]
            position = days.index(spec.day(start))
            assert [t.date() for t in local] == [
                local0 + timedelta(days=d) for d in days[position:position + 5]]
    assert checked == 16  # eight first days (Monday to the next Wednesday), two times each
