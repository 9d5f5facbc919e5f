"""Concurrent move, cancel and done on bookings sharing rooms never reach the client as an
outage (issue 15, item 3; G-CONCURRENCY-6).

Before: ``locked_changeable``, cancel and done locked the booking with ``select_for_update()``
over ``select_related("resource", ...)``, which on PostgreSQL also locks the joined room row,
booking-then-room, while a move locks the rooms first, then the booking: 20 of 100 requests
deadlocked and were answered 503 "database unreachable". Every lock now names only its own row
(``of=("self",)``, enforced by tests/test_architecture.py), rooms are always taken before
bookings, and a deadlock or serialization failure that still happens is retried, then answered
409 ``concurrent_change`` (core.dbretry)."""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").split(":")[0] not in
                    {"postgres", "postgresql", "pgsql"},
                    reason="needs PostgreSQL (run by .ci/run)")
def test_concurrent_move_cancel_and_done_give_no_outage(coordinator):
    from celery import current_app
    from rest_framework.test import APIClient

    from scheduling.demo import seed_rules_and_catalogue
    from scheduling.models import Booking
    from tests.factories.scheduling import BookingFactory, ResourceFactory, plan_with

    assert connection.vendor == "postgresql"
    current_app.loader.import_default_modules()  # eager tasks looked up from many threads
    seed_rules_and_catalogue()
    rooms = [ResourceFactory(code=f"angio-lock-{i}", kind="angio_suite", hours=False)
             for i in range(2)]
    now = timezone.now()
    bookings = []
    for i in range(6):
        _plan, (emb,) = plan_with("embolization")
        start = now - timedelta(days=10 + i, hours=1)
        bookings.append(BookingFactory(procedure=emb, resource=rooms[i % 2], start=start,
                                       end=start + timedelta(minutes=30)))
    rng = random.Random(15)
    plan = [(k % 3, rng.choice(bookings), rng.choice(rooms), rng.randint(20, 60))
            for k in range(120)]
    results: list[tuple[int, int, bytes]] = []
    lock = threading.Lock()

    def one(step):
        op, booking, room, days = step
        client = APIClient()
        client.force_authenticate(coordinator)
        try:
            version = Booking.objects.get(pk=booking.pk).version
            headers = {"HTTP_IF_MATCH": f'W/"{version}"'}
            url = f"/api/v1/bookings/{booking.public_id}/"
            if op == 0:
                response = client.post(f"{url}move/", {
                    "start": (now - timedelta(days=days)).isoformat(),
                    "resource": str(room.public_id), "retrospective_reason": "recorded late",
                    "override_reason": "out of hours"}, format="json", **headers)
            elif op == 1:
                response = client.post(f"{url}cancel/", {"reason": "unwell"}, format="json",
                                       **headers)
            else:
                response = client.post(f"{url}done/", {}, format="json", **headers)
            outcome = (op, response.status_code, response.content[:200])
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(one, plan))
    codes = Counter(code for _op, code, _body in results)
    assert set(codes) <= {200, 409, 412}, [r for r in results if r[1] >= 500]
    assert codes[200] >= 1
