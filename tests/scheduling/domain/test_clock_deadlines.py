"""Clocks in the solver's problems (issue 14, "urgency and pathway clocks as weights and
deadlines"): ``PlanProblem.deadlines`` (plan_solver.StartBy, from R9-R11 and CWT-31/62) on the
waiting list (waitlist.py) and on one plan (plan_solver.propose_plan).

The scenario: one MRI scanner, open 08:00-18:00 Rome, eight emergency plans (weight 8) with a
45-minute whole-spine MRI each, and one MSCC plan of weight 4 (an urgent referral with a
neurological deficit) whose R9 clock is due three hours after the scanner opens. Weighted
completion alone serves it ninth, at 14:00."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.domain.catalogue import DEFAULT_RULES
from scheduling.domain.plan_solver import (
    PlanProblem,
    ProcedureToPlace,
    ResourceFreeTime,
    StartBy,
    propose_plan,
)
from scheduling.domain.slots import free_periods
from scheduling.domain.solver import check_solution, solve
from scheduling.domain.types import Anchor, BookingView, Interval, WeeklyHours
from scheduling.domain.waitlist import W_SOFT, WaitingPlan, waitlist_problem

NOW = datetime(2030, 1, 7, 6, 0, tzinfo=UTC)  # Monday 07:00 in Rome
OPENS = NOW + timedelta(hours=1)  # 08:00 Rome
END = NOW + timedelta(days=7)
MRI = ResourceFreeTime("mri", tuple(free_periods(
    hours=[WeeklyHours(d, time(8), time(18)) for d in range(5)], busy=(), tz="Europe/Rome",
    window=Interval(NOW, END))))


def _mri(patient: str) -> ProcedureToPlace:
    return ProcedureToPlace(f"mri-{patient}", "mri_whole_spine", timedelta(minutes=45),
                            ("mri",), patient_id=patient, lesion_id=f"L-{patient}")


def _plan(plan_id: str, weight: int, deadlines=(), procedures=None, fixed=()) -> WaitingPlan:
    return WaitingPlan(plan_id, PlanProblem(
        now=NOW, horizon_end=END, procedures=tuple(procedures or (_mri(plan_id),)),
        resources=(MRI,), rules=DEFAULT_RULES, fixed=tuple(fixed),
        deadlines=tuple(deadlines)), weight=weight)


def _r9(due: datetime, *, hard: bool = True) -> StartBy:
    return StartBy(code="R9-mscc-mri", due=due, procedure_types=frozenset({"mri_whole_spine"}),
                   hard=hard, label="R9: whole-spine MRI must start by Monday")


def _waiting(mscc_clocks):
    return [_plan(f"emergency-{k}", 8) for k in range(8)] + [_plan("mscc", 4, mscc_clocks)]


def _solve(plans):
    waitlist = waitlist_problem(plans, now=NOW, horizon_end=END)
    solution = solve(waitlist.problem, time_limit_s=10, workers=2)
    assert solution.status in ("optimal", "feasible")
    assert check_solution(waitlist.problem, solution.starts, solution.choices) == []
    return waitlist, waitlist.proposals(solution)


def test_without_its_clock_the_lighter_mscc_plan_waits_behind_the_emergencies():
    """The contrast the clock exists for: weights alone serve the MSCC MRI ninth."""
    _waitlist, proposals = _solve(_waiting(()))
    (mri,) = proposals["mscc"]
    assert mri.start == OPENS + 8 * timedelta(minutes=45)


@pytest.mark.parametrize("hard", [True, False], ids=["hard R9", "soft clock"])
def test_the_clock_brings_the_mscc_mri_within_its_deadline(hard):
    due = OPENS + timedelta(hours=3)
    waitlist, proposals = _solve(_waiting([_r9(due, hard=hard)]))
    (mri,) = proposals["mscc"]
    assert mri.start <= due
    assert waitlist.skipped == {}
    assert len(proposals) == 9  # every emergency MRI is still proposed
    task = next(t for t in waitlist.problem.tasks if t.id == "mscc/mri-mscc")
    clock_lags = [lag for lag in waitlist.problem.lags if lag.source == "mscc/clock"]
    if hard:  # the plan alone can meet it: the task's deadline (latest end)
        assert task.deadline == 4 + 12 + 3
        assert clock_lags == []
        assert waitlist.clock_limits == 1
    else:  # a cost from a fixed zero-length task at the origin
        assert task.deadline is None
        (lag,) = clock_lags
        assert (lag.target, lag.preferred, lag.penalty) == ("mscc/mri-mscc", 16, W_SOFT)


def test_hard_clocks_that_cannot_all_be_met_together_are_planned_again_as_costs():
    """Two MSCC MRIs due by 08:30 on one scanner opening at 08:00: each alone could, both
    cannot. As deadlines the list has no schedule; built again with clock_limits=False it has
    one, the first MRI meets its clock and the other plan is left alone with the reason."""
    due = OPENS + timedelta(minutes=30)
    plans = [_plan("mscc-1", 4, [_r9(due)]), _plan("mscc-2", 4, [_r9(due)]),
             _plan("routine", 1)]
    limited = waitlist_problem(plans, now=NOW, horizon_end=END)
    assert limited.clock_limits == 2
    assert solve(limited.problem, time_limit_s=5, workers=2).status == "infeasible"
    waitlist = waitlist_problem(plans, now=NOW, horizon_end=END, clock_limits=False)
    assert waitlist.clock_limits == 0
    solution = solve(waitlist.problem, time_limit_s=5, workers=2)
    proposals = waitlist.proposals(solution)
    assert sorted(proposals) in (["mscc-1", "routine"], ["mscc-2", "routine"])
    met = next(p for p in proposals if p != "routine")
    assert proposals[met][0].start == OPENS
    (late,) = set(waitlist.skipped)
    assert late in ("mscc-1", "mscc-2")
    assert late != met
    assert waitlist.skipped[late].endswith(": the whole list leaves no time before it; "
                                           "proposed with its plan alone")


def test_an_end_anchored_clock_measures_the_end():
    due = OPENS + timedelta(hours=3)
    clock = StartBy(code="X", due=due, procedure_types=frozenset({"mri_whole_spine"}),
                    anchor=Anchor.END, hard=True)
    _waitlist, proposals = _solve(_waiting([clock]))
    (mri,) = proposals["mscc"]
    assert mri.end <= due


def test_a_hard_clock_nothing_can_meet_leaves_that_plan_alone_with_the_reason():
    """Due before the scanner opens: the list stays feasible, the other plans are proposed,
    the MSCC plan gets no proposal (booking it would be refused) and says why."""
    waitlist, proposals = _solve(_waiting([_r9(OPENS - timedelta(minutes=15))]))
    assert "mscc" not in proposals
    assert len(proposals) == 8
    assert waitlist.skipped["mscc"] == ("R9: whole-spine MRI must start by Monday: no time "
                                        "before it, even for this plan alone; proposed with "
                                        "its plan alone")


def test_a_clock_earliest_time_is_the_release_and_other_types_are_not_measured():
    later = NOW + timedelta(days=2)
    ct = ProcedureToPlace("ct-P", "follow_up_ct", timedelta(minutes=20), ("mri",),
                          patient_id="P", lesion_id="L-P")
    clock = StartBy(code="Y", due=END, earliest=later,
                    procedure_types=frozenset({"mri_whole_spine"}))
    _waitlist, proposals = _solve([_plan("p", 1, [clock], procedures=(ct, _mri("P")))])
    by = {b.procedure_id: b for b in proposals["p"]}
    assert by["mri-P"].start >= later
    assert by["ct-P"].start < later  # the CT is not what the clock measures


def test_a_plan_refused_for_its_existing_bookings_leaves_nothing_in_the_problem():
    """A plan whose patient's bookings leave no time the hard rules allow is skipped whole:
    none of its tasks, lags or proposals stay behind to break the list (they used to: its
    task was registered for proposals but not in the problem)."""
    emb = ProcedureToPlace("emb-P", "embolization", timedelta(minutes=150), ("mri",),
                           patient_id="P", lesion_id="L-P", purpose="pre_operative")
    # The surgery is booked at 08:30: the 2 h 30 embolization must end before it (R2), so
    # start by 06:00, before now.
    booked = BookingView(booking_id="b", procedure_id="surg-P", procedure_type="surgery",
                         resource_id="or", start=OPENS + timedelta(minutes=30),
                         end=OPENS + timedelta(hours=3, minutes=30), patient_id="P",
                         lesion_id="L-P")
    refused = _plan("refused", 1, procedures=(emb,), fixed=[booked])
    waitlist = waitlist_problem([refused, _plan("fine", 1)], now=NOW, horizon_end=END)
    assert waitlist.skipped == {
        "refused": "the patient's existing bookings leave no time the hard rules allow"}
    assert [t.id for t in waitlist.problem.tasks] == ["fine/mri-fine"]
    assert set(waitlist.tasks) == {"fine/mri-fine"}
    solution = solve(waitlist.problem, time_limit_s=5)
    assert sorted(waitlist.proposals(solution)) == ["fine"]


def _one(deadlines) -> PlanProblem:
    return PlanProblem(now=NOW, horizon_end=END, procedures=(_mri("P"),), resources=(MRI,),
                       rules=DEFAULT_RULES, deadlines=tuple(deadlines))


def test_one_plan_that_cannot_meet_its_hard_clock_says_which_clock():
    proposal = propose_plan(_one([_r9(OPENS - timedelta(minutes=15))]), time_limit=5)
    assert proposal.status == "infeasible"
    assert "R9: whole-spine MRI must start by Monday" in proposal.message
    assert proposal.bookings == ()


def test_one_plan_meets_its_clock_and_a_soft_one_past_reach_is_only_a_cost():
    met = propose_plan(_one([_r9(OPENS + timedelta(hours=1))]), time_limit=5)
    assert met.status == "optimal"
    assert met.bookings[0].start == OPENS
    late = propose_plan(_one([_r9(OPENS - timedelta(minutes=15), hard=False)]), time_limit=5)
    assert late.status == "optimal"
    assert late.bookings[0].start == OPENS  # the earliest slot: as late as it must be


def test_one_plan_clock_earliest_holds():
    later = NOW + timedelta(days=2)
    clock = StartBy(code="Y", due=END, earliest=later,
                    procedure_types=frozenset({"mri_whole_spine"}))
    proposal = propose_plan(_one([clock]), time_limit=5)
    assert proposal.bookings[0].start >= later


def test_a_hospital_sized_list_with_clocks_on_every_plan_keeps_them():
    """The components path (200+ tasks): every plan carries a soft first-treatment clock and
    one in ten a hard R9 clock due before the first day ends; one clock origin per plan keeps
    each plan its own component, the schedule holds, and every hard clock is met."""
    from scheduling.domain import large

    end = NOW + timedelta(days=14)  # ten working days: 800 steps on two scanners, 600 asked
    free = tuple(free_periods(hours=[WeeklyHours(d, time(8), time(18)) for d in range(5)],
                              busy=(), tz="Europe/Rome", window=Interval(NOW, end)))
    rooms = tuple(ResourceFreeTime(r, free) for r in ("mri-1", "mri-2"))
    plans = []
    for k in range(120):
        patient = f"P{k}"
        procedures = (
            ProcedureToPlace(f"mri-{patient}", "mri_whole_spine", timedelta(minutes=45),
                             ("mri-1", "mri-2"), patient_id=patient, lesion_id=f"L-{patient}"),
            ProcedureToPlace(f"ct-{patient}", "follow_up_ct", timedelta(minutes=30),
                             ("mri-1", "mri-2"), patient_id=patient, lesion_id=f"L-{patient}"))
        clocks = [StartBy(code="CWT-31", due=NOW + timedelta(days=7))]
        if k % 10 == 9:
            clocks.append(_r9(OPENS + timedelta(hours=8)))
        plans.append(WaitingPlan(f"plan-{k}", PlanProblem(
            now=NOW, horizon_end=end, procedures=procedures, resources=rooms,
            rules=DEFAULT_RULES, deadlines=tuple(clocks)), weight=8 if k % 3 == 0 else 1))
    waitlist = waitlist_problem(plans, now=NOW, horizon_end=end)
    real = [t for t in waitlist.problem.tasks if t.duration > 0]
    assert len(real) == 240 >= large.LARGE_TASKS
    solution = solve(waitlist.problem, time_limit_s=6, workers=2)
    assert solution.status in ("optimal", "feasible")
    assert check_solution(waitlist.problem, solution.starts, solution.choices) == []
    proposals = waitlist.proposals(solution)
    assert waitlist.skipped == {}
    assert len(proposals) == 120
    for k in range(9, 120, 10):
        (mri,) = [b for b in proposals[f"plan-{k}"] if b.procedure_id.startswith("mri-")]
        assert mri.start <= OPENS + timedelta(hours=8)


def _mscc_course(linac_from):
    linac = ResourceFreeTime("linac", tuple(free_periods(
        hours=[WeeklyHours(d, time(8), time(18)) for d in range(5)], busy=(), tz="Europe/Rome",
        window=Interval(linac_from, END + timedelta(days=7)))))
    course = ProcedureToPlace("rt-P", "radiotherapy", timedelta(minutes=15), ("linac",),
                              patient_id="P", lesion_id="L-P", fractions=5)
    tuesday = NOW + timedelta(days=1)
    r10 = StartBy(code="R10-mscc-rt", due=tuesday + timedelta(hours=10), hard=True,
                  procedure_types=frozenset({"radiotherapy"}), label="R10: radiotherapy by Tue")
    plan = WaitingPlan("p", PlanProblem(now=NOW, horizon_end=END + timedelta(days=7),
                                        procedures=(course,), resources=(linac,),
                                        rules=DEFAULT_RULES, deadlines=(r10,)))
    return waitlist_problem([plan], now=NOW, horizon_end=END + timedelta(days=7))


def test_a_course_whose_first_day_misses_its_hard_clock_is_left_to_its_plan():
    """The linac is closed until Wednesday, so R10 (due Tuesday) cannot be met by any start:
    the clock is not made a deadline (the first-day calendar counts), the list stays feasible,
    and the plan is left to its own proposal with R10 named."""
    waitlist = _mscc_course(NOW + timedelta(days=2))
    assert waitlist.clock_limits == 0
    solution = solve(waitlist.problem, time_limit_s=5, workers=2)
    assert solution.status in ("optimal", "feasible")
    assert waitlist.proposals(solution) == {}
    assert waitlist.skipped["p"].startswith("R10: radiotherapy by Tue")


def test_a_five_fraction_course_starts_on_a_tuesday_to_meet_its_hard_clock():
    """The linac is closed this Monday. A course of five fractions on the waiting list used to
    start on Mondays only (one set of gaps between fractions), so R10 (due Tuesday 10:00) was
    missed and the plan left out. Now the course starts on Tuesday at 08:00, its fractions on
    the next working days (Tuesday to Friday, then Monday) at the same time."""
    waitlist = _mscc_course(NOW + timedelta(days=1))
    assert waitlist.clock_limits == 1
    solution = solve(waitlist.problem, time_limit_s=5, workers=2)
    assert solution.status == "optimal"
    (bookings,) = waitlist.proposals(solution).values()
    local = [b.start.astimezone(ZoneInfo("Europe/Rome")) for b in bookings]
    assert [t.weekday() for t in local] == [1, 2, 3, 4, 0]
    assert {(t.hour, t.minute) for t in local} == {(8, 0)}
    assert waitlist.skipped == {}
