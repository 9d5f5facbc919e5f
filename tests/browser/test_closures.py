"""Closing a room in a real browser (issue 14, repair): the coordinator opens "Rooms and
people", picks the operating room, closes it for a day that holds a booking, and lands on the
closure's page, which lists that booking with "Re-plan these"; the button starts a repair run
of that booking alone. The worklist lists the booking too, with its time in the room's zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_closing_a_room_lists_its_booking_and_re_plans_it(demo, page):
    from django.utils import timezone

    from scheduling import services
    from scheduling.models import Resource, ResourceException, SolverRun
    from tests.factories.scheduling import plan_with

    room = Resource.objects.get(code="or-1")
    zone = ZoneInfo(room.timezone)
    day = timezone.now().astimezone(zone).date() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    plan, (surgery,) = plan_with("surgery")
    booking = services.booking_create(procedure=surgery, resource=room,
                                      start=datetime.combine(day, time(10), tzinfo=zone),
                                      principal=None).booking

    sign_in(page, "coordinator")
    page.get_by_role("link", name="Rooms and people").click()
    page.get_by_role("link", name=room.name).click()
    page.locator("#id_kind").select_option("closure")
    page.locator("#id_start_day").fill(day.isoformat())
    page.locator("#id_end_day").fill(day.isoformat())
    page.locator("#id_reason").fill("Ventilation works")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#closure-bookings")
    closure = ResourceException.objects.get(resource=room, reason="Ventilation works")
    assert closure.start == datetime.combine(day, time.min, tzinfo=zone)
    assert closure.end == datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    row = page.locator(f'#closure-bookings tr[data-plan="{plan.public_id}"]')
    assert f"{day:%-d} " in row.inner_text()
    assert "10:00" in row.inner_text()
    assert not [e for e in page.csp_errors if "Content Security Policy" in e], page.csp_errors
    shot(page, "closures-01-bookings-in-the-closure")

    page.goto("/worklist/")
    worklist_row = page.locator(f'#closed-time tr[data-plan="{plan.public_id}"]')
    assert "10:00" in worklist_row.inner_text()
    assert room.timezone in worklist_row.inner_text()

    worklist_row.get_by_role("button", name="Re-plan these").click()
    page.wait_for_selector("#run-status")
    run = SolverRun.objects.get(plan=plan)
    assert (run.kind, [s["id"] for s in run.slipped]) == ("repair", [str(booking.public_id)])
    shot(page, "closures-02-repair-run")
