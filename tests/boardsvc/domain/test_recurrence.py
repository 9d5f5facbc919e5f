"""Weekly recurrence across DST and holidays; cut-off (R13). No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from boardsvc.domain.recurrence import cutoff_for, local_to_utc, weekly_occurrences


def test_tuesday_14_rome_is_12_utc_in_summer_and_13_utc_in_winter_across_the_dst_change():
    # Europe/Rome leaves summer time on Sunday 2026-10-25.
    occ = weekly_occurrences(weekday=1, local_time=time(14), tz_name="Europe/Rome",
                             duration_minutes=90, start=date(2026, 10, 14), end=date(2026, 11, 4))
    assert [o.local_date for o in occ] == [date(2026, 10, 20), date(2026, 10, 27),
                                           date(2026, 11, 3)]
    assert occ[0].starts_at == datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    assert occ[1].starts_at == datetime(2026, 10, 27, 13, 0, tzinfo=UTC)
    assert occ[1].ends_at == datetime(2026, 10, 27, 14, 30, tzinfo=UTC)


def test_spring_forward_keeps_the_local_wall_clock_time():
    # Europe/Rome starts summer time on Sunday 2027-03-28.
    occ = weekly_occurrences(weekday=1, local_time=time(14), tz_name="Europe/Rome",
                             duration_minutes=60, start=date(2027, 3, 22), end=date(2027, 3, 31))
    assert [o.starts_at.hour for o in occ] == [13, 12]


def test_holidays_are_skipped():
    occ = weekly_occurrences(weekday=1, local_time=time(14), tz_name="Europe/Rome",
                             duration_minutes=90, start=date(2026, 12, 20), end=date(2027, 1, 6),
                             holidays={date(2026, 12, 22), date(2026, 12, 29)})
    assert [o.local_date for o in occ] == [date(2027, 1, 5)]


def test_a_non_existent_local_time_moves_forward_by_the_gap():
    # 02:30 on 2027-03-28 does not exist in Rome (02:00 → 03:00): it becomes 03:30 CEST.
    assert local_to_utc(date(2027, 3, 28), time(2, 30), "Europe/Rome") == datetime(
        2027, 3, 28, 1, 30, tzinfo=UTC)


def test_an_ambiguous_local_time_takes_the_first_occurrence():
    # 02:30 on 2026-10-25 happens twice in Rome; the first is still CEST (UTC+2).
    assert local_to_utc(date(2026, 10, 25), time(2, 30), "Europe/Rome") == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(("hours", "expected"), [
    (24, datetime(2026, 10, 26, 13, 0, tzinfo=UTC)),
    (48, datetime(2026, 10, 25, 13, 0, tzinfo=UTC)),
    (72, datetime(2026, 10, 24, 13, 0, tzinfo=UTC)),
])
def test_cutoff_is_absolute_hours_before_the_start_even_across_dst(hours, expected):
    assert cutoff_for(datetime(2026, 10, 27, 13, 0, tzinfo=UTC), hours) == expected


@pytest.mark.parametrize("hours", [0, 23, 73])
def test_cutoff_outside_24_to_72_hours_is_refused_r13(hours):
    with pytest.raises(ValueError, match="R13"):
        cutoff_for(datetime(2026, 10, 27, 13, 0, tzinfo=UTC), hours)


def test_invalid_weekday_is_refused():
    with pytest.raises(ValueError, match="weekday"):
        weekly_occurrences(weekday=7, local_time=time(14), tz_name="UTC", duration_minutes=60,
                           start=date(2026, 1, 1), end=date(2026, 2, 1))
