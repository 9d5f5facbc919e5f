"""Closing a room or marking a person away from the coordinator's pages (issue 14, repair).
Before, a closure could only be added in Django's admin, and the bookings it fell on stayed in
closed time with nothing to say so. Now "Rooms and people" → a resource → the form adds one;
its page lists the bookings it falls on by plan with "Re-plan these" (a repair run of those
bookings alone), and the worklist lists every booking in closed time until it is moved."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.models import AuditEvent
from scheduling import services
from scheduling.models import Booking, ResourceException, SolverRun
from tests.factories.scheduling import ResourceFactory, at, plan_with
from tests.support.web import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eve_of_2030():
    import time_machine

    with time_machine.travel(datetime(2030, 1, 6, 12, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def theatre(db):
    return ResourceFactory(code="or-1", name="Theatre 1", kind="operating_room")


@pytest.fixture
def surgery(theatre):
    plan, (procedure,) = plan_with("surgery")
    booking = services.booking_create(procedure=procedure, resource=theatre, start=at(2, 9),
                                      principal=None).booking
    return plan, booking


def _form(**change):
    # Wednesday 9 January 2030, the whole day (no times: from its start to its end).
    return {"kind": "closure", "start_day": "2030-01-09", "start_time": "",
            "end_day": "2030-01-09", "end_time": "", "reason": "Flooded", **change}


def test_closing_a_room_lists_its_bookings_and_re_plans_them(coordinator, theatre, surgery):
    plan, booking = surgery
    client = login(coordinator)
    resources = client.get("/resources/").content.decode()
    assert f'href="/resources/{theatre.public_id}/closures/"' in resources
    response = client.post(f"/resources/{theatre.public_id}/closures/", _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    closure = ResourceException.objects.get()
    assert (closure.start, closure.end, closure.kind) == (at(2, 0), at(3, 0), "closure")
    assert response["Location"] == f"/resources/{theatre.public_id}/closures/{closure.public_id}/"

    page = client.get(response["Location"]).content.decode()
    assert "<h1>Closed: Theatre 1</h1>" in page
    listed = page.split('id="closure-bookings"', 1)[1]
    assert f'data-plan="{plan.public_id}"' in listed
    assert f'name="replan" value="{booking.public_id}"' in listed
    assert "Wed 9 Jan 2030, 09:00" in listed  # in the room's zone (Rome)
    assert AuditEvent.objects.filter(action="list", object_type="booking",
                                     patient_pseudonym=str(plan.case.patient.public_id)).exists()

    started = client.post(f"/plans/{plan.public_id}/solver-runs/",
                          {"replan": str(booking.public_id)})
    assert started.status_code == 302
    run = SolverRun.objects.get(plan=plan)
    assert (run.kind, run.slipped) == ("repair", [{"id": str(booking.public_id), "version": 1}])


def test_the_worklist_lists_bookings_in_closed_time_until_they_move(coordinator, theatre,
                                                                   surgery):
    plan, booking = surgery
    client = login(coordinator)
    assert 'id="closed-time"' not in client.get("/worklist/").content.decode()
    # A closure from anywhere: here a hospital system's, stored directly.
    ResourceException.objects.create(resource=theatre, kind="maintenance", start=at(2, 8),
                                     end=at(2, 12), reason="Lamp replaced")
    page = client.get("/worklist/").content.decode()
    section = page.split('id="closed-time"', 1)[1].split("</section>", 1)[0]
    assert f'name="replan" value="{booking.public_id}"' in section
    assert f'action="/plans/{plan.public_id}/solver-runs/"' in section

    services.booking_move(booking=booking, start=at(2, 13), expected_version=booking.version,
                          principal=None)
    assert 'id="closed-time"' not in client.get("/worklist/").content.decode()


def test_an_absent_operator_brings_their_bookings_to_the_worklist(coordinator, theatre):
    operator = ResourceFactory(code="ir-a", name="Dr A (IR)", kind="interventional_radiologist")
    angio = ResourceFactory(code="angio-1", name="Angio suite", kind="angio_suite")
    _plan, (emb,) = plan_with("embolization")
    booking = services.booking_create(procedure=emb, resource=angio, start=at(3, 8),
                                      principal=None).booking
    client = login(coordinator)
    made = client.post(f"/resources/{operator.public_id}/closures/",
                       _form(start_day="2030-01-10", end_day="2030-01-11", reason="Congress"))
    assert made.status_code == 302
    page = client.get(made["Location"]).content.decode()
    assert f'value="{booking.public_id}"' in page
    assert "<h1>Away: Dr A (IR)</h1>" in page
    assert f'value="{booking.public_id}"' in client.get("/worklist/").content.decode()


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"end_day": "2030-01-08"}, "end_day", "end must be after start."),
    ({"reason": ""}, "reason", "reason is required"),
    # 02:30 on the last Sunday of March does not exist in Rome (clocks jump 02:00 → 03:00).
    ({"start_day": "2030-03-31", "start_time": "02:30", "end_day": "2030-03-31"},
     "start_time", "does not exist"),
    ({"end_day": "2031-06-01"}, "end_day", "at most 366 days"),
    # Dates at the ends of the calendar (before, a 500: the arithmetic overflowed).
    ({"end_day": "9999-12-31"}, "end_day", "Must be"),
    ({"start_day": "0001-01-01"}, "start_day", "Must be"),
], ids=["order", "reason", "nonexistent time", "span", "year 9999", "year 1"])
def test_a_bad_closure_is_shown_on_its_field_and_nothing_is_stored(coordinator, theatre, change,
                                                                   field, message):
    client = login(coordinator)
    response = client.post(f"/resources/{theatre.public_id}/closures/", _form(**change))
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}"' in page
    after_field = page.split(f'id="id_{field}"', 1)[1][:800] + page.split(
        f'for="id_{field}"', 1)[1][:800]
    assert message in after_field, after_field
    assert not ResourceException.objects.exists()


def test_removing_a_closure_frees_the_time(coordinator, theatre, surgery):
    client = login(coordinator)
    made = client.post(f"/resources/{theatre.public_id}/closures/", _form())
    closure = ResourceException.objects.get()
    removed = client.post(f"{made['Location']}remove/")
    assert removed.status_code == 302
    assert not ResourceException.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_type="resource_exception",
                                     object_id=str(closure.public_id)).exists()
    assert 'id="closed-time"' not in client.get("/worklist/").content.decode()
    assert Booking.objects.get().start == at(2, 9)


def test_the_pages_are_for_coordinators_only(world, theatre):
    member = login(world.member_a)
    assert member.get("/resources/").status_code == 403
    assert member.get(f"/resources/{theatre.public_id}/closures/").status_code == 403
    assert member.post(f"/resources/{theatre.public_id}/closures/", _form()).status_code == 403
    assert not ResourceException.objects.exists()


def test_the_worklists_closed_time_section_does_not_grow_queries_per_booking(coordinator,
                                                                             theatre):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ResourceException.objects.create(resource=theatre, kind="closure", start=at(2, 0),
                                     end=at(3, 0), reason="Flooded")
    client = login(coordinator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/worklist/").status_code == 200
        return len(queries.captured_queries)

    def booked(hour):
        _plan, (procedure,) = plan_with("surgery")
        booking = services.booking_create(procedure=procedure, resource=theatre,
                                          start=at(1, hour), principal=None).booking
        Booking.objects.filter(pk=booking.pk).update(start=at(2, hour), end=at(2, hour + 1))

    booked(8)
    one = count()
    booked(10)
    booked(12)
    assert 'id="closed-time"' in client.get("/worklist/").content.decode()
    assert count() == one


def test_a_booking_placed_in_closed_time_on_purpose_is_not_called_slipped(coordinator,
                                                                          theatre):
    """A coordinator may book into closed time with a reason (the override): that booking did
    not slip, and the worklist leaves it alone; one booked before the closure is listed."""
    ResourceException.objects.create(resource=theatre, kind="closure", start=at(2, 0),
                                     end=at(3, 0), reason="Teaching day")
    _plan, (procedure,) = plan_with("surgery")
    on_purpose = services.booking_create(procedure=procedure, resource=theatre, start=at(2, 9),
                                         principal=None,
                                         override_reason="Emergency list, agreed").booking
    client = login(coordinator)
    assert f'value="{on_purpose.public_id}"' not in client.get("/worklist/").content.decode()
    ResourceException.objects.create(resource=theatre, kind="maintenance", start=at(2, 8),
                                     end=at(2, 12), reason="Lamp replaced")
    assert f'value="{on_purpose.public_id}"' in client.get("/worklist/").content.decode()


def test_a_closure_that_is_over_is_kept(coordinator, theatre):
    past = ResourceException.objects.create(resource=theatre, kind="closure", start=at(-7, 0),
                                            end=at(-6, 0), reason="Last week")
    client = login(coordinator)
    url = f"/resources/{theatre.public_id}/closures/{past.public_id}/"
    assert 'id="remove-closure"' not in client.get(url).content.decode()
    refused = client.post(f"{url}remove/", follow=True)
    assert "This closure is over" in refused.content.decode()
    assert ResourceException.objects.filter(pk=past.pk).exists()


def test_the_worklist_shows_the_times_in_the_rooms_zone(coordinator, theatre, surgery):
    ResourceException.objects.create(resource=theatre, kind="closure", start=at(2, 0),
                                     end=at(3, 0), reason="Flooded")
    section = login(coordinator).get("/worklist/").content.decode().split(
        'id="closed-time"', 1)[1]
    assert "Wed 9 Jan 2030, 09:00" in section  # 08:00 UTC, in Rome
    assert "Europe/Rome" in section


def test_the_worklist_pages_bookings_in_closed_time_by_plan(coordinator, theatre, monkeypatch):
    """With one plan a page, a plan's two bookings in closed time are on one page with one
    "Re-plan these" for both (before, the section paged by booking: plan A's 08:00 booking on
    page 1, plan B's on page 2, A's 14:00 one on page 3)."""
    from scheduling.web.views import worklist

    monkeypatch.setattr(worklist, "PAGE_SIZE", 1)
    plan_a, (first, second) = plan_with("surgery", "surgery")
    _plan_b, (other,) = plan_with("surgery")
    booked = {}
    for procedure, hour in ((first, 8), (other, 10), (second, 14)):
        booking = services.booking_create(procedure=procedure, resource=theatre,
                                          start=at(1, hour), principal=None).booking
        Booking.objects.filter(pk=booking.pk).update(start=at(2, hour), end=at(2, hour + 1))
        booked[hour] = booking
    ResourceException.objects.create(resource=theatre, kind="closure", start=at(2, 0),
                                     end=at(3, 0), reason="Flooded")
    client = login(coordinator)
    page = client.get("/worklist/").content.decode().split('id="closed-time"', 1)[1]
    assert f'data-plan="{plan_a.public_id}"' in page
    assert f'value="{booked[8].public_id}"' in page
    assert f'value="{booked[14].public_id}"' in page
    assert f'value="{booked[10].public_id}"' not in page
    second_page = client.get("/worklist/?cpage=2").content.decode()
    assert f'value="{booked[10].public_id}"' in second_page.split('id="closed-time"', 1)[1]


def test_the_list_of_closures_does_not_grow_queries_per_closure(coordinator, theatre):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(coordinator)
    url = f"/resources/{theatre.public_id}/closures/"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    ResourceException.objects.create(resource=theatre, kind="closure", start=at(2, 0),
                                     end=at(3, 0), reason="One")
    one = count()
    for day in (4, 5, 8, 9):
        ResourceException.objects.create(resource=theatre, kind="maintenance",
                                         start=at(day, 0), end=at(day, 6), reason="More")
    assert count() == one
