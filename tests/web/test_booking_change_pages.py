"""Moving and cancelling a booking from the browser: rule check before the move, the version
check ("changed by someone else"), hard rules refusing, and access rules."""

from __future__ import annotations

import pytest

from core.access import principal_for_user
from scheduling import services
from scheduling.models import Booking, Violation
from tests.factories.scheduling import at
from tests.support.web import login

pytestmark = pytest.mark.django_db

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def booked(plan_ready, coordinator):
    """Embolization Monday 09:00, surgery Thursday 09:00: R1 (soft) warns, 48-72 h."""
    plan, procedures, angio, theatre = plan_ready
    principal = principal_for_user(coordinator)
    emb = services.booking_create(procedure=procedures[0], resource=angio, start=at(0, 9),
                                  principal=principal).booking
    surgery = services.booking_create(procedure=procedures[1], resource=theatre,
                                      start=at(3, 9), principal=principal).booking
    return plan, emb, surgery, theatre


def _move(client, booking, *, day="2030-01-08", time="09:00", resource=None, version=None,
          **extra):
    return client.post(f"/bookings/{booking.public_id}/move/", {
        "day": day, "time": time, "resource": str((resource or booking.resource).public_id),
        "version": booking.version if version is None else version, **extra})


def test_anonymous_is_sent_to_login(client, booked):
    surgery = booked[2]
    for url in (f"/bookings/{surgery.public_id}/move/", f"/bookings/{surgery.public_id}/cancel/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_members_cannot_move_or_cancel(world, booked):
    client = login(world.member_a)
    surgery = booked[2]
    assert client.get(f"/bookings/{surgery.public_id}/move/").status_code == 403
    assert client.post(f"/bookings/{surgery.public_id}/cancel/",
                       {"reason": "x", "version": 1}).status_code == 403


def test_an_unknown_booking_is_404(coordinator, booked):
    client = login(coordinator)
    assert client.get(f"/bookings/{UNKNOWN}/move/").status_code == 404
    assert client.get(f"/bookings/{UNKNOWN}/cancel/").status_code == 404


def test_other_methods_are_refused(coordinator, booked):
    client = login(coordinator)
    assert client.delete(f"/bookings/{booked[2].public_id}/move/").status_code == 405
    assert client.put(f"/bookings/{booked[2].public_id}/cancel/").status_code == 405


def test_the_move_page_shows_the_booking_and_free_times(coordinator, booked):
    surgery = booked[2]
    page = login(coordinator).get(f"/bookings/{surgery.public_id}/move/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Theatre 1" in body
    assert 'name="version" value="1"' in body
    assert 'value="2030-01-10"' in body  # the date field starts on the current day
    assert "data-slot=" in body


def test_checking_the_rules_before_moving_changes_nothing(coordinator, booked):
    surgery = booked[2]
    page = login(coordinator).get(f"/bookings/{surgery.public_id}/move/", {
        "day": "2030-01-11", "time": "09:00", "resource": str(surgery.resource.public_id),
        "version": surgery.version})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Rule check" in body
    assert "R1" in body  # four days after the embolization: still outside the window
    surgery.refresh_from_db()
    assert surgery.start == at(3, 9)


def test_moving_the_surgery_back_inside_the_window_resolves_the_warning(coordinator, booked):
    plan, _emb, surgery, _theatre = booked
    assert Violation.objects.filter(plan=plan, rule_id="R1", status="open").exists()
    client = login(coordinator)
    response = _move(client, surgery, day="2030-01-08", time="09:00")
    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.public_id}/timeline/"
    surgery.refresh_from_db()
    assert surgery.start == at(1, 9)
    assert surgery.version == 2
    assert not Violation.objects.filter(plan=plan, rule_id="R1", status="open").exists()
    timeline = client.get(response["Location"]).content.decode()
    assert "moved." in timeline
    assert 'data-violated="true"' not in timeline


def test_a_move_made_on_a_stale_page_is_reported_not_applied(coordinator, booked):
    surgery = booked[2]
    client = login(coordinator)
    assert _move(client, surgery, day="2030-01-08", version=1).status_code == 302
    # The second editor's page still carries version 1.
    response = _move(client, surgery, day="2030-01-09", version=1)
    body = response.content.decode()
    assert response.status_code == 409
    assert "changed by someone else" in body
    surgery.refresh_from_db()
    assert surgery.start == at(1, 9)
    assert 'name="version" value="2"' in body  # the page now carries the current version


def test_a_move_that_breaks_a_hard_rule_is_refused_with_the_rule(coordinator, booked):
    surgery = booked[2]
    # Surgery before the embolization that prepares it: R2 (hard).
    response = _move(login(coordinator), surgery, day="2030-01-04", time="09:00")
    assert response.status_code == 409
    assert "R2" in response.content.decode()
    surgery.refresh_from_db()
    assert surgery.start == at(3, 9)


def test_a_bad_move_form_names_the_field(coordinator, booked):
    surgery = booked[2]
    response = _move(login(coordinator), surgery, time="")
    assert response.status_code == 400
    assert 'id="id_time-errors"' in response.content.decode()


def test_a_taken_slot_is_a_conflict(coordinator, booked, plan_ready):
    _plan, emb, _surgery, _theatre = booked
    angio = plan_ready[2]
    from tests.factories.scheduling import plan_with

    _other, other_procedures = plan_with("embolization")
    services.booking_create(procedure=other_procedures[0], resource=angio, start=at(1, 13),
                            principal=principal_for_user(coordinator))
    response = _move(login(coordinator), emb, day="2030-01-08", time="13:00")
    assert response.status_code == 409
    assert "already booked" in response.content.decode()


def test_cancelling_needs_a_reason(coordinator, booked):
    surgery = booked[2]
    response = login(coordinator).post(f"/bookings/{surgery.public_id}/cancel/",
                                       {"reason": "", "version": surgery.version})
    assert response.status_code == 400
    assert 'id="id_reason-errors"' in response.content.decode()
    surgery.refresh_from_db()
    assert surgery.status == "booked"


def test_cancelling_frees_the_slot_and_returns_to_the_timeline(coordinator, booked):
    plan, _emb, surgery, _theatre = booked
    client = login(coordinator)
    assert client.get(f"/bookings/{surgery.public_id}/cancel/").status_code == 200
    response = client.post(f"/bookings/{surgery.public_id}/cancel/",
                           {"reason": "Patient prefers radiotherapy.", "version": 1})
    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.public_id}/timeline/"
    surgery.refresh_from_db()
    assert surgery.status == "cancelled"
    assert surgery.cancel_reason == "Patient prefers radiotherapy."
    body = client.get(response["Location"]).content.decode()
    assert "the slot is free again" in body


def test_a_stale_cancel_is_reported(coordinator, booked):
    surgery = booked[2]
    client = login(coordinator)
    _move(client, surgery, day="2030-01-08")
    response = client.post(f"/bookings/{surgery.public_id}/cancel/",
                           {"reason": "Old page.", "version": 1})
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    surgery.refresh_from_db()
    assert surgery.status == "booked"


def test_a_cancelled_booking_cannot_be_cancelled_or_moved_again(coordinator, booked):
    surgery = booked[2]
    client = login(coordinator)
    client.post(f"/bookings/{surgery.public_id}/cancel/", {"reason": "Once.", "version": 1})
    again = client.post(f"/bookings/{surgery.public_id}/cancel/", {"reason": "Twice.",
                                                                   "version": 2})
    assert again.status_code == 409
    assert _move(client, Booking.objects.get(pk=surgery.pk)).status_code == 409


def test_the_timeline_offers_move_and_cancel_links(coordinator, booked):
    plan, _emb, surgery, _theatre = booked
    body = login(coordinator).get(f"/plans/{plan.public_id}/timeline/").content.decode()
    assert f"/bookings/{surgery.public_id}/move/" in body
    assert f"/bookings/{surgery.public_id}/cancel/" in body
