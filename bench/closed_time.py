"""Benchmark: the worklist's "Bookings in closed time" and a closure's bookings, on the load
data set (bench/load_data.py: 50,000 cases, about 200,000 bookings, PostgreSQL).

The reads start from the closures, which are few, and reach the rooms' and the people's
bookings through their (resource, start, end) indexes, in one UNION
(scheduling/selectors/closures.py). The baseline, carried here and measured in the same run, is
the first version: every future changeable booking tested against the closures with two
correlated EXISTS under an OR. Both must return the same bookings (checked).

Adds ``--closures`` room closures and absences of people (half a day to three days in the next
four weeks) and one room closed for a year, measures, and rolls everything back: the database
is left as it was. Not a test. Usage:

    DATABASE_URL=postgres://…/boardsvc_load .venv/bin/python bench/closed_time.py \
        [--closures 30] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._django import django_bench_setup  # noqa: E402  (after the path is set)


class Rollback(Exception):
    pass


def baseline_rows(now: datetime) -> Any:
    """The first version's worklist read: future changeable bookings, each tested with a
    correlated EXISTS on its room's closures OR on its people's (the same conditions)."""
    from django.db.models import Exists, OuterRef, Q
    from django.db.models.lookups import Exact

    from scheduling.domain.types import CHANGEABLE_STATUSES
    from scheduling.models import Booking, BookingStaff, ResourceException
    from scheduling.selectors.closures import CLOSING_KINDS

    def newer(level: Any) -> Q:
        """The closure came after the booking (the same rule as the selector's)."""
        return (Q(Exact(level("override_reason"), "")) | Q(created_at__isnull=True)
                | Q(created_at__gt=level("updated_at")))

    closes_room = ResourceException.objects.filter(
        newer(OuterRef), resource_id=OuterRef("resource_id"), kind__in=CLOSING_KINDS,
        end__gt=OuterRef("start"), start__lt=OuterRef("end"))
    closed_person = ResourceException.objects.filter(
        newer(lambda name: OuterRef(OuterRef(name))), resource_id=OuterRef("resource_id"),
        kind__in=CLOSING_KINDS, end__gt=OuterRef("start"), start__lt=OuterRef("end"))
    closes_person = BookingStaff.objects.filter(booking=OuterRef("pk"), active=True).filter(
        Exists(closed_person))
    return (Booking.objects.filter(status__in=CHANGEABLE_STATUSES, start__gt=now)
            .filter(Q(Exists(closes_room)) | Q(Exists(closes_person)))
            .select_related("plan__case__patient", "procedure", "resource")
            .order_by("start", "pk"))


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--closures", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the load data set's PostgreSQL database")
    django_bench_setup()
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from bench.load_data import present
    from core.access import GROUP_COORDINATOR, principal_for_user
    from scheduling.domain.catalogue import STAFF_KINDS
    from scheduling.models import Booking, Resource, ResourceException
    from scheduling.selectors import closures
    from tests.factories.core import UserFactory

    if not present():
        raise SystemExit("run bench/load_data.py on this database first")
    rng = random.Random(7)
    now = datetime.now(UTC)
    try:
        with transaction.atomic():
            user = UserFactory(username="bench-closed-time")
            user.groups.add(Group.objects.get_or_create(name=GROUP_COORDINATOR)[0])
            principal = principal_for_user(user)
            rooms = list(Resource.objects.exclude(kind__in=STAFF_KINDS).filter(active=True))
            people = list(Resource.objects.filter(kind__in=STAFF_KINDS, active=True))
            made = []
            for i in range(args.closures):
                resource = rng.choice(people if i % 3 == 2 and people else rooms)
                start = now + timedelta(hours=rng.randrange(4, 28 * 24))
                made.append(ResourceException(
                    resource=resource, kind="closure", start=start,
                    end=start + timedelta(hours=rng.choice((4, 12, 24, 72))), reason="bench"))
            year = ResourceException(resource=rooms[0], kind="closure", start=now,
                                     end=now + timedelta(days=366), reason="bench: works")
            ResourceException.objects.bulk_create([*made, year])
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE scheduling_resourceexception")
            future = Booking.objects.filter(start__gt=now).count()
            print(f"future bookings {future}, closures {len(made) + 1} "
                  f"({sum(r.resource in people for r in made)} absences)")

            def worklist() -> set[int]:
                return set(closures.closed_time_booking_ids(now=now))

            def worklist_baseline() -> set[int]:
                return set(baseline_rows(now).values_list("pk", flat=True))

            def worklist_page() -> int:
                rows = closures.bookings_in_closed_time(principal=principal, now=now)
                return rows.count() + len(list(rows[:20]))

            def year_closure() -> int:
                return len(list(closures.bookings_in(year, principal=principal, now=now)))

            new_ms, new = timed(worklist, args.repeat)
            old_ms, old = timed(worklist_baseline, args.repeat)
            year_ms, year_n = timed(year_closure, args.repeat)
            page_ms, _ = timed(worklist_page, args.repeat)
            print(f"bookings in closed time: {len(new)} (baseline {len(old)}; "
                  f"same: {new == old})")
            print(f"which bookings (the ids) median {new_ms:.1f} ms; baseline {old_ms:.1f} ms; "
                  f"baseline / new {old_ms / new_ms:.2f}")
            print(f"the worklist's section (ids, count, first page of 20) median {page_ms:.1f} ms")
            print(f"a year's closure of one room: {year_n} bookings, median {year_ms:.1f} ms")
            sql, params = closures.closed_time_booking_ids(now=now).query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                print("\n".join(row[0] for row in cursor.fetchall()))
            raise Rollback
    except Rollback:
        print("rolled back: the database is as it was")


if __name__ == "__main__":
    main()
