"""G-CONCURRENCY-2: 8 parallel POSTs of one external case id → one 201, the rest 200, exactly one row.

PostgreSQL only (run by .ci/run): the partial UNIQUE (source_system, external_id) is the arbiter.
The test database on SQLite is a shared-cache in-memory file, whose table locks ignore the busy
timeout, so threads there measure the test harness rather than the service. The SQLite
equivalent (the same id twice, sequentially: 201 then 200, one row) is
test_concurrency_cases.py::test_the_same_external_id_twice_gives_201_then_200_and_one_row.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from tests.integration.payloads import case_payload

PARALLEL = 8


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (run by .ci/run)")
@pytest.mark.django_db(transaction=True)
def test_parallel_creates_with_one_external_id_make_one_case(oauth_client_factory):
    from boardsvc.models import Board
    from cases.models import Case

    Board.objects.create(slug="spine-a", name="Spine board A")
    token = oauth_client_factory("cases:write").access_token.token
    body = case_payload(external_id="EXT-RACE-1", mrn="SYN-200001")

    def post(_: int) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            # Each retry of an integration engine carries its own key; the business id is
            # what makes the creates converge.
            return client.post("/api/v1/cases/", body, format="json",
                               HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        statuses = sorted(pool.map(post, range(PARALLEL)))
    assert statuses == [200] * (PARALLEL - 1) + [201]
    assert Case.objects.filter(source_system="his-test", external_id="EXT-RACE-1").count() == 1
