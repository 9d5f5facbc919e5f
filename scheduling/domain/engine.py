"""The timing-rules engine with what it needs beyond the bookings, pure and deterministic.

``rules.evaluate`` judges bookings against each other (R1-R8, R17, R18). Some rules need facts
that are not bookings; this module adds them and is what the booking services, the re-check,
the booking preview and the plan validation call:

- **case-event clocks** (R9-R11, domain/clocks.py): deadlines from the MSCC suspicion or the
  decision to treat, with ``now`` to tell a deadline still ahead from one already missed;
- **radiotherapy courses** (R17, domain/courses.py): each linac's closed days (closures, public
  holidays), so a course that skips a holiday is on consecutive working days, and the planned
  total dose, so 25 Gy/5 is told apart from 20 Gy/5. A course's days off are the days on which
  *none* of the linacs it is booked on opens: a fraction moved to a second linac on the first
  one's service day is on a working day (the waiting list's proposals read days off the same
  way).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from . import rules as rules_engine
from .clocks import CaseClock, clock_violations
from .courses import course_violations
from .types import BookingView, RuleKind, TimingRuleSpec, Violation


@dataclass(frozen=True)
class EngineContext:
    """Facts about the patient's plans that are not bookings (empty: bookings alone)."""

    clocks: tuple[CaseClock, ...] = ()
    # resource id -> local dates on which it has no open time (R17), for the linacs booked
    closed_days: Mapping[str, frozenset[date]] = field(default_factory=dict)
    now: datetime | None = None

    def course_days_off(self, resource_ids: Iterable[str]) -> frozenset[date]:
        """The days a course booked on ``resource_ids`` skips: those none of them opens."""
        sets = [self.closed_days.get(r, frozenset()) for r in set(resource_ids)]
        return frozenset.intersection(*sets) if sets else frozenset()


EMPTY = EngineContext()


def _rule_order(rule_id: str) -> tuple[int, str]:
    digits = "".join(ch for ch in rule_id if ch.isdigit())
    return (int(digits) if digits else 999, rule_id)


def evaluate(
    *,
    bookings: Iterable[BookingView],
    rules: Iterable[TimingRuleSpec],
    history: Iterable[BookingView] = (),
    tz: str = rules_engine.DEFAULT_TZ,
    context: EngineContext = EMPTY,
) -> list[Violation]:
    """``rules.evaluate`` plus the clocks and the courses' closures and doses of ``context``.

    Same contract: a violation is reported only if one of the bookings it names is in
    ``bookings``; sorted by rule id, rule code, then bookings; one violation per key.
    """
    own = list(bookings)
    own_ids = {b.booking_id for b in own}
    merged = own + [h for h in history if h.booking_id not in own_ids]
    specs = [r for r in rules if r.active]
    # R17 is judged here, with the closed days and the doses rules.evaluate does not have.
    plain = [r for r in specs if r.kind != RuleKind.FRACTIONATION]
    found = list(rules_engine.evaluate(bookings=own, rules=plain, history=merged, tz=tz))
    occs = rules_engine.occurrences_from_bookings(merged)
    doses = {b.procedure_id: b.planned_dose_gy for b in merged
             if b.active and b.planned_dose_gy is not None}
    resource_of = {b.booking_id: b.resource_id for b in merged}
    for rule in specs:
        if rule.kind != RuleKind.FRACTIONATION:
            continue
        for occ in occs:
            off = context.course_days_off(resource_of[b] for b in occ.booking_ids
                                          if b in resource_of)
            found.extend(course_violations(rule=rule, occurrences=(occ,), tz=tz, closed=off,
                                           doses=doses))
    found.extend(clock_violations(occurrences=occs, rules=specs, clocks=context.clocks,
                                  now=context.now, tz=tz))
    relevant = [v for v in found if own_ids.intersection(v.booking_ids)]
    unique = {v.key: v for v in relevant}
    return sorted(unique.values(), key=lambda v: (_rule_order(v.rule_id), v.rule_code, v.key))
