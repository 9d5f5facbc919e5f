"""No double booking is a database guarantee (scheduling/models.py): the exclusion constraint on
PostgreSQL and the triggers on SQLite refuse raw and bulk writes that skip the service too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from scheduling.domain.errors import SlotTaken
from scheduling.models import Booking
from scheduling.services import is_overlap_error
from tests.factories.scheduling import BookingFactory, PlannedProcedureFactory, ResourceFactory, at

pytestmark = pytest.mark.django_db


def _row(resource, start, hours=2, status="booked"):
    procedure = PlannedProcedureFactory()
    return Booking(procedure=procedure, plan=procedure.plan, patient=procedure.plan.case.patient,
                   resource=resource, start=start, end=start + timedelta(hours=hours),
                   status=status)


def test_a_raw_bulk_create_of_an_overlapping_active_row_raises_integrity_error():
    room = ResourceFactory()
    BookingFactory(resource=room, start=at(0, 9))
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        Booking.objects.bulk_create([_row(room, at(0, 10))])
    assert is_overlap_error(caught.value)
    assert Booking.objects.count() == 1


def test_two_overlapping_rows_in_one_bulk_insert_are_refused():
    room = ResourceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.bulk_create([_row(room, at(0, 9)), _row(room, at(0, 10))])
    assert Booking.objects.count() == 0


def test_back_to_back_rows_are_allowed():
    room = ResourceFactory()
    Booking.objects.bulk_create([_row(room, at(0, 9)), _row(room, at(0, 11)),
                                 _row(room, at(0, 13))])
    assert Booking.objects.count() == 3


def test_a_cancelled_row_does_not_block_but_reviving_it_over_another_does():
    room = ResourceFactory()
    cancelled = BookingFactory(resource=room, start=at(0, 9), status="cancelled")
    BookingFactory(resource=room, start=at(0, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=cancelled.pk).update(status="booked")


def test_an_update_that_moves_a_row_onto_another_is_refused():
    room = ResourceFactory()
    BookingFactory(resource=room, start=at(0, 9))
    other = BookingFactory(resource=room, start=at(0, 13))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=other.pk).update(start=at(0, 10), end=at(0, 12))


def test_the_same_time_on_two_rooms_is_fine():
    BookingFactory(resource=ResourceFactory(), start=at(0, 9))
    BookingFactory(resource=ResourceFactory(), start=at(0, 9))
    assert Booking.objects.count() == 2


def test_the_guard_is_installed_for_this_database_vendor():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT conname FROM pg_constraint WHERE conname = %s",
                           ["booking_no_overlap_excl"])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE 'scheduling_booking_no_overlap%%'")
        assert cursor.fetchall()


def test_the_services_map_the_guard_to_slot_taken(rooms, coordinator_principal, monkeypatch):
    """Even if the friendly pre-check misses a clash (a race), the guard's error is a SlotTaken."""
    from scheduling import services
    from scheduling.services import booking_checks
    from tests.factories.scheduling import plan_with

    _p, (a,) = plan_with("embolization")
    _q, (b,) = plan_with("embolization")
    services.booking_create(procedure=a, resource=rooms["angio"], start=at(0, 8),
                            principal=coordinator_principal)
    # The pre-check is looked up in booking_checks by the booking service: switch it off there.
    monkeypatch.setattr(booking_checks, "check_slot_free", lambda *args, **kwargs: None)
    with pytest.raises(SlotTaken):
        services.booking_create(procedure=b, resource=rooms["angio"], start=at(0, 9),
                                principal=coordinator_principal)
