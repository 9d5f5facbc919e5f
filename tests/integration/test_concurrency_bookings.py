"""Optimistic concurrency and idempotent creation on bookings (G-CONCURRENCY-1, G-IDEMPOTENCY-1).

The world books case A's embolization on Tuesday 5 March 2030, 10:00 Rome; the angio suite is
open 08:00-18:00 on weekdays, so the moves and new bookings below are legal slots.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from cases.models import PlannedProcedure
from core.api.idempotency import _fingerprint
from core.models import IdempotencyRecord
from scheduling.models import Booking

pytestmark = pytest.mark.django_db

WEDNESDAY_10_ROME = datetime(2030, 3, 6, 9, 0, tzinfo=UTC)
WEDNESDAY_13_ROME = datetime(2030, 3, 6, 12, 0, tzinfo=UTC)


def _move_url(booking) -> str:
    return f"/api/v1/bookings/{booking.public_id}/move/"


def test_two_movers_with_the_same_etag_one_wins_the_other_gets_412(world, as_user):
    url = f"/api/v1/bookings/{world.booking_a.public_id}/"
    first, second = as_user(world.users["coordinator"]), as_user(world.users["administrator"])
    etag_1, etag_2 = first.get(url)["ETag"], second.get(url)["ETag"]
    assert etag_1 == etag_2 == 'W/"1"'

    won = first.post(_move_url(world.booking_a), {"start": WEDNESDAY_10_ROME.isoformat()},
                     format="json", HTTP_IF_MATCH=etag_1)
    assert won.status_code == 200, won.content
    assert won["ETag"] == 'W/"2"'
    lost = second.post(_move_url(world.booking_a), {"start": WEDNESDAY_13_ROME.isoformat()},
                       format="json", HTTP_IF_MATCH=etag_2)
    assert lost.status_code == 412
    assert lost["Content-Type"] == "application/problem+json"

    world.booking_a.refresh_from_db()
    assert (world.booking_a.start, world.booking_a.version) == (WEDNESDAY_10_ROME, 2)


def test_a_move_without_if_match_is_428_and_changes_nothing(world, as_user):
    response = as_user(world.users["coordinator"]).post(
        _move_url(world.booking_a), {"start": WEDNESDAY_10_ROME.isoformat()}, format="json")
    assert response.status_code == 428
    assert response.json()["status"] == 428
    world.booking_a.refresh_from_db()
    assert world.booking_a.version == 1


def test_a_stale_cancel_is_412_and_the_booking_stays(world, as_user):
    response = as_user(world.users["coordinator"]).post(
        f"/api/v1/bookings/{world.booking_a.public_id}/cancel/", {"reason": "patient unwell"},
        format="json", HTTP_IF_MATCH='W/"7"')
    assert response.status_code == 412
    world.booking_a.refresh_from_db()
    assert world.booking_a.status == Booking.Status.BOOKED


@pytest.fixture
def unbooked(world):
    """A second embolization on case A's plan, not yet booked."""
    return PlannedProcedure.objects.create(
        plan=world.booking_a.plan, sequence=2, procedure_type="embolization",
        intent="palliative", purpose="",
    )


def _body(procedure, world, start=WEDNESDAY_10_ROME) -> dict[str, str]:
    return {"procedure": str(procedure.public_id), "resource": str(world.resource.public_id),
            "start": start.isoformat()}


