"""Free time of a resource (domain/slots.py): opening hours in the hospital's zone, DST-safe."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.domain.slots import (
    first_fit,
    free_periods,
    open_periods,
    slot_starts,
    within_opening_hours,
)
from scheduling.domain.types import AvailabilityException, ExceptionKind, Interval, WeeklyHours

ROME = ZoneInfo("Europe/Rome")
WEEKDAYS_8_TO_18 = [WeeklyHours(d, time(8), time(18)) for d in range(5)]


def rome(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=ROME)


def test_opening_hours_follow_wall_clock_time_across_the_spring_dst_change():
    # Europe/Rome moves from UTC+1 to UTC+2 on Sunday 2030-03-31.
    window = Interval(rome(2030, 3, 29), rome(2030, 4, 2))
    periods = open_periods(hours=WEEKDAYS_8_TO_18, tz="Europe/Rome", window=window)
    assert [(p.start.astimezone(UTC).hour, p.end.astimezone(UTC).hour) for p in periods] == [
        (7, 17),  # Friday, winter time
        (6, 16),  # Monday, summer time: same 08:00-18:00 on the wall clock
    ]


def test_opening_hours_follow_wall_clock_time_across_the_autumn_dst_change():
    window = Interval(rome(2030, 10, 25), rome(2030, 10, 29))  # change on Sunday 27 October
    periods = open_periods(hours=WEEKDAYS_8_TO_18, tz="Europe/Rome", window=window)
    assert [p.start.astimezone(ROME).hour for p in periods] == [8, 8]
    assert [p.start.astimezone(UTC).hour for p in periods] == [6, 7]


def test_bookings_closures_and_extra_sessions_shape_the_free_time():
    day = Interval(rome(2030, 1, 7), rome(2030, 1, 8))  # a Monday
    busy = [Interval(rome(2030, 1, 7, 10), rome(2030, 1, 7, 12))]
    exceptions = [
        AvailabilityException(ExceptionKind.MAINTENANCE, rome(2030, 1, 7, 15), rome(2030, 1, 7, 16)),
        AvailabilityException(ExceptionKind.EXTRA_SESSION, rome(2030, 1, 7, 18), rome(2030, 1, 7, 20)),
    ]
    free = free_periods(hours=WEEKDAYS_8_TO_18, exceptions=exceptions, busy=busy,
                        tz="Europe/Rome", window=day)
    assert [(p.start.astimezone(ROME).hour, p.end.astimezone(ROME).hour) for p in free] == [
        (8, 10), (12, 15), (16, 20),  # the extra session extends the day to 20:00
    ]


def test_free_periods_shorter_than_the_duration_are_left_out():
    day = Interval(rome(2030, 1, 7), rome(2030, 1, 8))
    busy = [Interval(rome(2030, 1, 7, 9), rome(2030, 1, 7, 17))]
    free = free_periods(hours=WEEKDAYS_8_TO_18, busy=busy, tz="Europe/Rome", window=day,
                        min_duration=timedelta(minutes=90))
    assert free == []


def test_a_closure_removes_a_whole_day_and_weekends_are_closed():
    window = Interval(rome(2030, 1, 11), rome(2030, 1, 15))  # Friday to Tuesday
    closure = [AvailabilityException(ExceptionKind.CLOSURE, rome(2030, 1, 11), rome(2030, 1, 12))]
    periods = open_periods(hours=WEEKDAYS_8_TO_18, exceptions=closure, tz="Europe/Rome",
                           window=window)
    assert [p.start.astimezone(ROME).day for p in periods] == [14]


def test_back_to_back_bookings_leave_no_gap_and_no_overlap():
    day = Interval(rome(2030, 1, 7), rome(2030, 1, 8))
    busy = [Interval(rome(2030, 1, 7, 8), rome(2030, 1, 7, 10)),
            Interval(rome(2030, 1, 7, 10), rome(2030, 1, 7, 12))]
    fit = first_fit(hours=WEEKDAYS_8_TO_18, busy=busy, tz="Europe/Rome", window=day,
                    duration=timedelta(hours=1))
    assert fit == Interval(rome(2030, 1, 7, 12), rome(2030, 1, 7, 13))


@pytest.mark.parametrize(
    ("start", "end", "inside"),
    [
        ((8, 0), (18, 0), True),
        ((17, 0), (18, 1), False),
        ((7, 59), (9, 0), False),
    ],
)
def test_within_opening_hours(start, end, inside):
    interval = Interval(rome(2030, 1, 8, *start), rome(2030, 1, 8, *end))
    assert within_opening_hours(hours=WEEKDAYS_8_TO_18, tz="Europe/Rome",
                                interval=interval) is inside


def test_slot_starts_step_through_each_period():
    period = Interval(rome(2030, 1, 7, 8), rome(2030, 1, 7, 9))
    starts = slot_starts(periods=[period], duration=timedelta(minutes=30))
    assert [s.astimezone(ROME).strftime("%H:%M") for s in starts] == ["08:00", "08:15", "08:30"]


def test_intervals_refuse_naive_or_empty_bounds():
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(datetime(2030, 1, 1), datetime(2030, 1, 2))
    with pytest.raises(ValueError, match="end after"):
        Interval(rome(2030, 1, 1, 10), rome(2030, 1, 1, 10))
