"""A person is never double-booked under concurrency (G-CONCURRENCY-5): eight threads, each its
own connection, book eight embolizations in eight free rooms at the same time with the only
interventional radiologist. Exactly one wins; the others are told the person is taken
(StaffUnavailable), never another error; no two active rows of the person overlap."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from django.db import connection

from tests.factories.scheduling import ResourceFactory, at, plan_with

STAFF_OVERLAP_SQL = (
    "SELECT COUNT(*) FROM scheduling_bookingstaff a JOIN scheduling_bookingstaff b "
    "ON a.resource_id = b.resource_id AND a.id < b.id AND a.active AND b.active "
    "AND a.start < b.\"end\" AND b.start < a.\"end\"")


def _book(procedure_id: int, room_id: int, start_iso: str, go_at: float) -> str:
    from cases.models import PlannedProcedure
    from scheduling import services
    from scheduling.domain.errors import StaffUnavailable
    from scheduling.models import Resource

    try:
        procedure = PlannedProcedure.objects.get(pk=procedure_id)
        room = Resource.objects.get(pk=room_id)
        time.sleep(max(0.0, go_at - time.time()))
        services.booking_create(procedure=procedure, resource=room,
                                start=datetime.fromisoformat(start_iso), principal=None)
        return "ok"
    except StaffUnavailable:
        return "taken"
    except Exception as exc:  # reported to the test, which fails on any of these
        return f"error:{type(exc).__name__}:{exc}"
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").split(":")[0] not in
                    {"postgres", "postgresql", "pgsql"},
                    reason="needs PostgreSQL (run by .ci/run)")
def test_eight_rooms_one_operator_one_winner():
    from scheduling.demo import seed_rules_and_catalogue

    assert connection.vendor == "postgresql"
    seed_rules_and_catalogue()
    ResourceFactory(code="ir-only", name="The only IR", kind="interventional_radiologist")
    rooms = [ResourceFactory(code=f"angio-race-{i}", kind="angio_suite").pk for i in range(8)]
    procedures = [plan_with("embolization")[1][0].pk for _ in range(8)]
    go_at = time.time() + 0.5
    start = at(0, 9).isoformat()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda pair: _book(pair[0], pair[1], start, go_at),
                                zip(procedures, rooms, strict=True)))
    assert sorted(set(results)) == ["ok", "taken"], results
    assert results.count("ok") == 1
    with connection.cursor() as cursor:
        cursor.execute(STAFF_OVERLAP_SQL)
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT COUNT(*) FROM scheduling_booking WHERE status <> 'cancelled'")
        assert cursor.fetchone()[0] == 1
