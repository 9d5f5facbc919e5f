"""core.dbretry: deadlocks and serialization failures are retried at the outermost transaction,
then answered 409 concurrent_change with Retry-After, never 503 "database unreachable"."""

from __future__ import annotations

import pytest
from django.db import OperationalError, transaction

from core.dbretry import ATTEMPTS, ConcurrentChange, is_concurrency_failure, retry_on_conflict


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def _operational(sqlstate: str) -> OperationalError:
    try:
        raise OperationalError("deadlock detected") from _PgError(sqlstate)
    except OperationalError as exc:
        return exc


def test_it_recognises_deadlocks_and_serialization_failures_only():
    assert is_concurrency_failure(_operational("40P01"))
    assert is_concurrency_failure(_operational("40001"))
    assert not is_concurrency_failure(_operational("08006"))  # connection failure: an outage
    assert not is_concurrency_failure(OperationalError("no cause"))


def test_a_deadlock_is_run_again_and_succeeds():
    calls = []

    @retry_on_conflict
    def write():
        calls.append(1)
        if len(calls) < ATTEMPTS:
            raise _operational("40P01")
        return "written"

    assert write() == "written"
    assert len(calls) == ATTEMPTS


def test_a_lasting_conflict_becomes_concurrent_change_after_the_bounded_attempts():
    calls = []

    @retry_on_conflict
    def write():
        calls.append(1)
        raise _operational("40001")

    with pytest.raises(ConcurrentChange) as raised:
        write()
    assert (len(calls), raised.value.status, raised.value.rule) == (ATTEMPTS, 409,
                                                                    "concurrent_change")


@pytest.mark.django_db
def test_inside_an_enclosing_transaction_it_is_left_to_the_outermost_caller():
    calls = []

    @retry_on_conflict
    def write():
        calls.append(1)
        raise _operational("40P01")

    with pytest.raises(OperationalError), transaction.atomic():
        write()
    assert len(calls) == 1


def test_an_outage_is_not_retried():
    calls = []

    @retry_on_conflict
    def write():
        calls.append(1)
        raise _operational("08006")

    with pytest.raises(OperationalError):
        write()
    assert len(calls) == 1


@pytest.mark.django_db
def test_the_api_answers_a_deadlock_409_with_retry_after(coordinator_client, monkeypatch):
    from scheduling import services

    def deadlocked(**_kwargs):
        raise _operational("40P01")

    monkeypatch.setattr(services, "booking_cancel", deadlocked)
    from tests.factories.scheduling import BookingFactory

    booking = BookingFactory()
    response = coordinator_client.post(f"/api/v1/bookings/{booking.public_id}/cancel/",
                                       {"reason": "x"}, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert response.json()["errors"][0]["rule"] == "concurrent_change"


def test_a_page_answers_a_deadlock_409_not_the_outage_page():
    from core.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    from django.test import RequestFactory

    request = RequestFactory().post("/bookings/x/cancel/")
    response = middleware.process_exception(request, _operational("40P01"))
    assert response.status_code == 409
    assert "Someone else was changing the same data" in response.content.decode()
    outage = middleware.process_exception(request, _operational("08006"))
    assert outage.status_code == 503
