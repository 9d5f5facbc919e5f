"""Agenda ordering, reorder validation, time budget and roll-forward at close; carried-over
items keep their place (issue 11, item 8). No database."""

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


# --- where an item goes on its agenda ------------------------------------------------------------


def item(item_id: int, priority: str = "routine", carried: bool = False) -> ItemInfo:
    return ItemInfo(item_id=item_id, position=item_id, priority=priority, carried=carried)


U, R = "urgent", "routine"


@pytest.mark.parametrize(("agenda", "priority", "carried", "expected"), [
    # the bug: a carried-over routine case landed behind a new routine case already listed
    ([item(0, R)], R, True, 0),
    ([item(0, R)], R, False, 1),
    # urgency first: a carried routine case still follows every urgent one
    ([item(0, U), item(1, R)], R, True, 1),
    ([item(0, U), item(1, U, carried=True), item(2, R)], U, True, 2),
    # carried-over items keep their original order among themselves
    ([item(0, R, carried=True), item(1, R)], R, True, 1),
    ([item(0, R, carried=True), item(1, R, carried=True), item(2, R)], R, True, 2),
    # a new case goes after every case of its urgency, carried or not
    ([item(0, R, carried=True), item(1, R)], R, False, 2),
    ([item(0, U), item(1, R, carried=True)], U, False, 1),
    # an emergency leads, carried or not
    ([item(0, U, carried=True), item(1, R)], "emergency", False, 0),
    ([], R, True, 0),
])
def test_carried_over_items_go_ahead_of_new_ones_of_the_same_urgency(agenda, priority, carried,
                                                                     expected):
    assert insert_position(agenda, priority, carried=carried) == expected
