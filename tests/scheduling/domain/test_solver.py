"""The CP-SAT solver: the generic RCPSP/max core on PSPLIB data, and plan proposals."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from scheduling.domain import courses
from scheduling.domain.catalogue import DEFAULT_RULES
from scheduling.domain.plan_solver import (
    PlanProblem,
    ProcedureToPlace,
    ResourceFreeTime,
    propose_plan,
)
from scheduling.domain.rcpspmax import check_schedule, parse_sch, read_sch
from scheduling.domain.rules import next_working_day
from scheduling.domain.slots import free_periods
from scheduling.domain.solver import solve_rcpspmax
from scheduling.domain.types import BookingView, Interval, WeeklyHours

UBO10 = Path(__file__).resolve().parents[2] / "data" / "rcpspmax"  # two UBO10 instances
NOW = datetime(2030, 1, 7, 6, 0, tzinfo=UTC)  # Monday 07:00 in Rome
HOURS = [WeeklyHours(d, time(8), time(18)) for d in range(5)]


def test_it_parses_an_sch_file_and_solves_it_to_the_known_optimum():
    problem = read_sch(UBO10 / "psp2.sch")  # UBO10's published optimum: 45
    assert problem.n_activities == 12
    assert len(problem.capacities) == 5
    result = solve_rcpspmax(problem, time_limit=5)
    assert result.status == "optimal"
    assert result.makespan == 45
    assert check_schedule(problem, result.starts) == []


def test_it_proves_an_unsat_instance_infeasible():
    result = solve_rcpspmax(read_sch(UBO10 / "psp1.sch"), time_limit=5)  # UBO10 lists it as infeasible
    assert result.status == "infeasible"


def test_negative_lags_are_maximum_time_lags():
    text = "\n".join([
        "2 1 0 0",
        "0 1 2 1 2 [0] [0]",
        "1 1 2 3 2 [4] [-1]",  # S2 >= S1 - 1, and below S1 >= S2 - 1: |S1 - S2| <= 1
        "2 1 2 3 1 [3] [-1]",
        "3 1 0",
        "0 1 0 0", "1 1 4 1", "2 1 3 1", "3 1 0 0",
        "1",
    ])
    problem = parse_sch(text)
    assert (1, 2, -1) in problem.lags
    assert (2, 1, -1) in problem.lags
    assert solve_rcpspmax(problem, time_limit=2).status == "infeasible"


def test_a_malformed_file_is_refused():
    with pytest.raises(ValueError, match="shorter"):
        parse_sch("5 1 0 0\n0 1 0\n")


def _free(resource_id: str, busy=()):
    window = Interval(NOW, NOW + timedelta(days=28))
    return ResourceFreeTime(resource_id, tuple(free_periods(
        hours=HOURS, busy=busy, tz="Europe/Rome", window=window)))


def _problem(procedures, resources, fixed=()):
    return PlanProblem(now=NOW, horizon_end=NOW + timedelta(days=28),
                       procedures=tuple(procedures), resources=tuple(resources),
                       rules=DEFAULT_RULES, fixed=tuple(fixed))


def test_it_proposes_surgery_the_same_day_as_preoperative_embolization():
    emb = ProcedureToPlace("emb", "embolization", timedelta(minutes=150), ("angio",),
                           patient_id="P", lesion_id="L", purpose="pre_operative")
    surgery = ProcedureToPlace("surg", "surgery", timedelta(hours=3), ("or1", "or2"),
                               patient_id="P", lesion_id="L")
    proposal = propose_plan(_problem([emb, surgery], [_free("angio"), _free("or1"), _free("or2")]))
    assert proposal.status in {"optimal", "feasible"}
    by = {b.procedure_id: b for b in proposal.bookings}
    assert by["emb"].end <= by["surg"].start  # R2
    assert by["surg"].start - by["emb"].end <= timedelta(hours=24)  # R1 preferred
    assert by["emb"].start == datetime(2030, 1, 7, 7, 0, tzinfo=UTC)  # 08:00 Rome, first slot
    assert proposal.violations == ()


def test_it_works_around_busy_rooms_and_never_double_books():
    busy_or = [Interval(NOW, NOW + timedelta(days=1, hours=12))]  # OR busy Monday and Tuesday
    emb = ProcedureToPlace("emb", "embolization", timedelta(minutes=150), ("angio",),
                           patient_id="P", lesion_id="L", purpose="pre_operative")
    surgery = ProcedureToPlace("surg", "surgery", timedelta(hours=3), ("or1",),
                               patient_id="P", lesion_id="L")
    proposal = propose_plan(_problem([emb, surgery], [_free("angio"), _free("or1", busy_or)]))
    by = {b.procedure_id: b for b in proposal.bookings}
    assert by["surg"].start >= busy_or[0].end
    assert by["surg"].start - by["emb"].end <= timedelta(hours=24)  # emb moved later to match


def test_radiotherapy_fractions_land_on_consecutive_working_days():
    rt = ProcedureToPlace("rt", "radiotherapy", timedelta(minutes=15), ("linac",),
                          patient_id="P", lesion_id="L", fractions=5)
    start = datetime(2030, 1, 10, 6, tzinfo=UTC)  # a Thursday
    problem = PlanProblem(now=start, horizon_end=start + timedelta(days=28),
                          procedures=(rt,), resources=(_free("linac"),), rules=DEFAULT_RULES)
    proposal = propose_plan(problem)
    days = [b.start.date() for b in sorted(proposal.bookings, key=lambda b: b.start)]
    assert len(days) == 5
    assert all(b == next_working_day(a) for a, b in itertools.pairwise(days))
    assert proposal.violations == ()


def test_radiotherapy_fractions_skip_the_courses_closed_days():
    """A holiday (the Monday after the first Friday, a day none of the course's linacs opens)
    is not a working day: Thursday, Friday, then Tuesday to Thursday."""
    start = datetime(2030, 1, 10, 6, tzinfo=UTC)  # a Thursday
    holiday = datetime(2030, 1, 14).date()
    rt = ProcedureToPlace("rt", "radiotherapy", timedelta(minutes=15), ("linac",),
                          patient_id="P", lesion_id="L", fractions=5,
                          closed_days=frozenset({holiday}))
    linac = _free("linac")
    linac = ResourceFreeTime("linac", tuple(i for i in linac.free if i.start.date() != holiday))
    problem = PlanProblem(now=start, horizon_end=start + timedelta(days=28),
                          procedures=(rt,), resources=(linac,), rules=DEFAULT_RULES)
    proposal = propose_plan(problem)
    days = [b.start.date() for b in sorted(proposal.bookings, key=lambda b: b.start)]
    assert [d.day for d in days] == [10, 11, 15, 16, 17]
    assert all(b == courses.next_working_day(a, {holiday}) for a, b in itertools.pairwise(days))
    # Its warnings read the same days off: no R17 for skipping the holiday (there was one).
    assert proposal.violations == ()


def test_it_keeps_rt_before_embolization_with_existing_bookings():
    rt_done = BookingView("rt1", "rt", "radiotherapy", "linac", NOW + timedelta(days=2, hours=3),
                          NOW + timedelta(days=2, hours=3, minutes=15), patient_id="P",
                          lesion_id="L")
    emb = ProcedureToPlace("emb", "embolization", timedelta(minutes=150), ("angio",),
                           patient_id="P", lesion_id="L")
    proposal = propose_plan(_problem([emb], [_free("angio")], fixed=[rt_done]))
    [booking] = proposal.bookings
    assert booking.start >= rt_done.end  # R4 hard


def test_an_impossible_plan_is_reported_not_raised():
    emb = ProcedureToPlace("emb", "embolization", timedelta(minutes=150), ("nowhere",))
    proposal = propose_plan(_problem([emb], [_free("angio")]))
    assert proposal.status == "infeasible"
    assert "No room" in proposal.message


def test_a_procedure_waits_for_a_free_operator_as_well_as_a_free_room():
    # The only interventional radiologist is away Monday (all day): the room is free, but the
    # embolization cannot happen before Tuesday, and the surgery follows it (R1).
    away = [Interval(NOW, NOW + timedelta(days=1))]
    emb = ProcedureToPlace("emb", "embolization", timedelta(minutes=150), ("angio",),
                           patient_id="P", lesion_id="L", purpose="pre_operative",
                           staff=(("ir",),))
    surgery = ProcedureToPlace("surg", "surgery", timedelta(hours=3), ("or1",),
                               patient_id="P", lesion_id="L", staff=(("surgeon",),))
    proposal = propose_plan(_problem(
        [emb, surgery], [_free("angio"), _free("or1"), _free("ir", away), _free("surgeon")]))
    assert proposal.status in {"optimal", "feasible"}
    by = {b.procedure_id: b for b in proposal.bookings}
    assert by["emb"].start >= away[0].end
    assert by["emb"].end <= by["surg"].start


def test_a_needed_person_without_a_calendar_makes_the_plan_impossible_with_the_reason():
    emb = ProcedureToPlace("emb", "embolization", timedelta(minutes=150), ("angio",),
                           staff=(("nobody",),))
    proposal = propose_plan(_problem([emb], [_free("angio")]))
    assert proposal.status == "infeasible"
    assert "Nobody can perform" in proposal.message
