"""Radiotherapy as a course (scheduling/domain/courses.py, R17): the days (weekends, closures,
DST), the time of day (same time, else the nearest free time that day) and the schemes; no
database."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.domain.catalogue import DEFAULT_RULES
from scheduling.domain.courses import (
    CourseDayFull,
    closed_days,
    course_days,
    course_violations,
    free_between,
    next_working_day,
    plan_course,
    scheme_problem,
)
from scheduling.domain.rules import occurrences_from_bookings
from scheduling.domain.types import (
    AvailabilityException,
    BookingView,
    ExceptionKind,
    Interval,
    WeeklyHours,
)

ROME = ZoneInfo("Europe/Rome")
MON = date(2030, 1, 7)
FRI = date(2030, 1, 11)
WEEKDAYS = [WeeklyHours(d, time(7), time(20)) for d in range(5)]
R17 = next(r for r in DEFAULT_RULES if r.rule_id == "R17")


def rome(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ROME)


def names(days: list[date]) -> list[str]:
    return [d.strftime("%a %d") for d in days]


# --- days ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("first", "fractions", "closed", "expected"),
    [
        (FRI, 5, (), ["Fri 11", "Mon 14", "Tue 15", "Wed 16", "Thu 17"]),  # 20 Gy/5 from Friday
        (MON, 1, (), ["Mon 07"]),  # 8 Gy x 1
        (MON, 6, (), ["Mon 07", "Tue 08", "Wed 09", "Thu 10", "Fri 11", "Mon 14"]),  # 24 Gy/6
        (FRI, 5, (date(2030, 1, 15),), ["Fri 11", "Mon 14", "Wed 16", "Thu 17", "Fri 18"]),
        (FRI, 3, (date(2030, 1, 14), date(2030, 1, 15)), ["Fri 11", "Wed 16", "Thu 17"]),
    ],
)
def test_course_days_are_consecutive_working_days(first, fractions, closed, expected):
    assert names(course_days(first, fractions, closed)) == expected


def test_a_ten_fraction_course_spans_two_weekends():
    days = course_days(date(2030, 1, 10), 10)  # Thursday, 30 Gy/10
    assert days[-1] == date(2030, 1, 23)
    assert all(d.weekday() < 5 for d in days)


def test_a_course_has_at_least_one_fraction():
    with pytest.raises(ValueError, match="at least one"):
        course_days(MON, 0)


def test_next_working_day_skips_weekends_and_closed_days():
    assert next_working_day(FRI) == date(2030, 1, 14)
    assert next_working_day(FRI, {date(2030, 1, 14)}) == date(2030, 1, 15)


def test_closed_days_are_days_without_any_open_time():
    holiday = AvailabilityException(ExceptionKind.CLOSURE, rome(date(2030, 1, 15), 0),
                                    rome(date(2030, 1, 16), 0))
    maintenance = AvailabilityException(ExceptionKind.MAINTENANCE, rome(date(2030, 1, 16), 9),
                                        rome(date(2030, 1, 16), 12))
    saturday_session = AvailabilityException(ExceptionKind.EXTRA_SESSION,
                                             rome(date(2030, 1, 12), 8), rome(date(2030, 1, 12), 12))
    closed = closed_days(hours=WEEKDAYS, exceptions=[holiday, maintenance, saturday_session],
                         tz="Europe/Rome", first=FRI, last=date(2030, 1, 17))
    # Sunday (no hours) and the Tuesday holiday; a part-day maintenance leaves Wednesday open,
    # and an extra session opens Saturday.
    assert sorted(closed) == [date(2030, 1, 13), date(2030, 1, 15)]


# --- times of day -------------------------------------------------------------------------------

def test_fractions_keep_the_local_wall_clock_time_across_the_dst_change():
    # Rome moves to summer time on Sunday 31 March 2030: 09:00 is 08:00 UTC before, 07:00 after.
    start = rome(date(2030, 3, 28), 9)  # Thursday
    course = plan_course(start=start, duration=timedelta(minutes=15), fractions=4,
                         tz="Europe/Rome")
    local = [i.start.astimezone(ROME).strftime("%a %d %H:%M") for i in course]
    assert local == ["Thu 28 09:00", "Fri 29 09:00", "Mon 01 09:00", "Tue 02 09:00"]
    assert [i.start.astimezone(ROME).utcoffset() for i in course] == [
        timedelta(hours=1), timedelta(hours=1), timedelta(hours=2), timedelta(hours=2)]
    assert all(i.duration == timedelta(minutes=15) for i in course)


def _free(day_from: date, days: int, busy: list[Interval]) -> list[Interval]:
    window = Interval(rome(day_from, 0), rome(day_from + timedelta(days=days), 0))
    opened = [Interval(rome(day_from + timedelta(days=k), 7), rome(day_from + timedelta(days=k), 20))
              for k in range(days) if (day_from + timedelta(days=k)).weekday() < 5]
    out = []
    for period in opened:
        out.extend(free_between(period, [b for b in busy if b.overlaps(period)]))
    return [p for p in out if p.overlaps(window)]


@pytest.mark.parametrize(
    ("busy_on_tuesday", "expected_tuesday"),
    [
        ([], "09:00"),  # the same time when free
        ([(9, 0, 9, 15)], "08:45"),  # 08:45 and 09:15 are as near: the earlier one
        ([(8, 30, 9, 10)], "09:10"),  # nearest after
        ([(9, 0, 12, 0)], "08:45"),  # nearest before
        ([(7, 0, 9, 5)], "09:05"),
    ],
)
def test_a_taken_time_moves_the_fraction_to_the_nearest_free_time_that_day(busy_on_tuesday,
                                                                         expected_tuesday):
    tue = date(2030, 1, 8)
    busy = [Interval(rome(tue, h1, m1), rome(tue, h2, m2)) for h1, m1, h2, m2 in busy_on_tuesday]
    course = plan_course(start=rome(MON, 9), duration=timedelta(minutes=15), fractions=3,
                         tz="Europe/Rome", free=_free(MON, 7, busy))
    times = [i.start.astimezone(ROME).strftime("%a %H:%M") for i in course]
    assert times == ["Mon 09:00", f"Tue {expected_tuesday}", "Wed 09:00"]


def test_a_working_day_without_free_time_refuses_the_course():
    tue = date(2030, 1, 8)
    full = [Interval(rome(tue, 7), rome(tue, 20))]
    with pytest.raises(CourseDayFull) as refused:
        plan_course(start=rome(MON, 9), duration=timedelta(minutes=15), fractions=3,
                    tz="Europe/Rome", free=_free(MON, 7, full))
    assert (refused.value.fraction, refused.value.day) == (2, tue)


def test_closed_days_are_skipped_when_planning():
    course = plan_course(start=rome(FRI, 9), duration=timedelta(minutes=15), fractions=3,
                         tz="Europe/Rome", closed={date(2030, 1, 14)})
    assert [i.start.astimezone(ROME).strftime("%a %d") for i in course] == [
        "Fri 11", "Tue 15", "Wed 16"]


def test_free_between_subtracts_bookings():
    window = Interval(rome(MON, 8), rome(MON, 12))
    busy = [Interval(rome(MON, 9), rome(MON, 10)), Interval(rome(MON, 9, 30), rome(MON, 10, 30))]
    assert free_between(window, busy) == [Interval(rome(MON, 8), rome(MON, 9)),
                                          Interval(rome(MON, 10, 30), rome(MON, 12))]


# --- schemes ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("fractions", "dose", "template", "fragment"),
    [
        (1, 8, R17.template, ""),  # 8 Gy x 1
        (5, 20, R17.template, ""),  # 20 Gy/5
        (6, 24, R17.template, ""),  # 24 Gy/6
        (10, 30, R17.template, ""),  # 30 Gy/10
        (2, 24, R17.template, ""),  # SBRT 24 Gy/2
        (5, None, R17.template, ""),  # no dose given: the count alone is checked
        (None, None, R17.template, ""),
        (7, None, R17.template, "7 fractions planned, not one of the site's schedules"),
        (5, 25, R17.template, "25 Gy/5 planned, not one of the site's schemes"),
        (3, 15, {"fraction_options": [1, 3, 5]}, ""),  # a site's own count, no dose scheme
        (5, 25, {"fraction_options": [5], "schemes": [[25, 5]]}, ""),  # a site's own scheme
    ],
)
def test_r17_schemes(fractions, dose, template, fragment):
    problem = scheme_problem(fractions=fractions, dose_gy=dose, template=template)
    assert (fragment in problem) if fragment else problem == ""


def _course(days: list[date], planned: int) -> list[BookingView]:
    return [BookingView(booking_id=f"f{k}", procedure_id="rt", procedure_type="radiotherapy",
                        resource_id="linac", start=rome(d, 9),
                        end=rome(d, 9) + timedelta(minutes=15), patient_id="P", lesion_id="L",
                        plan_id="plan", planned_fractions=planned) for k, d in enumerate(days)]


def test_a_course_skipping_a_closed_day_is_on_consecutive_working_days():
    days = [FRI, date(2030, 1, 14), date(2030, 1, 16), date(2030, 1, 17), date(2030, 1, 18)]
    occs = occurrences_from_bookings(_course(days, 5))
    assert course_violations(rule=R17, occurrences=occs, tz="Europe/Rome",
                             closed={date(2030, 1, 15)}) == []
    [gap] = course_violations(rule=R17, occurrences=occs, tz="Europe/Rome")
    assert "instead of the next working day 2030-01-15" in gap.message


def test_a_course_outside_the_schemes_names_every_fraction():
    occs = occurrences_from_bookings(_course([MON, date(2030, 1, 8)], 7)[:2])
    [violation] = course_violations(rule=R17, occurrences=occs, tz="Europe/Rome",
                                    doses={"rt": 21.0})
    assert violation.rule_id == "R17"
    assert set(violation.booking_ids) == {"f0", "f1"}
    assert "7 fractions planned" in violation.message


def test_a_courses_days_off_are_those_none_of_its_linacs_opens():
    """The engine reads each linac's closed days; a course skips a day only when every linac it
    is booked on is closed (a fraction on the second linac during the first one's service day
    is on a working day), and each course reads its own linacs."""
    from scheduling.domain.engine import EngineContext, evaluate

    tue = date(2030, 1, 8)
    wed, thu = tue + timedelta(days=1), tue + timedelta(days=2)
    context = EngineContext(closed_days={"linac": frozenset({wed}),
                                         "linac-2": frozenset({MON, tue, FRI})})

    def judge(bookings: list[BookingView]) -> list:
        return evaluate(bookings=bookings, rules=[R17], tz="Europe/Rome", context=context)

    course = _course([MON, tue, wed, thu, FRI], 5)
    course[2] = dataclasses.replace(course[2], resource_id="linac-2")
    assert judge(course) == []  # Wednesday on linac 2: every day a working day
    # Booked on both linacs (Thursday on linac 2) but skipping Wednesday, which linac 2 opens.
    skipping = _course([MON, tue, thu, FRI, date(2030, 1, 14)], 5)
    skipping[2] = dataclasses.replace(skipping[2], resource_id="linac-2")
    [gap] = judge(skipping)
    assert "instead of the next working day 2030-01-09" in gap.message
    # On linac 1 alone, its closed Wednesday is the course's day off.
    assert judge(_course([MON, tue, thu, FRI, date(2030, 1, 14)], 5)) == []
