"""Eight clients retry one booking with the same Idempotency-Key at the same moment
(PostgreSQL): the key is taken inside the request's transaction, so the others wait for the
first to commit and get its result replayed. One booking, eight 201s with the same body."""

from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.factories.scheduling import ResourceFactory, at, plan_with


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").split(":")[0] not in
                    {"postgres", "postgresql", "pgsql"},
                    reason="needs PostgreSQL (run by .ci/run)")
def test_eight_retries_with_one_key_book_once_and_all_get_the_result(coordinator):
    from celery import current_app
    from rest_framework.test import APIClient

    from scheduling.demo import seed_rules_and_catalogue
    from scheduling.models import Booking

    current_app.loader.import_default_modules()
    seed_rules_and_catalogue()
    room = ResourceFactory(code="angio-idem", kind="angio_suite")
    _plan, (emb,) = plan_with("embolization")
    body = {"procedure": str(emb.public_id), "resource": str(room.public_id),
            "start": at(2, 9).isoformat()}
    key = str(uuid.uuid4())
    go_at = time.time() + 0.5

    def one(_n):
        client = APIClient()
        client.force_authenticate(coordinator)
        time.sleep(max(0.0, go_at - time.time()))
        try:
            response = client.post("/api/v1/bookings/", body, format="json",
                                   HTTP_IDEMPOTENCY_KEY=key)
            return response.status_code, response.json().get("id")
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(8)))
    assert {code for code, _id in results} == {201}, results
    assert len({booking_id for _code, booking_id in results}) == 1
    assert Booking.objects.filter(procedure=emb).count() == 1
