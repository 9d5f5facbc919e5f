"""Meetings keep to the clock (issue 11, item 9): a meeting starts from its board's margin
before the scheduled start. No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from boardsvc.domain.clock import (
    RULE_START_MARGIN,
    MeetingClockError,
    can_start,
    check_start,
    start_opens_at,
)

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
