"""Property test: random book / move / cancel sequences through the admission gate keep the
invariants after every step: no overlap per resource, and no hard timing rule broken by an
accepted change (so, starting empty, never any hard violation at all)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from scheduling.domain.admission import admit, resource_overlaps
from scheduling.domain.catalogue import DEFAULT_RULES
from scheduling.domain.errors import HardRuleViolation, SlotTaken
from scheduling.domain.rules import evaluate
from scheduling.domain.types import BookingView, Severity

T0 = datetime(2030, 1, 7, 7, tzinfo=UTC)
STEP = timedelta(minutes=30)
PROCEDURES = {
    "emb-preop": ("embolization", "pre_operative", "angio"),
    "emb-pall": ("embolization", "palliative", "angio"),
    "surgery": ("surgery", "", "or"),
    "rfa": ("rfa", "", "ct"),
    "vp": ("vertebroplasty", "", "ct"),
    "rt": ("radiotherapy", "", "linac"),
}


class BookingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.bookings: dict[str, BookingView] = {}
        self.counter = 0
        self.refusals = 0

    def _try(self, after: list[BookingView]) -> bool:
        try:
            admit(before=list(self.bookings.values()), after=after, rules=DEFAULT_RULES, tz="UTC")
        except (SlotTaken, HardRuleViolation):
            self.refusals += 1
            return False
        self.bookings = {b.booking_id: b for b in after}
        return True

    @rule(
        key=st.sampled_from(sorted(PROCEDURES)),
        lesion=st.sampled_from(["L1", "L2"]),
        slot=st.integers(min_value=0, max_value=24 * 8),  # half-hours over 4 days
        length=st.integers(min_value=1, max_value=8),
        second_resource=st.booleans(),
    )
    def book(self, key, lesion, slot, length, second_resource):
        ptype, purpose, room = PROCEDURES[key]
        self.counter += 1
        start = T0 + slot * STEP
        new = BookingView(
            booking_id=f"b{self.counter}", procedure_id=f"p{self.counter}", procedure_type=ptype,
            resource_id=f"{room}-{int(second_resource)}", start=start, end=start + length * STEP,
            patient_id="P", lesion_id=lesion, purpose=purpose,
        )
        self._try([*self.bookings.values(), new])

    @precondition(lambda self: bool(self.bookings))
    @rule(data=st.data(), shift=st.integers(min_value=-48, max_value=48))
    def move(self, data, shift):
        key = data.draw(st.sampled_from(sorted(self.bookings)))
        moved = self.bookings[key]
        moved = replace(moved, start=moved.start + shift * STEP, end=moved.end + shift * STEP)
        self._try([moved if b.booking_id == key else b for b in self.bookings.values()])

    @precondition(lambda self: bool(self.bookings))
    @rule(data=st.data())
    def cancel(self, data):
        key = data.draw(st.sampled_from(sorted(self.bookings)))
        self._try([b for b in self.bookings.values() if b.booking_id != key])

    @invariant()
    def no_two_active_bookings_overlap_on_a_resource(self):
        assert resource_overlaps(self.bookings.values()) == []

    @invariant()
    def no_hard_rule_is_broken(self):
        found = evaluate(bookings=list(self.bookings.values()), rules=DEFAULT_RULES, tz="UTC")
        assert [v for v in found if v.severity == Severity.HARD] == []


BookingMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestBookingStateMachine = BookingMachine.TestCase


def test_the_gate_refuses_an_overlap_and_a_hard_breach():
    emb = BookingView("e", "pe", "embolization", "angio", T0, T0 + 2 * STEP, patient_id="P",
                      lesion_id="L", purpose="pre_operative")
    clash = replace(emb, booking_id="x", procedure_id="px")
    late = BookingView("s", "ps", "surgery", "or", T0 + timedelta(days=4),
                       T0 + timedelta(days=4, hours=3), patient_id="P", lesion_id="L")
    with pytest.raises(SlotTaken):
        admit(before=[emb], after=[emb, clash], rules=DEFAULT_RULES, tz="UTC")
    with pytest.raises(HardRuleViolation) as refused:
        admit(before=[emb], after=[emb, late], rules=DEFAULT_RULES, tz="UTC")
    assert [v.rule_code for v in refused.value.violations] == ["R1-window-hard"]
