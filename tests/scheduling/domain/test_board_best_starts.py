""""Best starts first" on the booking board (scheduling/domain/board.py ``best_starts``): refused
starts are left out; preferred before allowed before warning, then the earliest; at most five."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduling.domain.board import SlotStatus, SlotVerdict, best_starts

T0 = datetime(2030, 1, 7, 8, tzinfo=UTC)
H = timedelta(hours=1)


def _rank(slots, limit=5):
    return [name for name, _s, _v in best_starts(slots, start=lambda s: s[1],
                                                  verdict=lambda s: s[2], limit=limit)]


def v(status, *rules):
    return SlotVerdict(status, tuple(rules))


def test_preferred_before_allowed_before_warning_then_earliest_and_refused_left_out():
    slots = [
        ("warn-early", T0, v(SlotStatus.WARNING, "R1")),
        ("refused-earliest", T0 - H, v(SlotStatus.REFUSED, "R2")),
        ("allowed-late", T0 + 9 * H, v(SlotStatus.ALLOWED, "R1")),
        ("preferred-late", T0 + 8 * H, v(SlotStatus.PREFERRED, "R1")),
        ("preferred-early", T0 + 2 * H, v(SlotStatus.PREFERRED, "R1")),
        ("allowed-early", T0 + 1 * H, v(SlotStatus.ALLOWED)),
    ]
    assert _rank(slots) == ["preferred-early", "preferred-late", "allowed-early",
                            "allowed-late", "warn-early"]


def test_at_most_the_limit_and_ties_keep_their_order():
    slots = [(f"room{k}", T0, v(SlotStatus.ALLOWED)) for k in range(7)]
    assert _rank(slots) == ["room0", "room1", "room2", "room3", "room4"]
    assert _rank(slots, limit=2) == ["room0", "room1"]
    assert _rank(slots, limit=0) == []


def test_only_refused_starts_give_nothing():
    assert _rank([("x", T0, v(SlotStatus.REFUSED, "R1"))]) == []
