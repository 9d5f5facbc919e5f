"""The booking board's pure parts: the order a plan's procedures are booked in, what the
timing rules make of one free start before anything is clicked, and which starts are best
(``best_starts``: preferred, then allowed, then warning, earliest first; issue 13).

The windows come from ``rules.allowed_windows`` (one rule at a time, as the timeline draws them)
and the running clocks (``clocks.Deadline``); this module only says where a start falls:

- ``refused``: outside a hard rule's window (the booking service would refuse it);
- ``warning``: allowed, but outside a soft rule's window (the booking is recorded with a
  violation);
- ``preferred``: inside every rule's preferred window (a rule binds the start);
- ``allowed``: no rule is broken, but either no rule binds the start or it is outside a
  preferred window (the rules that prefer another time are named).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from .rules import StartWindow
from .types import Severity


class SlotStatus(StrEnum):
    PREFERRED = "preferred"
    ALLOWED = "allowed"
    WARNING = "warning"
    REFUSED = "refused"


@dataclass(frozen=True)
class RuleBand:
    """Where one rule lets the procedure start: ``windows`` (inclusive), with the rule's id,
    code and severity. ``preferred`` is the narrower band of its preferred lag, if it has one."""

    rule_id: str
    rule_code: str
    severity: Severity
    windows: tuple[StartWindow, ...]
    preferred: tuple[StartWindow, ...] | None = None


@dataclass(frozen=True)
class SlotVerdict:
    status: SlotStatus
    rule_ids: tuple[str, ...]


def _inside(moment: datetime, windows: Sequence[StartWindow]) -> bool:
    return any(w.earliest <= moment <= w.latest for w in windows)


def slot_verdict(start: datetime, bands: Sequence[RuleBand]) -> SlotVerdict:
    """What the rules in ``bands`` make of a start at ``start``: refused (the hard rules it
    breaks), warning (the soft ones), preferred or allowed (the rules preferring another
    time, if any). Rule ids are listed once each, in the order of ``bands``."""
    refused = [b.rule_id for b in bands
               if b.severity == Severity.HARD and not _inside(start, b.windows)]
    if refused:
        return SlotVerdict(SlotStatus.REFUSED, tuple(dict.fromkeys(refused)))
    warned = [b.rule_id for b in bands
              if b.severity == Severity.SOFT and not _inside(start, b.windows)]
    if warned:
        return SlotVerdict(SlotStatus.WARNING, tuple(dict.fromkeys(warned)))
    elsewhere = [b.rule_id for b in bands
                 if b.preferred is not None and not _inside(start, b.preferred)]
    if elsewhere:
        return SlotVerdict(SlotStatus.ALLOWED, tuple(dict.fromkeys(elsewhere)))
    if bands:
        return SlotVerdict(SlotStatus.PREFERRED, tuple(dict.fromkeys(b.rule_id for b in bands)))
    return SlotVerdict(SlotStatus.ALLOWED, ())


#: How good a verdict is for "best starts first": lower ranks first; refused starts are not ranked.
VERDICT_RANK: dict[SlotStatus, int] = {SlotStatus.PREFERRED: 0, SlotStatus.ALLOWED: 1,
                                       SlotStatus.WARNING: 2}
#: How many starts "Best starts for <procedure>" lists.
BEST_STARTS = 5

S = TypeVar("S")


def best_starts(slots: Sequence[S], *, start: Callable[[S], datetime],
                verdict: Callable[[S], SlotVerdict], limit: int = BEST_STARTS) -> list[S]:
    """The ``limit`` best of ``slots`` for a procedure: refused ones left out, then preferred
    before allowed before warning, then the earliest start first. Stable: slots that tie keep the
    order they were given in (the board gives them room by room)."""
    if limit <= 0:
        return []
    ranked = [s for s in slots if verdict(s).status in VERDICT_RANK]
    ranked.sort(key=lambda s: (VERDICT_RANK[verdict(s).status], start(s)))
    return ranked[:limit]


@dataclass(frozen=True)
class Step:
    """A plan's procedure as the order needs it: its id, its position in the plan and the
    procedure it prepares (a pre-operative embolization prepares its surgery)."""

    procedure_id: str
    sequence: int
    prepares_id: str | None = None


def booking_order(steps: Sequence[Step]) -> list[str]:
    """The procedures in the order the rules imply: the plan's sequence, except that a
    procedure that prepares another comes just before it (R1/R2: a pre-operative embolization
    before its surgery). Stable; a cycle of ``prepares`` links falls back to the sequence."""
    ordered = sorted(steps, key=lambda s: (s.sequence, s.procedure_id))
    known = {s.procedure_id for s in ordered}
    preparers: dict[str, list[Step]] = {}
    for s in ordered:
        if s.prepares_id in known and s.prepares_id != s.procedure_id:
            preparers.setdefault(s.prepares_id, []).append(s)
    out: list[str] = []
    seen: set[str] = set()

    def visit(step: Step) -> None:
        if step.procedure_id in seen:
            return
        seen.add(step.procedure_id)
        for before in preparers.get(step.procedure_id, []):
            visit(before)
        out.append(step.procedure_id)

    for step in ordered:
        visit(step)
    return out
