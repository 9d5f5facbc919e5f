"""Whether a change to a patient's bookings may be accepted: the one gate every booking write
passes (services call it inside their transaction; the property tests drive it directly).

A change is refused when it makes two active bookings overlap on one resource (SlotTaken),
splits two procedures planned for one session (SameSessionRequired, domain/sessions.py) or
adds a hard timing-rule violation (HardRuleViolation). Soft violations are returned as warnings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from .engine import EMPTY, EngineContext, evaluate
from .errors import HardRuleViolation, SameSessionRequired, SlotTaken
from .rules import new_hard_violations
from .sessions import new_session_problems
from .types import BookingView, Severity, TimingRuleSpec, Violation


def resource_overlaps(bookings: Iterable[BookingView]) -> list[tuple[str, str]]:
    """Pairs of active bookings that overlap on the same resource ([start, end) half-open)."""
    by_resource: dict[str, list[BookingView]] = defaultdict(list)
    for b in bookings:
        if b.active:
            by_resource[b.resource_id].append(b)
    clashes = []
    for items in by_resource.values():
        items.sort(key=lambda b: (b.start, b.booking_id))
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                if b.start >= a.end:
                    break
                clashes.append((a.booking_id, b.booking_id))
    return clashes


def admit(
    *,
    before: Sequence[BookingView],
    after: Sequence[BookingView],
    rules: Sequence[TimingRuleSpec],
    tz: str,
    check_resources: bool = True,
    context: EngineContext = EMPTY,
) -> list[Violation]:
    """Accept ``before → after`` or raise. Returns the soft violations ``after`` leaves.

    ``check_resources=False`` when the caller relies on the database's no-overlap guard.
    ``context``: the case clocks (R9-R11), ``now`` and the linac's closed days (R17) the rules
    are judged with (domain/engine.py).
    Raises SlotTaken, SameSessionRequired, HardRuleViolation.
    """
    if check_resources:
        old = set(resource_overlaps(before))
        if any(pair not in old for pair in resource_overlaps(after)):
            raise SlotTaken()
    split = new_session_problems(before, after)
    if split:
        raise SameSessionRequired(" ".join(p.message for p in split), problems=split)
    previous = evaluate(bookings=before, rules=rules, tz=tz, context=context)
    current = evaluate(bookings=after, rules=rules, tz=tz, context=context)
    blocking = new_hard_violations(previous, current)
    if blocking:
        raise HardRuleViolation(blocking)
    return [v for v in current if v.severity == Severity.SOFT]
