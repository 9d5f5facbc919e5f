"""Issue 10 item 6: one planned procedure held three active bookings on two rooms.

One active (not cancelled) booking per planned procedure is now a database guarantee: a
partial unique index on Booking.procedure, radiotherapy fractions aside (rows with a
fraction number). The API answers 409 naming the rule, the booking page shows the error, a raw
ORM insert is an IntegrityError on SQLite and PostgreSQL alike (run this file with
DATABASE_URL=postgres://... for the second), and migration 0006 resolves existing duplicates.
"""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from scheduling import services
from scheduling.models import BOOKING_ONE_ACTIVE_CONSTRAINT, Booking
from scheduling.services import booking_checks
from tests.factories.scheduling import BookingFactory, ResourceFactory, at, plan_with
from tests.support.web import login

pytestmark = pytest.mark.django_db

API = "/api/v1"
RULE = "one_active_booking_per_procedure"
MIGRATION = importlib.import_module("scheduling.migrations.0006_cancel_duplicate_active_bookings")


@pytest.fixture(autouse=True)
def _rules_and_catalogue(db):
    """A transactional test elsewhere may have flushed the seeded catalogue: re-seed it."""
    from scheduling.demo import seed_rules_and_catalogue

    seed_rules_and_catalogue()


@pytest.fixture
def rooms(db):
    return {
        "angio": ResourceFactory(code="one-angio", name="Angio suite", kind="angio_suite"),
        "hybrid": ResourceFactory(code="one-hybrid", name="Hybrid room", kind="hybrid_ct_angio"),
        "linac": ResourceFactory(code="one-linac", name="Linac", kind="linac"),
    }


@pytest.fixture
def client(coordinator) -> APIClient:
    api = APIClient()
    api.force_authenticate(coordinator)
    return api


def _book(client, procedure, room, start, **extra):
    return client.post(f"{API}/bookings/", {
        "procedure": str(procedure.public_id), "resource": str(room.public_id),
        "start": start.isoformat(), **extra}, format="json")


def _active(procedure) -> int:
    return Booking.objects.filter(procedure=procedure).exclude(status="cancelled").count()


def test_three_bookings_of_one_procedure_on_two_rooms_give_one_201_and_two_409s(client, rooms):
    _p, (emb,) = plan_with("embolization")
    answers = [
        _book(client, emb, rooms["angio"], at(0, 8)),
        _book(client, emb, rooms["hybrid"], at(0, 8)),
        _book(client, emb, rooms["angio"], at(1, 8)),
    ]
    assert [r.status_code for r in answers] == [201, 409, 409]
    for refused in answers[1:]:
        assert refused["Content-Type"].startswith("application/problem+json")
        assert refused.json()["errors"] == [{
            "field": "procedure", "rule": RULE, "message": refused.json()["detail"]}]
    assert _active(emb) == 1


def test_the_race_past_the_friendly_check_is_a_409_not_a_500(client, rooms, monkeypatch):
    """Two requests on two rooms lock different rows, so both can pass the pre-check; the
    database's index decides, and its IntegrityError is mapped to the same 409."""
    _p, (emb,) = plan_with("embolization")
    monkeypatch.setattr(booking_checks, "check_not_booked", lambda procedure: None)
    first = _book(client, emb, rooms["angio"], at(0, 8))
    second = _book(client, emb, rooms["hybrid"], at(0, 8))
    assert (first.status_code, second.status_code) == (201, 409)
    assert second.json()["errors"][0]["rule"] == RULE
    assert _active(emb) == 1


def test_a_cancelled_booking_no_longer_counts(client, rooms):
    _p, (emb,) = plan_with("embolization")
    first = _book(client, emb, rooms["angio"], at(0, 8)).json()
    cancelled = client.post(f"{API}/bookings/{first['id']}/cancel/", {"reason": "Moved room"},
                            format="json")
    assert cancelled.status_code == 200
    assert _book(client, emb, rooms["hybrid"], at(0, 8)).status_code == 201
    assert _active(emb) == 1


def test_moving_the_one_booking_is_still_allowed(client, rooms):
    _p, (emb,) = plan_with("embolization")
    made = _book(client, emb, rooms["angio"], at(0, 8)).json()
    moved = client.post(f"{API}/bookings/{made['id']}/move/",
                        {"start": at(1, 8).isoformat(), "resource": str(rooms["hybrid"].public_id)},
                        format="json", HTTP_IF_MATCH='W/"1"')
    assert moved.status_code == 200


