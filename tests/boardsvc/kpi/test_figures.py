"""Each KPI figure on the month of known answers (conftest.py explains every number)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boardsvc.kpi import selectors
from boardsvc.kpi.aggregates import interpolate
from boardsvc.kpi.period import kpi_period
from core.errors import RuleError

from .conftest import NOW, PERIOD, utc

pytestmark = pytest.mark.django_db


def period(board):
    return kpi_period(first=PERIOD["from"], last=PERIOD["to"], zone=board.timezone)


def test_activity(kpi_world):
    figures = selectors.kpi_activity(board=kpi_world.board, period=period(kpi_world.board))
    assert figures == {
        "referred": 4, "listed": 6, "cases_listed": 5, "discussed": 3, "standard_of_care": 1,
        "deferred": 1, "rolled_forward": 1, "withdrawn": 0, "pending": 0,
    }


def test_activity_of_the_other_board_sees_only_its_own(kpi_world):
    figures = selectors.kpi_activity(board=kpi_world.other_board,
                                     period=period(kpi_world.other_board))
    assert figures["referred"] == 1
    assert figures["discussed"] == 1
    assert figures["listed"] == 1


def test_waits(kpi_world):
    waits = {w.id: w for w in selectors.kpi_waits(board=kpi_world.board,
                                                  period=period(kpi_world.board), now=NOW)}
    r2m = waits["referral_to_mdt"]
    assert (r2m.target_days, r2m.cohort, r2m.measured, r2m.breaches) == (28, 3, 3, 1)
    assert r2m.median == timedelta(days=19)
    assert r2m.p90_days == 58.2
    m2t = waits["mdt_to_treatment"]
    assert (m2t.target_days, m2t.cohort, m2t.measured, m2t.breaches) == (31, 3, 2, 2)
    assert (m2t.median_days, m2t.p90_days) == (23.5, 34.3)
    assert m2t.within_target == 1
    d2t = waits["decision_to_treatment"]
    assert (d2t.target_days, d2t.cohort, d2t.measured, d2t.breaches) == (31, 3, 2, 2)
    assert d2t.median == timedelta(days=23, hours=11)
    assert d2t.p90_days == 34.3
    r2t = waits["referral_to_treatment"]
    assert (r2t.target_days, r2t.cohort, r2t.measured, r2t.breaches) == (62, 3, 2, 1)
    assert r2t.median_days == 37.1


def test_a_running_clock_is_not_a_breach_before_its_target(kpi_world):
    early = NOW.replace(month=3, day=30)
    waits = {w.id: w for w in selectors.kpi_waits(board=kpi_world.board,
                                                  period=period(kpi_world.board), now=early)}
    # c2 (MDT 10 March) is 20 days into its 31: only c3's late treatment counts.
    assert waits["mdt_to_treatment"].breaches == 1


def test_targets_are_the_sites_pathway_clock_targets(kpi_world):
    from scheduling.models import PathwayClockTarget

    PathwayClockTarget.objects.filter(clock_id="CWT-28").update(target_days=10)
    waits = {w.id: w for w in selectors.kpi_waits(board=kpi_world.board,
                                                  period=period(kpi_world.board), now=NOW)}
    assert waits["referral_to_mdt"].target_days == 10
    assert waits["referral_to_mdt"].breaches == 2  # 19 and 68 days


def test_utilisation(kpi_world):
    rows = {u.resource_code: u for u in selectors.kpi_utilisation(period=period(kpi_world.board))}
    room = rows["kpi-room-a"]
    assert (room.open_minutes, room.booked_minutes, room.percent) == (16380, 150, 0.9)
    unopened = rows["kpi-room-b"]
    assert (unopened.open_minutes, unopened.booked_minutes, unopened.percent) == (0, 0, None)


def test_attendance_and_quorum(kpi_world):
    found = selectors.kpi_attendance(board=kpi_world.board, period=period(kpi_world.board))
    assert (found["meetings_held"], found["decisions"], found["decisions_quorum_met"]) == (2, 3, 2)
    rows = {s.specialty: s for s in found["specialties"]}
    assert (rows["radiologist"].meetings_attended, rows["radiologist"].people,
            rows["radiologist"].percent, rows["radiologist"].required) == (2, 2, 100.0, True)
    assert (rows["neurosurgeon"].meetings_attended, rows["neurosurgeon"].percent) == (1, 50.0)
    # Required by the quorum but never present.
    assert rows["radiation_oncologist"].meetings_attended == 0
    assert rows["radiation_oncologist"].percent == 0.0


def test_violations_by_rule(kpi_world):
    rows = selectors.kpi_violations(board=kpi_world.board, period=period(kpi_world.board))
    assert rows == [
        {"rule_id": "R1", "severity": "soft", "total": 2, "open": 1, "acknowledged": 1,
         "resolved": 0},
        {"rule_id": "R4", "severity": "hard", "total": 1, "open": 0, "acknowledged": 0,
         "resolved": 1},
    ]


def test_interpolate_matches_percentile_cont():
    days = [timedelta(days=d) for d in (1, 2, 3, 4)]
    assert interpolate(days, 0.5) == timedelta(days=2.5)
    assert interpolate(days, 0.9) == timedelta(days=3.7)
    assert interpolate([], 0.5) is None
    assert interpolate(days[:1], 0.9) == timedelta(days=1)


@pytest.mark.parametrize(("first", "last", "field", "rule"), [
    (None, "2026-03-31", "from", "required"),
    ("2026-03-01", "", "to", "required"),
    ("2026-13-01", "2026-03-31", "from", "invalid"),
    ("2026-03-31", "2026-03-01", "to", "order"),
    ("2025-01-01", "2026-03-01", "to", "max_range"),
    ("1990-01-01", "1990-01-02", "from", "date_window"),
])
def test_period_refusals_name_field_and_rule(first, last, field, rule):
    with pytest.raises(RuleError) as caught:
        kpi_period(first=first, last=last, zone="Europe/Rome")
    assert (caught.value.field, caught.value.rule) == (field, rule)


# Each section's query count, pinned: it does not depend on how many cases there are (the
# API test adds cases and checks the count is unchanged).
# Waits: the site's targets (1), then PostgreSQL computes counts and percentiles in one query
# per cohort (2); SQLite adds one sorted read of the durations per interval (4). Violations:
# the period's, then which other boards' cases among them were decided at this board's meetings.
@pytest.mark.parametrize(("section", "expected"), [
    ("activity", 2), ("waits", None), ("utilisation", 4), ("attendance", 3), ("violations", 2),
])
def test_query_counts(kpi_world, section, expected):
    from django.db import connection

    from boardsvc.kpi.sections import kpi_section
    from tests.support.queries import assert_num_queries

    if expected is None:
        expected = 3 if connection.vendor == "postgresql" else 7
    board = kpi_world.board
    with assert_num_queries(expected):
        kpi_section(section=section, board=board, period=period(board), now=NOW)


def test_utilisation_counts_a_person_through_the_bookings_they_are_staffed_on(kpi_world):
    from scheduling.models import Booking, BookingStaff
    from tests.factories.scheduling import ResourceFactory

    person = ResourceFactory(code="kpi-ir-a", name="IR A", kind="interventional_radiologist")
    c1 = Booking.objects.get(resource=kpi_world.room, start=utc(3, 20, 13))  # 2 h, booked
    cancelled = Booking.objects.get(resource=kpi_world.room, status="cancelled")
    BookingStaff.objects.create(booking=c1, resource=person, start=c1.start, end=c1.end)
    BookingStaff.objects.create(booking=cancelled, resource=person, start=cancelled.start,
                                end=cancelled.end, active=False)
    rows = {u.resource_code: u for u in selectors.kpi_utilisation(period=period(kpi_world.board))}
    assert rows["kpi-ir-a"].booked_minutes == 120
    assert rows["kpi-ir-a"].kind == "interventional_radiologist"
    assert rows["kpi-room-a"].booked_minutes == 150  # the room's figure is unchanged
