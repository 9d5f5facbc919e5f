"""The booking board's pure parts (scheduling/domain/board.py): where a start falls against
each rule's window, and the order a plan's procedures are booked in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduling.domain.board import RuleBand, SlotStatus, Step, booking_order, slot_verdict
from scheduling.domain.rules import StartWindow
from scheduling.domain.types import Severity

T0 = datetime(2030, 1, 7, 8, tzinfo=UTC)
H = timedelta(hours=1)


def band(rule_id, severity, lo, hi, preferred=None):
    return RuleBand(rule_id=rule_id, rule_code=f"{rule_id}-x", severity=severity,
                    windows=(StartWindow(T0 + lo * H, T0 + hi * H),),
                    preferred=(StartWindow(T0 + preferred[0] * H, T0 + preferred[1] * H),)
                    if preferred else None)


BANDS = [band("R1", Severity.SOFT, 0, 48, preferred=(0, 24)), band("R1", Severity.HARD, 0, 72),
         band("R2", Severity.HARD, 0, 1000)]


def test_a_start_inside_every_preferred_window_is_preferred():
    assert slot_verdict(T0 + 2 * H, BANDS).status == SlotStatus.PREFERRED


def test_outside_a_preferred_window_but_inside_the_rules_is_allowed_naming_the_rule():
    verdict = slot_verdict(T0 + 30 * H, BANDS)
    assert (verdict.status, verdict.rule_ids) == (SlotStatus.ALLOWED, ("R1",))


def test_outside_a_soft_window_is_a_warning_naming_the_rule():
    verdict = slot_verdict(T0 + 50 * H, BANDS)
    assert (verdict.status, verdict.rule_ids) == (SlotStatus.WARNING, ("R1",))


def test_outside_a_hard_window_is_refused_naming_every_hard_rule_broken():
    assert slot_verdict(T0 + 73 * H, BANDS).rule_ids == ("R1",)
    verdict = slot_verdict(T0 - H, BANDS)
    assert (verdict.status, verdict.rule_ids) == (SlotStatus.REFUSED, ("R1", "R2"))


def test_no_rule_binding_the_start_is_allowed_without_rules():
    verdict = slot_verdict(T0, [])
    assert (verdict.status, verdict.rule_ids) == (SlotStatus.ALLOWED, ())


def test_an_empty_hard_window_refuses_every_start():
    empty = RuleBand(rule_id="R9", rule_code="R9-x", severity=Severity.HARD, windows=())
    assert slot_verdict(T0, [empty]).status == SlotStatus.REFUSED


def test_a_procedure_that_prepares_another_comes_before_it():
    steps = [Step("surgery", 1), Step("rt", 2), Step("emb", 3, prepares_id="surgery")]
    assert booking_order(steps) == ["emb", "surgery", "rt"]


def test_without_links_the_plan_sequence_is_kept_and_a_cycle_does_not_hang():
    assert booking_order([Step("b", 2), Step("a", 1)]) == ["a", "b"]
    cycle = [Step("a", 1, prepares_id="b"), Step("b", 2, prepares_id="a")]
    assert sorted(booking_order(cycle)) == ["a", "b"]