def test_replay_returns_the_stored_booking_and_books_once(world, unbooked,
                                                             oauth_client_factory):
    his = oauth_client_factory("bookings:write", "bookings:read")
    key = str(uuid.uuid4())
    first = his.post("/api/v1/bookings/", _body(unbooked, world), format="json",
                     HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    again = his.post("/api/v1/bookings/", _body(unbooked, world), format="json",
                     HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert Booking.objects.filter(procedure=unbooked).count() == 1


def test_same_key_other_body_is_422_and_a_missing_key_is_400(world, unbooked,
                                                                oauth_client_factory):
    his = oauth_client_factory("bookings:write")
    key = str(uuid.uuid4())
    assert his.post("/api/v1/bookings/", _body(unbooked, world), format="json",
                    HTTP_IDEMPOTENCY_KEY=key).status_code == 201
    other = his.post("/api/v1/bookings/", _body(unbooked, world, WEDNESDAY_13_ROME),
                     format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert other.status_code == 422
    missing = his.post("/api/v1/bookings/", _body(unbooked, world, WEDNESDAY_13_ROME),
                       format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"][0] == {
        "field": "Idempotency-Key", "rule": "required",
        "message": "This endpoint requires an Idempotency-Key header (a UUID)."}
    assert Booking.objects.filter(procedure=unbooked).count() == 1


def test_a_key_still_in_progress_is_409_and_books_nothing(world, unbooked,
                                                            oauth_client_factory):
    his = oauth_client_factory("bookings:write")
    key = str(uuid.uuid4())
    body = _body(unbooked, world)
    # The first request holds the key, as it does while its transaction runs.
    IdempotencyRecord.objects.create(
        client=f"client:{his.application.client_id}", key=key,
        endpoint="scheduling.booking_create",
        fingerprint=_fingerprint("scheduling.booking_create", body),
        expires_at=datetime(2099, 1, 1, tzinfo=UTC),
    )
    response = his.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 409
    assert not Booking.objects.filter(procedure=unbooked).exists()


def test_a_refused_booking_is_not_stored_so_a_corrected_retry_may_reuse_the_key(
        world, unbooked, oauth_client_factory):
    his = oauth_client_factory("bookings:write")
    key = str(uuid.uuid4())
    taken = _body(unbooked, world, world.booking_a.start)  # the world's booking holds it
    refused = his.post("/api/v1/bookings/", taken, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert refused.status_code == 409
    assert not IdempotencyRecord.objects.filter(key=key).exists()
    corrected = his.post("/api/v1/bookings/", _body(unbooked, world), format="json",
                         HTTP_IDEMPOTENCY_KEY=key)
    assert corrected.status_code == 201, corrected.content


def test_a_database_lost_after_the_write_leaves_neither_the_booking_nor_a_stuck_key(
        world, unbooked, oauth_client_factory, monkeypatch):
    """Issue 15, item 4: the key used to be taken in its own transaction, so a request whose
    connection died after the booking was saved answered 503 while the booking stayed, and the
    client could never learn it (the key was stuck "in progress", or a retry was refused as a
    double booking). Now the key and the work commit together or not at all: 503, nothing
    stored, and the retry with the same key books once."""
    from django.db import OperationalError

    from scheduling.api import bookings as bookings_api

    his = oauth_client_factory("bookings:write", "bookings:read")
    key = str(uuid.uuid4())
    real_get = bookings_api.selectors.booking_get

    def connection_lost(**_kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(bookings_api.selectors, "booking_get", connection_lost)
    lost = his.post("/api/v1/bookings/", _body(unbooked, world), format="json",
                    HTTP_IDEMPOTENCY_KEY=key)
    assert lost.status_code == 503
    assert lost["Retry-After"]
    assert not Booking.objects.filter(procedure=unbooked).exists()
    assert not IdempotencyRecord.objects.filter(key=key).exists()

    monkeypatch.setattr(bookings_api.selectors, "booking_get", real_get)
    retry = his.post("/api/v1/bookings/", _body(unbooked, world), format="json",
                     HTTP_IDEMPOTENCY_KEY=key)
    assert retry.status_code == 201, retry.content
    again = his.post("/api/v1/bookings/", _body(unbooked, world), format="json",
                     HTTP_IDEMPOTENCY_KEY=key)
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert Booking.objects.filter(procedure=unbooked).count() == 1


def test_a_key_left_in_progress_by_a_dead_request_is_taken_over_after_its_lease(
        world, unbooked, oauth_client_factory, settings):
    his = oauth_client_factory("bookings:write")
    key = str(uuid.uuid4())
    body = _body(unbooked, world)
    record = IdempotencyRecord.objects.create(
        client=f"client:{his.application.client_id}", key=key,
        endpoint="scheduling.booking_create",
        fingerprint=_fingerprint("scheduling.booking_create", body),
        expires_at=datetime(2099, 1, 1, tzinfo=UTC),
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=datetime(2020, 1, 1, tzinfo=UTC))  # long dead
    response = his.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 201, response.content
    assert Booking.objects.filter(procedure=unbooked).count() == 1
    assert IdempotencyRecord.objects.get(key=key).state == IdempotencyRecord.State.COMPLETED
