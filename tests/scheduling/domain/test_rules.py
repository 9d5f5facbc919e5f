"""The timing rules R1-R8, R17, R18 (clinical-rules.md §1), table-driven, no database.

Each LAG rule is probed inside, exactly at, and one minute beyond each bound; anchors and
same-lesion scoping have their own tables.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduling.domain.catalogue import DEFAULT_RULES
from scheduling.domain.rules import add_months, evaluate, humanize, new_hard_violations
from scheduling.domain.types import Anchor, BookingView, RuleKind, Scope, Severity, TimingRuleSpec

T0 = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)  # a Monday
M = timedelta(minutes=1)
H = timedelta(hours=1)
D = timedelta(days=1)


def bk(bid: str, ptype: str, start: datetime, length: timedelta = 2 * H, *, proc: str | None = None,
       lesion: str | None = "L1", patient: str = "P1", purpose: str = "",
       fractions: int | None = None, status: str = "booked") -> BookingView:
    return BookingView(
        booking_id=bid, procedure_id=proc or f"proc-{bid}", procedure_type=ptype,
        resource_id="R", start=start, end=start + length, status=status, patient_id=patient,
        lesion_id=lesion, plan_id="plan", purpose=purpose, planned_fractions=fractions,
    )


def codes(bookings, rules=DEFAULT_RULES, **kwargs) -> list[str]:
    return sorted(v.rule_code for v in evaluate(bookings=bookings, rules=rules, **kwargs))


EMB_END = T0 + 2 * H  # the embolization below runs 08:00-10:00 UTC


def preop_emb(**kw):
    return bk("emb", "embolization", T0, purpose="pre_operative", **kw)


# --- R1 / R2: pre-operative embolization → surgery ------------------------------------------------

@pytest.mark.parametrize(
    ("lag", "expected"),
    [
        (timedelta(0), []),  # same session: ideal
        (3 * H, []),  # same day
        (24 * H, []),  # next day, the preferred bound
        (48 * H, []),  # exactly at the soft maximum
        (48 * H + M, ["R1-window-soft"]),  # one minute beyond: warn
        (72 * H, ["R1-window-soft"]),  # exactly at the hard cap: still only a warning
        (72 * H + M, ["R1-window-hard", "R1-window-soft"]),  # beyond the hard cap: refuse
        (-M, ["R2-order"]),  # surgery starts before the embolization has ended
        (-5 * H, ["R2-order"]),  # surgery before the embolization started
    ],
)
def test_r1_r2_surgery_window_after_preoperative_embolization(lag, expected):
    surgery = bk("surg", "surgery", EMB_END + lag, 3 * H)
    assert codes([preop_emb(), surgery]) == expected


def test_r1_only_applies_to_preoperative_embolization():
    palliative = bk("emb", "embolization", T0, purpose="palliative")
    late_surgery = bk("surg", "surgery", EMB_END + 10 * D)
    assert codes([palliative, late_surgery]) == []


def test_r1_reports_how_late_and_why_in_plain_english():
    surgery = bk("surg", "surgery", EMB_END + 60 * H)
    [violation] = evaluate(bookings=[preop_emb(), surgery], rules=DEFAULT_RULES)
    assert violation.rule_id == "R1"
    assert violation.severity == Severity.SOFT
    assert violation.off_by == 12 * H
    assert set(violation.booking_ids) == {"emb", "surg"}
    assert "12 hours too late" in violation.message
    assert "revascularization" in violation.message  # the rationale is part of the sentence


# --- R3: embolization → thermal ablation -----------------------------------------------------------

@pytest.mark.parametrize("ablation", ["rfa", "mwa", "cryoablation"])
@pytest.mark.parametrize(
    ("lag", "expected"),
    [
        (timedelta(0), []),
        (12 * H, []),
        (24 * H, []),
        (24 * H + M, ["R3-ablation-after-embolization"]),
        (-M, ["R3-ablation-after-embolization"]),  # ablation before embolization ends
    ],
)
def test_r3_ablation_as_soon_as_possible_after_embolization(ablation, lag, expected):
    emb = bk("emb", "embolization", T0)
    abl = bk("abl", ablation, EMB_END + lag)
    assert codes([emb, abl]) == expected


# --- R4: RT course ends before embolization -----------------------------------------------------

def rt_course(first_day: datetime, n: int, proc: str = "rt") -> list[BookingView]:
    """n daily fractions Monday onwards (15 min each), one procedure."""
    out, day = [], first_day
    for k in range(n):
        while day.weekday() >= 5:
            day += D
        out.append(bk(f"{proc}-f{k + 1}", "radiotherapy", day, 15 * M, proc=proc, fractions=n))
        day += D
    return out


@pytest.mark.parametrize(
    ("emb_start_after_rt_end", "expected"),
    [
        (timedelta(0), []),  # straight after the last fraction
        (3 * D, []),
        (28 * D, []),  # at the soft maximum gap
        (28 * D + M, ["R4-gap"]),  # re-discuss
        (-M, ["R4-rt-before-embolization"]),  # overlaps the last fraction: hard
        (-3 * D, ["R4-rt-before-embolization"]),  # during the course
    ],
)
def test_r4_radiotherapy_course_ends_before_embolization(emb_start_after_rt_end, expected):
    course = rt_course(T0, 5)
    rt_end = course[-1].end
    emb = bk("emb", "embolization", rt_end + emb_start_after_rt_end)
    assert codes([*course, emb]) == expected


def test_r4_uses_the_last_fraction_as_the_end_anchor():
    course = rt_course(T0, 5)
    emb = bk("emb", "embolization", course[-1].start - M)
    [violation] = evaluate(bookings=[*course, emb], rules=DEFAULT_RULES)
    assert violation.rule_code == "R4-rt-before-embolization"
    assert violation.booking_ids == ("rt-f5", "emb")


# --- R5: ablation + cementoplasty same session --------------------------------------------------

@pytest.mark.parametrize(
    ("lag", "expected"),
    [
        (timedelta(0), []),
        (12 * H, []),
        (12 * H + M, ["R5-same-session"]),
        (-M, ["R5-same-session"]),  # cement before the ablation finished
    ],
)
def test_r5_ablation_then_cement_in_the_same_session(lag, expected):
    abl = bk("abl", "rfa", T0, 90 * M)
    vp = bk("vp", "vertebroplasty", T0 + 90 * M + lag)
    assert codes([abl, vp]) == expected


# --- R6: vertebroplasty ↔ RT within 14 days, either order ---------------------------------------

@pytest.mark.parametrize(
    ("first", "second", "gap", "expected"),
    [
        ("vertebroplasty", "radiotherapy", 14 * D, []),
        ("vertebroplasty", "radiotherapy", 14 * D + M, ["R6-vp-rt"]),
        ("radiotherapy", "vertebroplasty", 14 * D, []),
        ("radiotherapy", "vertebroplasty", 14 * D + M, ["R6-vp-rt"]),
        ("vertebroplasty", "radiotherapy", timedelta(0), []),
    ],
)
def test_r6_vertebroplasty_and_radiotherapy_within_14_days_in_either_order(first, second, gap,
                                                                           expected):
    a = bk("a", first, T0, H)
    b = bk("b", second, T0 + H + gap, H)
    assert codes([a, b]) == expected


# --- R7 / R18: repeats ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("procedure", "code"),
    [("embolization", "R7-repeat-embolization"), ("radiotherapy", "R18-re-irradiation")],
)
@pytest.mark.parametrize(
    ("gap", "broken"), [(30 * D, False), (45 * D, False), (30 * D - M, True), (2 * D, True)]
)
def test_r7_r18_repeat_not_before_one_month(procedure, code, gap, broken):
    first = bk("first", procedure, T0, H, proc="p1")
    second = bk("second", procedure, T0 + H + gap, H, proc="p2")
    found = [c for c in codes([first, second]) if c == code]
    assert found == ([code] if broken else [])  # reported once, never in both directions


def test_r7_reads_the_patients_history_but_reports_only_pairs_involving_the_plan():
    old_a = bk("old-a", "embolization", T0 - 40 * D, H, proc="x1")
    old_b = bk("old-b", "embolization", T0 - 35 * D, H, proc="x2")  # history-only breach
    new = bk("new", "embolization", T0, H, proc="x3")  # 35 days after old-b: fine
    assert codes([new], history=[old_a, old_b]) == []
    too_soon = bk("new", "embolization", T0 - 20 * D, H, proc="x3")
    violations = evaluate(bookings=[too_soon], rules=DEFAULT_RULES, history=[old_a, old_b])
    assert {v.rule_code for v in violations} == {"R7-repeat-embolization"}
    assert all("new" in v.booking_ids for v in violations)


# --- R8: follow-up CT at 3, 6 and 12 months ± 14 days --------------------------------------------

@pytest.mark.parametrize(
    ("months", "shift", "expected"),
    [
        (3, timedelta(0), []),
        (3, 14 * D, []),
        (3, -14 * D, []),
        (3, 14 * D + M, ["R8-follow-up-ct"]),
        (6, timedelta(0), []),
        (12, -14 * D, []),
        (12, -15 * D, ["R8-follow-up-ct"]),
    ],
)
def test_r8_follow_up_ct_windows_after_embolization(months, shift, expected):
    emb = bk("emb", "embolization", T0)
    base = EMB_END
    target = datetime.combine(add_months(base.date(), months), base.timetz())
    ct = bk("ct", "follow_up_ct", target + shift, 20 * M)
    assert codes([emb, ct], tz="UTC") == expected


# --- R17: fractions on consecutive working days ---------------------------------------------------

def test_r17_a_course_over_a_weekend_on_consecutive_working_days_is_fine():
    course = rt_course(T0 + 3 * D, 5)  # Thursday, Friday, Monday, Tuesday, Wednesday
    assert codes(course, tz="UTC") == []


@pytest.mark.parametrize(
    ("day_offsets", "planned", "fragment"),
    [
        ((0, 2), 5, "instead of the next working day"),  # Monday then Wednesday
        ((0, 0), 5, "two fractions on"),
        ((0, 1, 2), 2, "3 fractions booked for a course planned as 2"),
    ],
)
def test_r17_gaps_duplicates_and_extra_fractions_are_flagged(day_offsets, planned, fragment):
    course = [bk(f"f{i}", "radiotherapy", T0 + d * D + i * M, 15 * M, proc="rt", fractions=planned)
              for i, d in enumerate(day_offsets)]
    [violation] = evaluate(bookings=course, rules=DEFAULT_RULES, tz="UTC")
    assert violation.rule_id == "R17"
    assert fragment in violation.message


# --- scoping, anchors, statuses -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("lesion_a", "lesion_b", "broken", "note"),
    [
        ("L1", "L1", True, ""),
        ("L1", "L2", False, ""),
        # A missing target never hides the rule: it applies at patient scope, and says so
        # (issue 11, item 3; domain/scope.py and tests/scheduling/domain/test_scope.py).
        (None, None, True, "neither the embolization nor the surgery has a target lesion"),
        ("L1", None, True, "the surgery has no target lesion"),
    ],
)
def test_same_lesion_rules_need_the_same_lesion_or_apply_at_patient_scope(
        lesion_a, lesion_b, broken, note):
    emb = bk("emb", "embolization", T0, lesion=lesion_a, purpose="pre_operative")
    surgery = bk("surg", "surgery", EMB_END + 60 * H, lesion=lesion_b)
    found = evaluate(bookings=[emb, surgery], rules=DEFAULT_RULES)
    assert (found != []) is broken
    assert all(v.scope_note == (f"applied at patient scope: {note}" if note else "")
               for v in found)


def test_rules_never_relate_two_patients():
    rule = TimingRuleSpec(
        code="x", rule_id="RX", kind=RuleKind.LAG, from_procedures=frozenset({"embolization"}),
        to_procedures=frozenset({"surgery"}), severity=Severity.SOFT, scope=Scope.SAME_PATIENT,
        rationale="r", max_lag=H,
    )
    emb = bk("emb", "embolization", T0, patient="P1", lesion=None)
    other = bk("surg", "surgery", T0 + 5 * D, patient="P2", lesion=None)
    same = bk("surg2", "surgery", T0 + 5 * D, patient="P1", lesion=None)
    assert codes([emb, other], rules=[rule]) == []
    assert codes([emb, same], rules=[rule]) == ["x"]


@pytest.mark.parametrize(
    ("from_anchor", "to_anchor", "expected_lag"),
    [
        (Anchor.START, Anchor.START, 5 * H),  # 08:00 → 13:00
        (Anchor.END, Anchor.START, 3 * H),  # 10:00 → 13:00
        (Anchor.START, Anchor.END, 8 * H),  # 08:00 → 16:00
        (Anchor.END, Anchor.END, 6 * H),  # 10:00 → 16:00
    ],
)
def test_anchors_choose_start_or_end_of_each_procedure(from_anchor, to_anchor, expected_lag):
    def rule(max_lag):
        return TimingRuleSpec(
            code="a", rule_id="RA", kind=RuleKind.LAG, from_procedures=frozenset({"embolization"}),
            to_procedures=frozenset({"surgery"}), severity=Severity.SOFT, scope=Scope.SAME_LESION,
            rationale="r", from_anchor=from_anchor, to_anchor=to_anchor, max_lag=max_lag)

    emb = bk("emb", "embolization", T0)  # 08:00-10:00
    surgery = bk("surg", "surgery", T0 + 5 * H, 3 * H)  # 13:00-16:00
    assert codes([emb, surgery], rules=[rule(expected_lag)]) == []
    assert codes([emb, surgery], rules=[rule(expected_lag - M)]) == ["a"]


def test_cancelled_bookings_and_inactive_rules_are_ignored():
    surgery = bk("surg", "surgery", EMB_END + 100 * H)
    cancelled = bk("emb", "embolization", T0, purpose="pre_operative", status="cancelled")
    assert codes([cancelled, surgery]) == []
    inactive = [TimingRuleSpec(**{**r.__dict__, "active": False}) for r in DEFAULT_RULES]
    assert codes([preop_emb(), surgery], rules=inactive) == []


def test_new_hard_violations_ignores_ones_that_existed_before():
    late = bk("surg", "surgery", EMB_END + 80 * H)
    before = evaluate(bookings=[preop_emb(), late], rules=DEFAULT_RULES)
    assert new_hard_violations(before, before) == []
    assert [v.rule_code for v in new_hard_violations([], before)] == ["R1-window-hard"]


def test_the_result_is_deterministic_and_sorted_by_rule():
    bookings = [preop_emb(), bk("surg", "surgery", T0 - 5 * H), bk("abl", "rfa", EMB_END + 3 * D)]
    first = evaluate(bookings=bookings, rules=DEFAULT_RULES)
    assert first == evaluate(bookings=list(reversed(bookings)), rules=DEFAULT_RULES)
    assert [v.rule_id for v in first] == sorted((v.rule_id for v in first),
                                                key=lambda r: int(r[1:]))


@pytest.mark.parametrize(
    ("delta", "text"),
    [(timedelta(0), "0 minutes"), (M, "1 minute"), (25 * H + 2 * M, "1 day 1 hour 2 minutes")],
)
def test_humanize_reads_as_english(delta, text):
    assert humanize(delta) == text


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(datetime(2030, 1, 31).date(), 1).isoformat() == "2030-02-28"
    assert add_months(datetime(2030, 11, 15).date(), 3).isoformat() == "2031-02-15"


def test_every_seeded_rule_cites_a_rule_id_and_a_rationale():
    ids = {r.rule_id for r in DEFAULT_RULES}
    assert ids == {"R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R17", "R18"}
    assert all(r.rationale and r.source for r in DEFAULT_RULES)
    assert len({r.code for r in DEFAULT_RULES}) == len(DEFAULT_RULES)
