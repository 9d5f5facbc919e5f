"""Worklist, booking page (free slots, rule check before confirming) and the timeline."""

from __future__ import annotations

import pytest

from scheduling.models import Booking
from tests.factories.scheduling import at
from tests.support.queries import assert_num_queries
from tests.support.web import login

pytestmark = pytest.mark.django_db


def _book(client, plan, procedure, resource, start, **extra):
    data = {"procedure": str(procedure.public_id), "resource": str(resource.public_id),
            "start": start.isoformat(), "confirm": "1", **extra}
    return client.post(f"/plans/{plan.public_id}/book/", data)


def test_the_worklist_lists_plans_waiting_to_be_booked(plan_ready, coordinator):
    plan, _procedures, _angio, _theatre = plan_ready
    body = login(coordinator).get("/worklist/").content.decode()
    assert str(plan.case.patient.public_id)[:8] in body
    assert f"/plans/{plan.public_id}/book/" in body


def test_the_booking_page_offers_free_slots_per_resource(plan_ready, coordinator):
    plan, procedures, angio, _theatre = plan_ready
    page = login(coordinator).get(f"/plans/{plan.public_id}/book/",
                                  {"procedure": procedures[0].public_id, "day": "2030-01-07"})
    body = page.content.decode()
    assert page.status_code == 200
    assert angio.name in body
    assert 'data-slot="angio-1|2030-01-07 07:00"' in body


def test_choosing_a_slot_shows_the_rule_check_before_anything_is_booked(plan_ready,
                                                                         coordinator):
    plan, procedures, angio, theatre = plan_ready
    client = login(coordinator)
    assert _book(client, plan, procedures[0], angio, at(0, 9)).status_code == 302
    page = client.get(f"/plans/{plan.public_id}/book/", {
        "procedure": procedures[1].public_id, "resource": theatre.public_id,
        "start": at(3, 9).isoformat(), "day": "2030-01-07"})
    body = page.content.decode()
    assert "Rule check before confirming" in body
    assert "R1" in body
    assert Booking.objects.count() == 1  # the preview books nothing


# The rule check reads the patient's clocks (R9-R11) once for the before/after comparison, the
# plan's verdicts and the deadlines: 46 queries when each built its own engine context.
PREVIEW_QUERIES = 38


def test_the_rule_check_reads_the_clocks_once(plan_ready, coordinator):
    plan, procedures, angio, theatre = plan_ready
    client = login(coordinator)
    assert _book(client, plan, procedures[0], angio, at(0, 9)).status_code == 302
    check = {"procedure": procedures[1].public_id, "resource": theatre.public_id,
             "start": at(3, 9).isoformat(), "day": "2030-01-07"}
    client.get(f"/plans/{plan.public_id}/book/", check)  # session and caches warm
    with assert_num_queries(PREVIEW_QUERIES):
        body = client.get(f"/plans/{plan.public_id}/book/", check).content.decode()
    assert "Rule check before confirming" in body


def test_surgery_three_days_after_embolization_is_booked_with_a_warning(plan_ready,
                                                                       coordinator):
    plan, procedures, angio, theatre = plan_ready
    client = login(coordinator)
    _book(client, plan, procedures[0], angio, at(0, 9))
    response = _book(client, plan, procedures[1], theatre, at(3, 9))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "R1" in page  # the soft warning, shown as a message
    timeline = client.get(f"/plans/{plan.public_id}/timeline/").content.decode()
    assert 'data-violated="true"' in timeline
    assert "#a4161a" in timeline


def test_a_hard_rule_refuses_the_booking_and_says_why(plan_ready, coordinator):
    plan, procedures, angio, theatre = plan_ready
    client = login(coordinator)
    _book(client, plan, procedures[0], angio, at(0, 9))
    # Surgery before the embolization that prepares it breaks R2 (hard).
    response = _book(client, plan, procedures[1], theatre, at(-3, 9))
    assert response.status_code == 409
    assert "R2" in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_taken_slot_is_a_clear_conflict(plan_ready, coordinator):
    plan, procedures, angio, _theatre = plan_ready
    client = login(coordinator)
    _book(client, plan, procedures[0], angio, at(0, 9))
    from tests.factories.scheduling import plan_with

    other, other_procedures = plan_with("embolization")
    response = _book(client, other, other_procedures[0], angio, at(0, 9))
    assert response.status_code == 409
    assert "already booked" in response.content.decode()


def test_the_timeline_draws_rule_windows(plan_ready, coordinator):
    plan, procedures, angio, _theatre = plan_ready
    client = login(coordinator)
    _book(client, plan, procedures[0], angio, at(0, 9))
    url = f"/plans/{plan.public_id}/timeline/"
    assert 'stroke-dasharray="4 3"' not in client.get(url).content.decode()  # none by default
    # Selecting the surgery (not booked yet) shades its rule windows on its lane.
    body = client.get(url, {"procedure": procedures[1].public_id}).content.decode()
    assert "<svg" in body
    assert 'stroke-dasharray="4 3"' in body  # a shaded rule window on the surgery row
