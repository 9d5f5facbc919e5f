"""The booking page books the people a procedure needs with the room (issue 13): it shows, per
needed kind, who would be taken and who is busy, lets the coordinator choose someone, and says
which needed kinds the site keeps no calendar for."""

from __future__ import annotations

import pytest

from scheduling.models import BookingStaff
from tests.factories.scheduling import ResourceFactory, at
from tests.support.web import login

pytestmark = pytest.mark.django_db


def _check(client, plan, procedure, resource, start):
    return client.get(f"/plans/{plan.public_id}/book/", {
        "procedure": procedure.public_id, "resource": resource.public_id,
        "start": start.isoformat(), "day": "2030-01-07"})


def test_the_rule_check_names_the_people_and_a_chosen_one_is_booked(plan_ready, coordinator):
    plan, procedures, angio, theatre = plan_ready
    ResourceFactory(code="ir-a", name="Dr Alpha", kind="interventional_radiologist")
    beta = ResourceFactory(code="ir-b", name="Dr Beta", kind="interventional_radiologist")
    client = login(coordinator)
    body = _check(client, plan, procedures[0], angio, at(0, 9)).content.decode()
    assert "People booked with the room" in body
    assert "The first free one (Dr Alpha)" in body
    assert 'name="staff_interventional_radiologist"' in body
    response = client.post(f"/plans/{plan.public_id}/book/", {
        "procedure": str(procedures[0].public_id), "resource": str(angio.public_id),
        "start": at(0, 9).isoformat(), "confirm": "1",
        "staff_interventional_radiologist": str(beta.public_id)})
    assert response.status_code == 302
    assert list(BookingStaff.objects.values_list("resource__code", flat=True)) == ["ir-b"]
    # The surgery needs a surgeon and anaesthesia: this site keeps no calendar for them.
    body = _check(client, plan, procedures[1], theatre, at(1, 9)).content.decode()
    assert "this site keeps no calendar for them" in body
    assert "Surgeon" in body
    assert "Anaesthesia team" in body


def test_a_busy_person_is_marked_and_nobody_free_is_said_before_confirming(plan_ready,
                                                                          coordinator):
    plan, procedures, angio, _theatre = plan_ready
    ResourceFactory(code="ir-a", name="Dr Alpha", kind="interventional_radiologist")
    client = login(coordinator)
    from tests.factories.scheduling import plan_with
    other, (emb,) = plan_with("embolization")
    hybrid = ResourceFactory(code="hy-1", name="Hybrid 1", kind="hybrid_ct_angio")
    assert client.post(f"/plans/{other.public_id}/book/", {
        "procedure": str(emb.public_id), "resource": str(hybrid.public_id),
        "start": at(0, 9).isoformat(), "confirm": "1"}).status_code == 302
    body = _check(client, plan, procedures[0], angio, at(0, 10)).content.decode()
    assert "busy or not working then" in body
    assert "No one is free and working for the whole of this time" in body
    refused = client.post(f"/plans/{plan.public_id}/book/", {
        "procedure": str(procedures[0].public_id), "resource": str(angio.public_id),
        "start": at(0, 10).isoformat(), "confirm": "1"})
    assert refused.status_code == 409
    assert "is free and working" in refused.content.decode()


def test_the_move_page_names_the_people_who_move_with_the_booking(plan_ready, coordinator):
    plan, procedures, angio, _theatre = plan_ready
    ResourceFactory(code="ir-a", name="Dr Alpha", kind="interventional_radiologist")
    client = login(coordinator)
    client.post(f"/plans/{plan.public_id}/book/", {
        "procedure": str(procedures[0].public_id), "resource": str(angio.public_id),
        "start": at(0, 9).isoformat(), "confirm": "1"})
    booking = BookingStaff.objects.get().booking
    body = client.get(f"/bookings/{booking.public_id}/move/").content.decode()
    assert 'id="booked-people"' in body
    assert "Dr Alpha" in body
    assert "Interventional radiologist" in body
