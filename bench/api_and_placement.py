"""Benchmark: case intake, list and detail latency, and agenda placement throughput.

Prints figures; not a test. Runs on a throw-away SQLite file by default, or on PostgreSQL when
DATABASE_URL is set (the database named there is dropped and recreated by pytest-style setup:
point it at a scratch database). Usage:

    .venv/bin/python bench/api_and_placement.py [--cases 2000] [--posts 200] [--ready 300]

Targets (docs/benchmarks.md): p95 case submission < 150 ms, p95 list of 100 cases < 300 ms with a
constant query count, p95 case detail with decision support < 100 ms, placement ≥ 50 cases/s,
peak RSS < 400 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._django import django_bench_setup  # noqa: E402  (after the path is set)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(name: str, values: list[float]) -> str:
    return (f"{name:<38} n={len(values):<5} p50={statistics.median(values):7.1f} ms  "
            f"p95={pct(values, 95):7.1f} ms  max={max(values):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--ready", type=int, default=300)
    args = parser.parse_args()

    django_bench_setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    engine = connection.vendor
    if engine == "postgresql":
        call_command("flush", verbosity=0, interactive=False)
    from django.contrib.auth.models import Group

    from boardsvc.services import meeting_horizon_upkeep, place_ready_cases
    from core.access import GROUP_COORDINATOR
    from tests.factories.boardsvc import BoardFactory, make_case
    from tests.factories.cases import submission_payload
    from tests.factories.core import UserFactory

    coordinator = UserFactory(username="bench-coord")
    coordinator.groups.add(Group.objects.get_or_create(name=GROUP_COORDINATOR)[0])
    client = Client()
    client.force_login(coordinator)
    print(f"boardsvc benchmark on {engine}, python {sys.version.split()[0]}, {os.cpu_count()} cores")

    # 1. Case submission through the API (validation, decision support inputs, audit, outbox).
    post_ms = []
    for i in range(args.posts):
        payload = submission_payload(external_id=f"BENCH-{i:05d}")
        started = time.perf_counter()
        response = client.post("/api/v1/cases/", payload, content_type="application/json")
        post_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.content[:300]
    print(summary("POST /api/v1/cases/ (2 lesions)", post_ms))

    # 2. Bulk data for reads.
    started = time.perf_counter()
    for _ in range(max(0, args.cases - args.posts)):
        make_case(status="submitted", lesions=2)
    print(f"{'created bulk cases':<38} {args.cases - args.posts} in {time.perf_counter() - started:.1f} s")

    list_ms, queries = [], set()
    for page in range(1, max(2, min(21, args.cases // 100 + 1))):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(f"/api/v1/cases/?page_size=100&page={page}")
            list_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
        queries.add(len(ctx.captured_queries))
    print(summary("GET /api/v1/cases/?page_size=100", list_ms) + f"  queries={sorted(queries)}")

    detail_ms = []
    from cases.models import Case

    ids = list(Case.objects.values_list("public_id", flat=True)[:200])
    for public_id in ids:
        started = time.perf_counter()
        response = client.get(f"/api/v1/cases/{public_id}/")
        detail_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    print(summary("GET /api/v1/cases/<id>/ (+ support)", detail_ms))

    # 3. Agenda placement of many ready cases on one weekly board, 52 weeks ahead.
    BoardFactory(slug="bench-board", capacity_minutes=600)
    meeting_horizon_upkeep(weeks=52)
    for _ in range(args.ready):
        make_case(status="ready_for_mdt", requested_board="bench-board", lesions=1)
    started = time.perf_counter()
    placed = place_ready_cases()
    elapsed = time.perf_counter() - started
    print(f"{'place_ready_cases()':<38} placed={placed} of {args.ready} in {elapsed:.2f} s "
          f"({placed / elapsed if elapsed else 0:.0f} cases/s)")

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak RSS':<38} {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
