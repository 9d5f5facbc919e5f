"""The waiting list as one problem for the generic core (scheduling.domain.waitlist): several
plans share rooms, each keeps its hard rules, urgent plans come first, patients are in one place
at a time, and plans the model does not cover are named with the reason."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta

from scheduling.domain.catalogue import DEFAULT_RULES
from scheduling.domain.plan_solver import PlanProblem, ProcedureToPlace, ResourceFreeTime
from scheduling.domain.rules import evaluate
from scheduling.domain.slots import free_periods
from scheduling.domain.solver import check_solution, solve
from scheduling.domain.types import BookingView, Interval, Severity, WeeklyHours
from scheduling.domain.waitlist import WaitingPlan, waitlist_problem

NOW = datetime(2030, 1, 7, 6, 0, tzinfo=UTC)  # Monday 07:00 in Rome
END = NOW + timedelta(days=14)
HOURS = [WeeklyHours(d, time(8), time(18)) for d in range(5)]


def _free(resource_id: str) -> ResourceFreeTime:
    return ResourceFreeTime(resource_id, tuple(free_periods(
        hours=HOURS, busy=(), tz="Europe/Rome", window=Interval(NOW, END))))


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
    (task,) = waitlist.problem.tasks
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
    course = ProcedureToPlace("rt", "radiotherapy", timedelta(minutes=15), ("linac",),
                              patient_id="R", lesion_id="L-R", fractions=5)
    no_room = ProcedureToPlace("ct", "follow_up_ct", timedelta(minutes=30), ("ct-9",),
                               patient_id="S", lesion_id="L-S")
    waitlist = waitlist_problem([_plan("rt-plan", [course]), _plan("lost", [no_room]),
                                 _plan("fine", _emb_then_surgery("F"))],
                                now=NOW, horizon_end=END)
    assert waitlist.skipped == {"rt-plan": "a radiotherapy course: proposed with its plan alone",
                                "lost": "nothing can host follow_up_ct"}
    assert {t.id.split("/")[0] for t in waitlist.problem.tasks} == {"fine"}
