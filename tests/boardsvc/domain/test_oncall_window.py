"""Emergencies at sensible hours: ad-hoc meetings inside the board's on-call window (issue 11,
item 6), across DST changes. No database."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from boardsvc.domain.placement import (
    CaseInfo,
    MeetingInfo,
    OncallWindow,
    oncall_start,
    place_case,
)

ROME = ZoneInfo("Europe/Rome")
DAY = OncallWindow("Europe/Rome")  # 08:00-20:00, the default
NIGHT = OncallWindow("Europe/Rome", start=time(20, 0), end=time(8, 0))
ALWAYS = OncallWindow("Europe/Rome", start=time(0, 0), end=time(0, 0))


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


@pytest.mark.parametrize(("earliest", "window", "minutes", "expected"), [
    # 03:45 and 04:15 were seen: the meeting waits for the window, the people do not (R12).
    (rome(2026, 11, 24, 3, 45), DAY, 30, rome(2026, 11, 24, 8, 0)),
    (rome(2026, 11, 24, 4, 15), DAY, 30, rome(2026, 11, 24, 8, 0)),
    # inside the window: unchanged
    (rome(2026, 11, 24, 8, 0), DAY, 30, rome(2026, 11, 24, 8, 0)),
    (rome(2026, 11, 24, 13, 15), DAY, 30, rome(2026, 11, 24, 13, 15)),
    (rome(2026, 11, 24, 19, 30), DAY, 30, rome(2026, 11, 24, 19, 30)),
    # would overrun the end of the window: the next morning
    (rome(2026, 11, 24, 19, 45), DAY, 30, rome(2026, 11, 25, 8, 0)),
    (rome(2026, 11, 24, 23, 0), DAY, 30, rome(2026, 11, 25, 8, 0)),
    # spring forward (29 March 2026, 02:00 → 03:00): 08:00 CEST is 06:00 UTC
    (rome(2026, 3, 29, 1, 30), DAY, 30, datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
    (datetime(2026, 3, 29, 1, 45, tzinfo=UTC), DAY, 30, datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
    # fall back (25 October 2026, 03:00 → 02:00): 08:00 CET is 07:00 UTC
    (datetime(2026, 10, 25, 1, 45, tzinfo=UTC), DAY, 30, datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
    (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), DAY, 30, datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
    # a night service across midnight (20:00-08:00)
    (rome(2026, 11, 24, 10, 0), NIGHT, 30, rome(2026, 11, 24, 20, 0)),
    (rome(2026, 11, 24, 2, 0), NIGHT, 30, rome(2026, 11, 24, 2, 0)),
    (rome(2026, 11, 24, 7, 45), NIGHT, 30, rome(2026, 11, 24, 20, 0)),
    # around the clock, or no window: any hour
    (rome(2026, 11, 24, 3, 45), ALWAYS, 30, rome(2026, 11, 24, 3, 45)),
    (rome(2026, 11, 24, 3, 45), None, 30, rome(2026, 11, 24, 3, 45)),
])
def test_an_adhoc_meeting_starts_inside_the_oncall_window(earliest, window, minutes, expected):
    assert oncall_start(earliest, window, minutes) == expected


def test_a_window_shorter_than_the_meeting_falls_back_to_the_next_window_start():
    short = OncallWindow("Europe/Rome", start=time(8, 0), end=time(8, 20))
    assert oncall_start(rome(2026, 11, 24, 9, 0), short, 30) == rome(2026, 11, 25, 8, 0)


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError, match="aware"):
        oncall_start(datetime(2026, 11, 24, 3, 45), DAY)


def test_an_mscc_case_arriving_at_0330_is_discussed_at_0800_not_at_0530():
    now = rome(2026, 11, 24, 3, 30)
    result = place_case(case=CaseInfo(1, "emergency", now), meetings=[], now=now, oncall=DAY)
    assert result.outcome == "create_adhoc"
    assert result.adhoc is not None
    assert result.adhoc.starts_at == rome(2026, 11, 24, 8, 0)
    assert result.ratification_required
    message = result.reasons[-1].message
    assert "on-call window (08:00-20:00 Europe/Rome)" in message
    assert "R12" in message


def test_an_mscc_case_in_the_daytime_keeps_the_two_hour_lead():
    now = rome(2026, 11, 24, 10, 5)
    result = place_case(case=CaseInfo(1, "emergency", now), meetings=[], now=now, oncall=DAY)
    assert result.adhoc is not None
    assert result.adhoc.starts_at == rome(2026, 11, 24, 12, 15)
    assert "on-call window" not in result.reasons[-1].message


def test_a_full_adhoc_meeting_late_in_the_day_is_followed_the_next_morning():
    now = rome(2026, 11, 24, 17, 0)
    full = MeetingInfo(8, rome(2026, 11, 24, 19, 30), rome(2026, 11, 24, 19, 30), 30, 30,
                       "planned", True)
    result = place_case(case=CaseInfo(1, "emergency", now), meetings=[full], now=now, oncall=DAY)
    assert result.adhoc is not None
    assert result.adhoc.starts_at == rome(2026, 11, 25, 8, 0)
    assert [r.code for r in result.reasons] == ["emergency_adhoc", "full", "create_adhoc"]


def test_an_existing_adhoc_meeting_within_24_hours_is_joined_whatever_the_window():
    now = rome(2026, 11, 24, 3, 30)
    planned = MeetingInfo(7, rome(2026, 11, 24, 8, 0), rome(2026, 11, 24, 8, 0), 30, 10,
                          "planned", True)
    result = place_case(case=CaseInfo(1, "emergency", now), meetings=[planned], now=now,
                        oncall=DAY)
    assert (result.outcome, result.meeting_id) == ("placed", 7)
