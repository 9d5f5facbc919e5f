"""Agenda rules: ordering, time budget, what happens to each item at close (pure Python).

NHS England "Streamlining MDT Meetings" (2020): every patient stays *listed*; cases that meet a
standard of care (SoC) are listed but not discussed. SmartHealth-style "Finish Meeting": items not
discussed at close roll forward to the next meeting (the original item keeps the outcome
"rolled forward" so the history shows it). A carried-over item goes ahead of new items of the
same urgency on its new agenda, so a case cannot slip behind newer ones week after week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cases.domain.codes import Urgency

from .codes import COUNTING_OUTCOMES, ItemOutcome, ItemPurpose
from .errors import BoardRuleError

_PRIORITY_RANK: dict[str, int] = {Urgency.EMERGENCY: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}


class AgendaRuleError(BoardRuleError):
    """An agenda change breaks a rule (400); ``field`` and ``rule`` name it for the API."""

    def __init__(self, message: str, *, field: str, rule: str) -> None:
        super().__init__(message, field=field, rule=rule)


@dataclass(frozen=True)
class ItemInfo:
    item_id: int
    position: int
    priority: str  # an Urgency value: emergency | urgent | routine
    outcome: str = ItemOutcome.PENDING
    standard_of_care: bool = False
    purpose: str = ItemPurpose.DISCUSSION
    carried: bool = False  # rolled forward from an earlier meeting


def _order_key(priority: str, carried: bool) -> tuple[int, int]:
    return _PRIORITY_RANK.get(priority, 2), 0 if carried else 1


def insert_position(items: Sequence[ItemInfo], priority: str, *, carried: bool = False) -> int:
    """Where a new pending item goes: urgency first, then carried-over before new, then the
    order in which items arrived.

    The item goes after every item of higher urgency, and after every item of the same urgency
    that is carried over too (or, for a new item, after every item of the same urgency), so
    urgent cases are discussed first (R13: late additions are urgent ones) and a carried-over
    case goes ahead of new routine ones. Returns a 0-based index into the agenda ordered by
    position.
    """
    key = _order_key(priority, carried)
    ordered = sorted(items, key=lambda i: (i.position, i.item_id))
    index = 0
    for i, item in enumerate(ordered):
        if _order_key(item.priority, item.carried) <= key:
            index = i + 1
    return index


def validate_reorder(current_ids: Sequence[object], requested_ids: Sequence[object]) -> None:
    """A reorder must list every item of the agenda exactly once.

    Raises AgendaRuleError (field ``items``) for a duplicate, a missing or an unknown item.
    """
    if len(set(requested_ids)) != len(requested_ids):
        raise AgendaRuleError("Each agenda item may appear only once.", field="items",
                              rule="unique")
    current, requested = set(current_ids), set(requested_ids)
    if requested - current:
        raise AgendaRuleError("The list names items that are not on this agenda.",
                              field="items", rule="unknown_item")
    if current - requested:
        raise AgendaRuleError("The list must contain every item of the agenda.",
                              field="items", rule="incomplete")


def minutes_used(allotted: Sequence[tuple[int, str]]) -> int:
    """Minutes taken by items that still count against capacity: (minutes, outcome) pairs.

    Items moved away (deferred, rolled forward, withdrawn) free their time.
    """
    return sum(m for m, outcome in allotted if outcome in COUNTING_OUTCOMES)


def close_outcomes(items: Sequence[ItemInfo]) -> dict[int, str]:
    """The outcome each still-pending item gets when the meeting closes.

    Standard-of-care items were listed, not discussed, by design: they end as "standard of
    care". Every other pending item (discussion or ratification) was not reached and rolls
    forward. Items already settled keep their outcome and are not in the result.
    """
    out: dict[int, str] = {}
    for item in items:
        if item.outcome != ItemOutcome.PENDING:
            continue
        if item.standard_of_care and item.purpose == ItemPurpose.DISCUSSION:
            out[item.item_id] = ItemOutcome.STANDARD_OF_CARE
        else:
            out[item.item_id] = ItemOutcome.ROLLED_FORWARD
    return out
