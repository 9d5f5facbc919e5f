"""Roll-forward keeps its place (issue 11, item 8) and meetings keep to the clock (item 9);
the MSCC deadlines the on-call people are sent (item 6). No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from boardsvc.domain.agenda import ItemInfo, insert_position
from boardsvc.domain.clock import (
    RULE_START_MARGIN,
    MeetingClockError,
    can_start,
    check_start,
    start_opens_at,
)
from boardsvc.domain.emergency import deadline_lines, mscc_deadlines
from boardsvc.domain.placement import CaseInfo, placement_order

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def item(item_id: int, priority: str = "routine", carried: bool = False) -> ItemInfo:
    return ItemInfo(item_id=item_id, position=item_id, priority=priority, carried=carried)


# --- where an item goes on its agenda -------------------------------------------------------------

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


def test_placement_order_is_urgency_then_carried_over_then_first_come():
    def info(cid: int, urgency: str, hours_ago: float, carried: int = 0) -> CaseInfo:
        return CaseInfo(cid, urgency, NOW - timedelta(hours=hours_ago), carry_count=carried)

    cases = [info(1, R, 10), info(2, R, 1, carried=1), info(3, U, 0.5), info(4, R, 5, carried=2),
             info(5, U, 2, carried=1)]
    assert [c.case_id for c in placement_order(cases)] == [5, 3, 4, 2, 1]


# --- the meeting clock ------------------------------------------------------------------------------

STARTS = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(("now", "margin", "allowed"), [
    (STARTS - timedelta(weeks=3), 60, False),  # decisions were recorded three weeks ahead
    (STARTS - timedelta(minutes=61), 60, False),
    (STARTS - timedelta(minutes=60), 60, True),
    (STARTS, 60, True),
    (STARTS + timedelta(hours=3), 60, True),  # a late start is still the meeting
    (STARTS - timedelta(minutes=1), 0, False),
    (STARTS - timedelta(hours=23), 1440, True),
])
def test_a_meeting_starts_from_its_margin_before_the_scheduled_start(now, margin, allowed):
    assert can_start(starts_at=STARTS, now=now, margin_minutes=margin) is allowed


def test_too_early_names_the_rule_and_when_it_opens():
    with pytest.raises(MeetingClockError) as excinfo:
        check_start(starts_at=STARTS, now=STARTS - timedelta(weeks=3), margin_minutes=60,
                    local_label="Tue 24 Nov 2026 13:00 Europe/Rome")
    assert excinfo.value.rule == RULE_START_MARGIN
    assert excinfo.value.opens_at == start_opens_at(STARTS, 60) == STARTS - timedelta(hours=1)
    assert "from Tue 24 Nov 2026 13:00 Europe/Rome, 60 minutes before" in str(excinfo.value)


def test_the_clock_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="aware"):
        can_start(starts_at=STARTS, now=datetime(2026, 1, 1), margin_minutes=60)


# --- the MSCC deadlines (R9-R12) ------------------------------------------------------------------

SUSPECTED = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # 03:30 in Rome


def test_the_deadlines_run_from_the_suspicion_and_the_meeting():
    meeting = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    deadlines = {(d.rule_id, d.action): d.due for d in mscc_deadlines(
        suspected_at=SUSPECTED, meeting_at=meeting)}
    assert deadlines[("R12", "Contact the MSCC coordinator")] == SUSPECTED
    assert deadlines[("R9", "Whole-spine MRI")] == SUSPECTED + timedelta(hours=24)
    assert deadlines[("R12", "Expert advice (spinal surgery / clinical oncology)")] == \
        SUSPECTED + timedelta(hours=24)
    assert deadlines[("R10", "Radiotherapy if not for surgery")] == meeting + timedelta(hours=24)
    assert not any(rule == "R11" for rule, _ in deadlines)


def test_site_hours_and_the_r11_fallback_without_neurology():
    deadlines = mscc_deadlines(suspected_at=SUSPECTED, mri_hours=12, neurological=False)
    by_rule = {d.rule_id: d for d in deadlines}
    assert by_rule["R9"].due == SUSPECTED + timedelta(hours=12)
    assert by_rule["R10"].due is None  # no decision to treat yet
    assert by_rule["R11"].due == SUSPECTED + timedelta(days=7)


def test_the_lines_read_in_the_board_zone_with_utc_beside():
    lines = deadline_lines(mscc_deadlines(suspected_at=SUSPECTED), "Europe/Rome")
    assert lines[0] == ("- R12 Contact the MSCC coordinator: by Tue 24 Nov 03:30 Europe/Rome "
                        "(02:30 UTC), immediately")
    assert lines[1].startswith("- R9 Whole-spine MRI: by Wed 25 Nov 03:30 Europe/Rome")
    assert lines[3] == ("- R10 Radiotherapy if not for surgery: within 24 h of the decision to "
                        "treat")
