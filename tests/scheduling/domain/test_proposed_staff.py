"""Solver proposals name the people they planned (``ProposedBooking.staff``: one person per kind
the procedure needs, in kind order), for one plan (propose_plan) and for the waiting list
(Waitlist.proposals), so booking the proposal books those people, not whoever is free first."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from scheduling.domain.catalogue import DEFAULT_RULES
from scheduling.domain.plan_solver import (
    PlanProblem,
    ProcedureToPlace,
    ResourceFreeTime,
    propose_plan,
)
from scheduling.domain.slots import free_periods
from scheduling.domain.solver import check_solution, solve
from scheduling.domain.types import Interval, WeeklyHours
from scheduling.domain.waitlist import WaitingPlan, waitlist_problem

NOW = datetime(2030, 1, 7, 6, 0, tzinfo=UTC)  # Monday 07:00 in Rome
END = NOW + timedelta(days=14)
DAY = [WeeklyHours(d, time(8), time(18)) for d in range(5)]
EARLY_HOUR = [WeeklyHours(d, time(8), time(9)) for d in range(5)]  # works 08:00-09:00 only
EIGHT = datetime(2030, 1, 7, 7, 0, tzinfo=UTC)  # Monday 08:00 in Rome


def _free(resource_id: str, hours=DAY, busy=()) -> ResourceFreeTime:
    return ResourceFreeTime(resource_id, tuple(free_periods(
        hours=hours, busy=busy, tz="Europe/Rome", window=Interval(NOW, END))))


def _problem(procedures, resources) -> PlanProblem:
    return PlanProblem(now=NOW, horizon_end=END, procedures=tuple(procedures),
                       resources=tuple(resources), rules=DEFAULT_RULES)


def test_propose_plan_names_the_people_it_chose_one_per_kind_in_kind_order():
    # Dr A is away on Monday: the earliest embolization is Monday 08:00 with Dr B. The surgery
    # needs a surgeon and an anaesthesia team (two kinds, in that order); team 1 is away.
    away = [Interval(NOW, NOW + timedelta(days=1))]
    never = [Interval(NOW, END)]
    emb = ProcedureToPlace("emb", "embolization", timedelta(minutes=150), ("angio",),
                           patient_id="P", lesion_id="L", purpose="pre_operative",
                           staff=(("ir-a", "ir-b"),))
    surgery = ProcedureToPlace("surg", "surgery", timedelta(hours=3), ("or1",),
                               patient_id="P", lesion_id="L",
                               staff=(("surgeon",), ("anaes-1", "anaes-2")))
    ct = ProcedureToPlace("ct", "follow_up_ct", timedelta(minutes=20), ("ct",),
                          patient_id="P", lesion_id="L")
    proposal = propose_plan(_problem(
        [emb, surgery, ct],
        [_free("angio"), _free("or1"), _free("ct"), _free("ir-a", busy=away), _free("ir-b"),
         _free("surgeon"), _free("anaes-1", busy=never), _free("anaes-2")]))
    assert proposal.status in {"optimal", "feasible"}, proposal.message
    by = {b.procedure_id: b for b in proposal.bookings}
    assert by["emb"].start < away[0].end  # on Monday, when only Dr B is there
    assert by["emb"].staff == ("ir-b",)
    assert by["surg"].staff == ("surgeon", "anaes-2")
    assert by["ct"].staff == ()  # needs nobody


def test_propose_plan_names_a_person_per_radiotherapy_fraction_when_one_is_needed():
    rt = ProcedureToPlace("rt", "radiotherapy", timedelta(minutes=15), ("linac",),
                          patient_id="P", lesion_id="L", fractions=3,
                          staff=(("physicist",),))
    proposal = propose_plan(_problem([rt], [_free("linac"), _free("physicist")]))
    assert proposal.status in {"optimal", "feasible"}, proposal.message
    assert [b.staff for b in proposal.bookings] == [("physicist",)] * 3


def test_the_waiting_list_names_the_people_of_the_chosen_alternative():
    # Dr A works all day, Dr B 08:00-09:00 only. A vertebroplasty (1 h) and an embolization
    # (2 h 30) of two patients both start at 08:00 only with Dr B on the vertebroplasty and
    # Dr A on the embolization: the proposals must say so (the first free operator by name,
    # Dr A, on the vertebroplasty would leave nobody for the embolization).
    resources = (_free("ct"), _free("angio"), _free("ir-a"), _free("ir-b", hours=EARLY_HOUR))
    vert = ProcedureToPlace("vert", "vertebroplasty", timedelta(hours=1), ("ct", "angio"),
                            patient_id="P1", lesion_id="L1", staff=(("ir-a", "ir-b"),))
    emb = ProcedureToPlace("emb", "embolization", timedelta(minutes=150), ("angio",),
                           patient_id="P2", lesion_id="L2", staff=(("ir-a", "ir-b"),))
    plans = [WaitingPlan("plan-1", PlanProblem(now=NOW, horizon_end=END, procedures=(vert,),
                                               resources=resources, rules=DEFAULT_RULES)),
             WaitingPlan("plan-2", PlanProblem(now=NOW, horizon_end=END, procedures=(emb,),
                                               resources=resources, rules=DEFAULT_RULES))]
    waitlist = waitlist_problem(plans, now=NOW, horizon_end=END)
    assert waitlist.skipped == {}
    solution = solve(waitlist.problem, time_limit_s=10, workers=1)
    assert solution.status == "optimal"
    assert check_solution(waitlist.problem, solution.starts, solution.choices) == []
    proposals = waitlist.proposals(solution)
    (v,), (e,) = proposals["plan-1"], proposals["plan-2"]
    assert (v.start, e.start) == (EIGHT, EIGHT)
    assert (v.resource_id, v.staff) == ("ct", ("ir-b",))
    assert (e.resource_id, e.staff) == ("angio", ("ir-a",))


def test_the_waiting_list_names_one_person_per_kind_in_kind_order():
    resources = (_free("or1"), _free("surgeon"), _free("anaes-1"))
    surgery = ProcedureToPlace("surg", "surgery", timedelta(hours=3), ("or1",),
                               patient_id="P", lesion_id="L",
                               staff=(("surgeon",), ("anaes-1",)))
    ct = ProcedureToPlace("ct", "follow_up_ct", timedelta(minutes=20), ("or1",),
                          patient_id="P", lesion_id="L")
    waitlist = waitlist_problem([WaitingPlan("plan", PlanProblem(
        now=NOW, horizon_end=END, procedures=(surgery, ct), resources=resources,
        rules=DEFAULT_RULES))], now=NOW, horizon_end=END)
    proposals = waitlist.proposals(solve(waitlist.problem, time_limit_s=10, workers=1))
    by = {b.procedure_id: b for b in proposals["plan"]}
    assert by["surg"].staff == ("surgeon", "anaes-1")
    assert by["ct"].staff == ()
