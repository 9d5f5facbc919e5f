"""Agenda ordering, reorder validation, time budget and roll-forward at close. No database."""

from __future__ import annotations

import pytest

from boardsvc.domain.agenda import (
    AgendaRuleError,
    ItemInfo,
    close_outcomes,
    insert_position,
    minutes_used,
    validate_reorder,
)


def test_an_urgent_item_goes_after_other_urgent_items_but_before_routine_ones():
    items = [ItemInfo(1, 0, "urgent"), ItemInfo(2, 1, "routine"), ItemInfo(3, 2, "routine")]
    assert insert_position(items, "urgent") == 1
    assert insert_position(items, "routine") == 3
    assert insert_position(items, "emergency") == 0
    assert insert_position([], "routine") == 0


@pytest.mark.parametrize(("requested", "rule"), [
    ([1, 1, 2], "unique"),
    ([1, 2, 3, 4], "unknown_item"),
    ([1, 2], "incomplete"),
])
def test_reorder_must_name_every_item_once(requested, rule):
    with pytest.raises(AgendaRuleError) as excinfo:
        validate_reorder([1, 2, 3], requested)
    assert excinfo.value.rule == rule
    assert excinfo.value.field == "items"


def test_a_full_permutation_is_accepted():
    validate_reorder([1, 2, 3], [3, 1, 2])


def test_moved_items_free_their_minutes():
    assert minutes_used([(5, "pending"), (10, "discussed"), (10, "rolled_forward"),
                         (5, "deferred"), (5, "standard_of_care")]) == 20


def test_at_close_undiscussed_items_roll_forward_and_standard_of_care_items_end_listed():
    items = [
        ItemInfo(1, 0, "routine", outcome="discussed"),
        ItemInfo(2, 1, "routine"),
        ItemInfo(3, 2, "routine", standard_of_care=True),
        ItemInfo(4, 3, "urgent", purpose="ratification"),
        ItemInfo(5, 4, "routine", outcome="deferred"),
    ]
    assert close_outcomes(items) == {2: "rolled_forward", 3: "standard_of_care",
                                     4: "rolled_forward"}
