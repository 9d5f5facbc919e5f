"""A database outage is a fast 503 with Retry-After, never a traceback, and the service recovers
without a restart (docs/security.md, R1).

The outage is real: the connection is pointed at a port where nothing listens, so psycopg
raises its own error. PostgreSQL only (the .ci/run PostgreSQL phase): the SQLite test database
lives in memory and Django never closes that connection, so it cannot be taken away.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from django.db import connection

from cases.models import Case
from tests.factories.boardsvc import make_case

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (run by .ci/run)"),
]


@contextmanager
def database_down():
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there: connection refused
    connection.settings_dict["HOST"] = "127.0.0.1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_the_api_answers_503_with_retry_after_then_recovers(coordinator_client):
    case = make_case(status="submitted")
    url = f"/api/v1/cases/{case.public_id}/"
    assert coordinator_client.get(url).status_code == 200

    with database_down():
        started = time.monotonic()
        response = coordinator_client.get(url)
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 503
    assert "Traceback" not in response.content.decode()
    assert elapsed < 10  # bounded by connect_timeout, never a hang

    # The first request after the database is back succeeds, in the same process.
    assert coordinator_client.get(url).status_code == 200
    assert Case.objects.filter(pk=case.pk).exists()


def test_a_person_sees_a_plain_unavailable_page(client, coordinator):
    client.force_login(coordinator)
    with database_down():
        response = client.get("/cases/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "briefly unavailable" in response.content.decode()
    assert client.get("/cases/").status_code == 200
