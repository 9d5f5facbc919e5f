"""POST /bookings/{id}/move/ (If-Match), /cancel/ and /done/."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from scheduling import services
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import at, plan_with
from tests.scheduling.api.conftest import BASE

pytestmark = pytest.mark.django_db
PREOP = {"procedure_type": "embolization", "purpose": "pre_operative"}


@pytest.fixture
def booking(rooms):
    _p, (emb,) = plan_with("embolization", case=CaseFactory(requested_board="bone-mets-spine"))
    return services.booking_create(procedure=emb, resource=rooms["angio"], start=at(0, 8),
                                   principal=None).booking


def move_url(b):
    return f"{BASE}/bookings/{b.public_id}/move/"


def test_move_needs_authentication(api_client, booking):
    assert api_client.post(move_url(booking), {}, format="json").status_code == 401


def test_members_cannot_move(spine_client, booking):
    response = spine_client.post(move_url(booking), {"start": at(1, 8).isoformat()},
                                 format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 403


def test_move_of_an_unknown_booking_is_404(coordinator_client):
    response = coordinator_client.post(f"{BASE}/bookings/{uuid.uuid4()}/move/",
                                       {"start": at(1, 8).isoformat()}, format="json",
                                       HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 404


def test_move_only_allows_post(coordinator_client, booking):
    assert coordinator_client.get(move_url(booking)).status_code == 405


def test_move_without_if_match_is_428_and_stale_is_412(coordinator_client, booking):
    body = {"start": at(1, 8).isoformat()}
    assert coordinator_client.post(move_url(booking), body, format="json").status_code == 428
    ok = coordinator_client.post(move_url(booking), body, format="json", HTTP_IF_MATCH='W/"1"')
    assert ok.status_code == 200
    assert ok["ETag"] == 'W/"2"'
    assert ok.json()["start"].startswith("2030-01-08T07:00")
    stale = coordinator_client.post(move_url(booking), {"start": at(2, 8).isoformat()},
                                    format="json", HTTP_IF_MATCH='W/"1"')
    assert stale.status_code == 412


def test_move_with_a_bad_payload_is_400(coordinator_client, booking):
    response = coordinator_client.post(move_url(booking), {"start": "tomorrow"}, format="json",
                                       HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "start"


def test_moving_an_embolization_too_far_from_its_surgery_is_409(coordinator_client, rooms):
    _p, (emb, surgery) = plan_with(PREOP, "surgery")
    e = services.booking_create(procedure=emb, resource=rooms["angio"], start=at(3, 8),
                                principal=None).booking
    services.booking_create(procedure=surgery, resource=rooms["or1"], start=at(4, 9),
                            principal=None)
    response = coordinator_client.post(move_url(e), {"start": at(0, 8).isoformat()},
                                       format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 409
    assert response.json()["violations"][0]["rule"] == "R1"


def test_cancel_frees_the_slot_and_done_marks_it_performed(coordinator_client, booking, rooms):
    cancel = coordinator_client.post(f"{BASE}/bookings/{booking.public_id}/cancel/",
                                     {"reason": "patient declined"}, format="json")
    assert (cancel.status_code, cancel.json()["status"]) == (200, "cancelled")
    again = coordinator_client.post(f"{BASE}/bookings/{booking.public_id}/cancel/", {},
                                    format="json")
    assert again.status_code == 409
    _p, (emb,) = plan_with("embolization")
    past = services.booking_create(procedure=emb, resource=rooms["angio"],
                                   start=at(0, 8, base=date(2025, 1, 6)), principal=None,
                                   retrospective_reason="Recorded after the procedure").booking
    done = coordinator_client.post(f"{BASE}/bookings/{past.public_id}/done/", {}, format="json")
    assert (done.status_code, done.json()["status"]) == (200, "done")
    assert done["ETag"] == 'W/"2"'


def test_cancel_with_a_stale_if_match_is_412(coordinator_client, booking):
    response = coordinator_client.post(f"{BASE}/bookings/{booking.public_id}/cancel/", {},
                                       format="json", HTTP_IF_MATCH='W/"9"')
    assert response.status_code == 412


def test_done_before_the_start_is_409(coordinator_client, booking):
    response = coordinator_client.post(f"{BASE}/bookings/{booking.public_id}/done/", {},
                                       format="json")
    assert response.status_code == 409  # 2030 is in the future
    assert response.json()["errors"][0]["rule"] == "status"
