"""ClosedTime: "is any closed time inside [s, e)?", as the solver's checker and the series pass
ask it, against the plain reading of the intervals."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scheduling.domain.closed_time import ClosedTime

spans = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 30)).map(lambda p: (p[0], p[0] + p[1])),
                 max_size=8)


def test_a_long_closure_is_seen_past_the_short_ones_after_it():
    closed = ClosedTime([(20, 22), (0, 100), (30, 31)])
    assert closed.overlaps(50, 60)
    assert closed.overlaps(99, 120)
    assert not closed.overlaps(100, 120)


def test_touching_ends_do_not_overlap():
    closed = ClosedTime([(10, 20)])
    assert not closed.overlaps(0, 10)
    assert not closed.overlaps(20, 30)
    assert closed.overlaps(19, 20)
    assert not closed.overlaps(15, 15)


@given(spans, st.integers(0, 100), st.integers(0, 40))
def test_it_agrees_with_the_plain_reading(closed, s, length):
    e = s + length
    plain = length > 0 and any(a < e and b > s for a, b in closed)
    assert ClosedTime(closed).overlaps(s, e) == plain
