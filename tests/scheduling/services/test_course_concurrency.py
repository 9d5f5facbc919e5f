"""Radiotherapy courses under concurrency (PostgreSQL, each thread its own connection): a course
is written all or nothing under the linac's lock, so racing courses and moves never overlap."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from django.db import connection

from tests.factories.scheduling import ResourceFactory, at, plan_with
from tests.support.scheduling import OVERLAP_SQL

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(os.environ.get("DATABASE_URL", "").split(":")[0] not in
                       {"postgres", "postgresql", "pgsql"}, reason="needs PostgreSQL"),
]


def _run(action, go_at: float) -> str:
    from scheduling.domain.errors import SlotTaken

    try:
        time.sleep(max(0.0, go_at - time.time()))  # everyone starts together
        action()
        return "ok"
    except SlotTaken:
        return "taken"
    except Exception as exc:  # reported to the test, which fails on any of these
        return f"error:{type(exc).__name__}:{exc}"
    finally:
        connection.close()


def _book(procedure_id: int, resource_id: int, start: datetime):
    def action() -> None:
        from cases.models import PlannedProcedure
        from scheduling import services
        from scheduling.models import Resource

        services.booking_create(procedure=PlannedProcedure.objects.get(pk=procedure_id),
                                resource=Resource.objects.get(pk=resource_id), start=start,
                                principal=None)
    return action


def _overlaps() -> int:
    with connection.cursor() as cursor:
        cursor.execute(OVERLAP_SQL)
        return cursor.fetchone()[0]


def test_racing_courses_for_the_same_first_slot_one_wins_whole():
    from scheduling.models import Booking

    linac = ResourceFactory(kind="linac")
    procedures = [plan_with({"procedure_type": "radiotherapy", "fractions": 5})[1][0].pk
                  for _ in range(6)]
    go_at = time.time() + 0.5
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda pid: _run(_book(pid, linac.pk, at(0, 9)), go_at),
                                procedures))
    assert sorted(results) == ["ok"] + ["taken"] * 5, results
    assert Booking.objects.exclude(status="cancelled").count() == 5  # one whole course
    assert _overlaps() == 0


def test_a_course_move_racing_a_booking_never_overlaps():
    from scheduling import services
    from scheduling.models import Booking

    linac = ResourceFactory(kind="linac")
    _plan, (rt,) = plan_with({"procedure_type": "radiotherapy", "fractions": 5})
    first = services.booking_create(procedure=rt, resource=linac, start=at(0, 9),
                                    principal=None).bookings[0]
    other = plan_with({"procedure_type": "radiotherapy", "fractions": 1})[1][0]

    def move() -> None:
        services.booking_move(booking=Booking.objects.get(pk=first.pk), start=at(1, 10),
                              expected_version=1, principal=None)

    go_at = time.time() + 0.5
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda action: _run(action, go_at),
                                [move, _book(other.pk, linac.pk, at(3, 10))]))
    assert all(r in ("ok", "taken") for r in results), results
    assert _overlaps() == 0
    days = [b.start.date() for b in Booking.objects.filter(procedure=rt)
            .exclude(status="cancelled").order_by("start")]
    assert len(days) == len(set(days)) == 5  # still one fraction a day, five of them
