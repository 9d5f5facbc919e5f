"""Case-event clocks R9-R11 (scheduling/domain/clocks.py, engine.py): deadlines from the MSCC
suspicion or the decision to treat, hard where clinical-rules.md says hard; no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from scheduling.domain.admission import admit
from scheduling.domain.catalogue import CLOCK_RULES, DEFAULT_RULES, TIMING_RULES
from scheduling.domain.clocks import CaseClock, clock_verdicts, deadlines, window_bounds
from scheduling.domain.engine import EngineContext, evaluate
from scheduling.domain.errors import HardRuleViolation
from scheduling.domain.rules import occurrences_from_bookings
from scheduling.domain.types import BookingView, Severity
from scheduling.domain.verdicts import VerdictStatus

H = timedelta(hours=1)
M = timedelta(minutes=1)
D = timedelta(days=1)
EVENT = datetime(2030, 1, 9, 8, 0, tzinfo=UTC)  # a Wednesday


def bk(bid: str, ptype: str, start: datetime, *, proc: str | None = None, plan: str = "plan",
       minutes: int = 15, fractions: int | None = None) -> BookingView:
    return BookingView(booking_id=bid, procedure_id=proc or f"p-{bid}", procedure_type=ptype,
                       resource_id="r", start=start, end=start + minutes * M, patient_id="P",
                       lesion_id="L", plan_id=plan, planned_fractions=fractions)


def clock(*, mscc: bool = True, spinal: bool = True, plan: tuple[str, ...] = ("radiotherapy",),
          suspected: datetime | None = EVENT, decided: datetime | None = EVENT) -> CaseClock:
    return CaseClock(plan_id="plan", mscc=mscc, spinal=spinal, suspected_at=suspected,
                     decided_at=decided, plan_procedures=frozenset(plan))


def found(bookings, the_clock, *, now=None) -> list[tuple[str, Severity]]:
    context = EngineContext(clocks=(the_clock,), now=now)
    return [(v.rule_id, v.severity)
            for v in evaluate(bookings=bookings, rules=TIMING_RULES, tz="UTC", context=context)]


def test_the_clock_rules_cite_their_ids_sources_and_are_hard_where_the_table_says():
    by_id = {r.rule_id: r for r in CLOCK_RULES}
    assert set(by_id) == {"R9", "R10", "R11"}
    assert (by_id["R9"].severity, by_id["R10"].severity, by_id["R11"].severity) == (
        Severity.HARD, Severity.HARD, Severity.SOFT)
    assert by_id["R9"].max_lag == by_id["R10"].max_lag == 24 * H
    assert by_id["R11"].max_lag == 7 * D
    assert all(r.rationale and r.source for r in CLOCK_RULES)
    assert not set(DEFAULT_RULES) & set(CLOCK_RULES)


# --- R10: radiotherapy within 24 h of the decision to treat (MSCC not for surgery) ------------

@pytest.mark.parametrize(
    ("after_decision", "expected"),
    [
        (1 * H, []),
        (24 * H - M, []),
        (24 * H, []),  # at the deadline: still within 24 h
        (24 * H + M, [("R10", Severity.HARD)]),
        (5 * D, [("R10", Severity.HARD)]),
    ],
)
def test_r10_radiotherapy_starts_within_24_hours_of_the_decision(after_decision, expected):
    rt = bk("rt", "radiotherapy", EVENT + after_decision)
    assert found([rt], clock()) == expected


@pytest.mark.parametrize(
    ("the_clock", "why"),
    [
        (clock(mscc=False), "not MSCC"),
        (clock(plan=("surgery", "radiotherapy")), "the plan is for surgery"),
        (clock(decided=None), "no decision recorded"),
    ],
)
def test_r10_does_not_run_without_mscc_or_for_a_surgical_plan(the_clock, why):
    rt = bk("rt", "radiotherapy", EVENT + 5 * D)
    assert found([rt], the_clock) == [], why


def test_r10_measures_the_first_fraction_of_the_course():
    course = [bk(f"f{k}", "radiotherapy", EVENT + 20 * H + k * D, proc="rt", fractions=2)
              for k in range(2)]  # 24 Gy/2: Wednesday and Thursday
    assert found(course, clock()) == []  # fraction 1 within 24 h, fraction 2 after it
    late = [replace(b, start=b.start + 5 * H, end=b.end + 5 * H) for b in course]
    [violation] = evaluate(bookings=late, rules=TIMING_RULES, tz="UTC",
                           context=EngineContext(clocks=(clock(),)))
    assert violation.rule_id == "R10"
    assert violation.booking_ids == ("f0",)
    assert violation.off_by == 1 * H
    assert "decision to treat" in violation.message
    assert "1 hour too late" in violation.message


def test_a_missed_deadline_is_reported_soft_so_the_earliest_slot_can_still_be_booked():
    rt = bk("rt", "radiotherapy", EVENT + 5 * D)
    assert found([rt], clock(), now=EVENT + 1 * H) == [("R10", Severity.HARD)]
    assert found([rt], clock(), now=EVENT + 2 * D) == [("R10", Severity.SOFT)]
    [violation] = evaluate(bookings=[rt], rules=TIMING_RULES, tz="UTC",
                           context=EngineContext(clocks=(clock(),), now=EVENT + 2 * D))
    assert "already passed" in violation.message


def test_admission_refuses_a_booking_past_a_hard_deadline_still_ahead():
    rt = bk("rt", "radiotherapy", EVENT + 5 * D)
    context = EngineContext(clocks=(clock(),), now=EVENT + 1 * H)
    with pytest.raises(HardRuleViolation) as refused:
        admit(before=[], after=[rt], rules=TIMING_RULES, tz="UTC", context=context)
    assert [v.rule_id for v in refused.value.violations] == ["R10"]
    missed = replace(context, now=EVENT + 2 * D)
    [warning] = admit(before=[], after=[rt], rules=TIMING_RULES, tz="UTC", context=missed)
    assert (warning.rule_id, warning.severity) == ("R10", Severity.SOFT)


def test_without_a_context_the_engine_judges_bookings_alone():
    rt = bk("rt", "radiotherapy", EVENT + 5 * D)
    assert evaluate(bookings=[rt], rules=TIMING_RULES, tz="UTC") == []


# --- R9 / R11: MRI from the suspicion ----------------------------------------------------------

@pytest.mark.parametrize(
    ("mscc", "spinal", "after_suspicion", "expected"),
    [
        (True, True, 23 * H, []),
        (True, True, 25 * H, [("R9", Severity.HARD)]),
        (False, True, 25 * H, []),  # without MSCC the week of R11 applies
        (False, True, 7 * D, []),
        (False, True, 7 * D + M, [("R11", Severity.SOFT)]),
        (False, False, 30 * D, []),  # no spinal lesion: neither clock runs
        (True, True, 8 * D, [("R9", Severity.HARD)]),  # MSCC: R9 only, not R11 as well
    ],
)
def test_mri_clocks_from_the_suspicion(mscc, spinal, after_suspicion, expected):
    mri = bk("mri", "mri_whole_spine", EVENT + after_suspicion, minutes=45)
    the_clock = clock(mscc=mscc, spinal=spinal, plan=("mri_whole_spine",))
    assert found([mri], the_clock) == expected


def test_a_clock_only_measures_the_plan_it_belongs_to():
    rt = bk("rt", "radiotherapy", EVENT + 5 * D, plan="other-plan")
    assert found([rt], clock()) == []


# --- deadlines, windows and verdicts ------------------------------------------------------------

def test_deadlines_say_what_must_start_by_when_and_from_which_event():
    [deadline] = deadlines(rules=TIMING_RULES, clocks=[clock()])
    assert (deadline.rule_id, deadline.due) == ("R10", EVENT + 24 * H)
    assert deadline.describe("UTC") == (
        "radiotherapy must start by Thu 10 Jan 2030 08:00 (1 day after the decision to treat, "
        "recorded Wed 09 Jan 2030 08:00)")
    assert not deadline.missed(EVENT + 24 * H)
    assert deadline.missed(EVENT + 24 * H + M)


def test_window_bounds_narrow_the_procedure_to_its_deadline_until_it_is_missed():
    running = deadlines(rules=TIMING_RULES, clocks=[clock()])
    assert window_bounds(procedure_type="radiotherapy", plan_id="plan", deadlines_=running,
                         now=EVENT) == (None, EVENT + 24 * H, ["R10-mscc-rt"])
    assert window_bounds(procedure_type="surgery", plan_id="plan", deadlines_=running,
                         now=EVENT)[2] == []
    assert window_bounds(procedure_type="radiotherapy", plan_id="plan", deadlines_=running,
                         now=EVENT + 2 * D)[2] == []


@pytest.mark.parametrize(
    ("the_clock", "bookings", "statuses"),
    [
        (clock(mscc=False), [], {"R9": "not_applicable", "R10": "not_applicable",
                                 "R11": "not_applicable"}),
        (clock(), [], {"R9": "not_applicable", "R10": "pending", "R11": "not_applicable"}),
        (clock(), [bk("rt", "radiotherapy", EVENT + H)],
         {"R9": "not_applicable", "R10": "satisfied", "R11": "not_applicable"}),
        (clock(), [bk("rt", "radiotherapy", EVENT + 3 * D)],
         {"R9": "not_applicable", "R10": "violated", "R11": "not_applicable"}),
    ],
)
def test_every_clock_rule_gets_a_verdict_with_its_reason(the_clock, bookings, statuses):
    violations = evaluate(bookings=bookings, rules=TIMING_RULES, tz="UTC",
                          context=EngineContext(clocks=(the_clock,)))
    verdicts = clock_verdicts(rules=TIMING_RULES, clock=the_clock,
                              occurrences=occurrences_from_bookings(bookings),
                              violations=violations, tz="UTC")
    assert {v.rule_id: v.status.value for v in verdicts} == statuses
    assert all(v.reason for v in verdicts if v.status == VerdictStatus.NOT_APPLICABLE)


def test_a_not_applicable_clock_says_why():
    verdicts = clock_verdicts(rules=TIMING_RULES, clock=clock(plan=("surgery", "radiotherapy")),
                              occurrences=[], violations=[], tz="UTC")
    r10 = next(v for v in verdicts if v.rule_id == "R10")
    assert "not for surgery" in r10.reason