def test_radiotherapy_fractions_of_one_course_are_exempt(client, rooms):
    _p, (rt,) = plan_with({"procedure_type": "radiotherapy", "fractions": 5})
    response = _book(client, rt, rooms["linac"], at(0, 9), fractions=5)
    assert response.status_code == 201
    assert len(response.json()["course"]) == 5
    assert sorted(Booking.objects.filter(procedure=rt).values_list("fraction_number", flat=True)
                  ) == [1, 2, 3, 4, 5]


def test_the_booking_page_shows_the_rule_instead_of_a_500(coordinator, rooms):
    plan, (emb,) = plan_with("embolization")
    services.booking_create(procedure=emb, resource=rooms["angio"], start=at(0, 8),
                            principal=None)
    response = login(coordinator).post(f"/plans/{plan.public_id}/book/", {
        "procedure": str(emb.public_id), "resource": str(rooms["hybrid"].public_id),
        "start": at(1, 8).isoformat(), "day": "2030-01-07", "confirm": "1"})
    assert response.status_code == 409
    assert response.context["error_field"] == "procedure"
    assert "already has an active booking" in response.content.decode()
    assert _active(emb) == 1


@pytest.mark.parametrize("status", ["booked", "proposed", "done"])
def test_a_raw_second_active_booking_is_an_integrity_error(rooms, status):
    """The database itself refuses it (SQLite and PostgreSQL: run with DATABASE_URL too)."""
    _p, (emb,) = plan_with("embolization")
    BookingFactory(procedure=emb, resource=rooms["angio"], start=at(0, 8), end=at(0, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(procedure=emb, resource=rooms["hybrid"], start=at(2, 8), end=at(2, 10),
                       status=status)
    BookingFactory(procedure=emb, resource=rooms["hybrid"], start=at(3, 8), end=at(3, 10),
                   status="cancelled")  # a cancelled one is allowed
    assert _active(emb) == 1


def test_the_constraint_is_declared_on_the_model():
    names = {c.name for c in Booking._meta.constraints}
    assert BOOKING_ONE_ACTIVE_CONSTRAINT in names


# --- migration 0006: existing duplicates -----------------------------------------------------


def _without_the_index():
    """Drop the index inside the test's transaction (rolled back at its end) so duplicates
    written before the constraint existed can be recreated."""
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{BOOKING_ONE_ACTIVE_CONSTRAINT}"')


def test_the_migration_keeps_the_confirmed_booking_and_cancels_the_others(rooms):
    _p, (emb,) = plan_with("embolization")
    _without_the_index()
    proposed = BookingFactory(procedure=emb, resource=rooms["angio"], start=at(0, 8),
                              end=at(0, 10), status="proposed")
    booked = BookingFactory(procedure=emb, resource=rooms["hybrid"], start=at(0, 8),
                            end=at(0, 10), status="booked")
    later = BookingFactory(procedure=emb, resource=rooms["angio"], start=at(1, 8),
                           end=at(1, 10), status="booked")
    MIGRATION.cancel_duplicates(django_apps, None)
    for row in (proposed, booked, later):
        row.refresh_from_db()
    assert booked.status == "booked"
    assert (proposed.status, later.status) == ("cancelled", "cancelled")
    assert str(booked.public_id) in proposed.cancel_reason
    assert proposed.version == 2
    assert _active(emb) == 1


def test_the_migration_keeps_a_done_booking(rooms):
    _p, (emb,) = plan_with("embolization")
    _without_the_index()
    booked = BookingFactory(procedure=emb, resource=rooms["angio"], start=at(0, 8),
                            end=at(0, 10), status="booked")
    done = BookingFactory(procedure=emb, resource=rooms["hybrid"],
                          start=at(0, 8) - timedelta(days=3), end=at(0, 10) - timedelta(days=3),
                          status="done")
    MIGRATION.cancel_duplicates(django_apps, None)
    booked.refresh_from_db()
    done.refresh_from_db()
    assert (done.status, booked.status) == ("done", "cancelled")


def test_the_migration_stops_on_two_performed_bookings(rooms):
    _p, (emb,) = plan_with("embolization")
    _without_the_index()
    for room, day in ((rooms["angio"], 0), (rooms["hybrid"], 1)):
        BookingFactory(procedure=emb, resource=room, start=at(day, 8), end=at(day, 10),
                       status="done")
    with pytest.raises(RuntimeError, match="more than one performed"):
        MIGRATION.cancel_duplicates(django_apps, None)
    assert _active(emb) == 2  # nothing was cancelled: a person decides
