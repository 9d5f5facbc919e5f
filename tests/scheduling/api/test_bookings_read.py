"""GET /api/v1/bookings/ (filtered, paginated, query count pinned) and /bookings/{id}/."""

from __future__ import annotations

import uuid

import pytest

from core.models import AuditEvent
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import BookingFactory, PlannedProcedureFactory, at, plan_with
from tests.scheduling.api.conftest import BASE

pytestmark = pytest.mark.django_db
URL = f"{BASE}/bookings/"


def _booking(room, day, *, board="bone-mets-spine", **kw):
    _p, (procedure,) = plan_with("embolization", case=CaseFactory(requested_board=board))
    return BookingFactory(procedure=procedure, resource=room, start=at(day, 9), **kw)


def test_listing_needs_authentication(api_client):
    assert api_client.get(URL).status_code == 401


def test_a_user_without_a_role_is_forbidden(plain_client):
    assert plain_client.get(URL).status_code == 403


def test_a_client_needs_bookings_read(oauth_client_factory):
    assert oauth_client_factory("cases:read").get(URL).status_code == 403
    assert oauth_client_factory("bookings:read", name="ris").get(URL).status_code == 200


def test_members_see_only_bookings_of_their_boards_cases(rooms, spine_client, sarcoma_client):
    mine = _booking(rooms["angio"], 0)
    _booking(rooms["angio"], 1, board="sarcoma")
    ids = [b["id"] for b in spine_client.get(URL).json()["results"]]
    assert ids == [str(mine.public_id)]
    assert spine_client.get(f"{URL}?patient={mine.patient.public_id}").json()["count"] == 1
    assert sarcoma_client.get(f"{URL}?patient={mine.patient.public_id}").json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["a", "b", "c"]),
        ("?resource={angio}", ["a", "b"]),
        ("?from={day1}", ["b", "c"]),
        ("?to={day1}", ["a"]),
        ("?status=cancelled", ["c"]),
    ],
)
def test_filters(coordinator_client, rooms, query, expected):
    made = {
        "a": _booking(rooms["angio"], 0),
        "b": _booking(rooms["angio"], 1),
        "c": _booking(rooms["ct"], 2, status="cancelled"),
    }
    url = URL + query.format(angio=rooms["angio"].public_id,
                             day1=at(1, 0).isoformat().replace("+", "%2B"))
    ids = [b["id"] for b in coordinator_client.get(url).json()["results"]]
    assert ids == [str(made[k].public_id) for k in expected]


def test_a_bad_filter_is_400(coordinator_client):
    response = coordinator_client.get(f"{URL}?resource=nope")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "resource"


def test_the_list_query_count_does_not_grow_with_rows(coordinator_client, rooms,
                                                      django_assert_num_queries):
    for day in range(3):
        _booking(rooms["angio"], day)
    coordinator_client.get(URL)  # warm the principal cache (groups, board roles)
    # count + one page with every join + one bulk audit INSERT, whatever the number of rows
    with django_assert_num_queries(3):
        small = coordinator_client.get(URL)
    for day in range(3, 12):
        _booking(rooms["angio"], day)
    with django_assert_num_queries(3):
        large = coordinator_client.get(URL)
    assert (small.json()["count"], large.json()["count"]) == (3, 12)


def test_every_listed_booking_is_audited_with_its_pseudonym(coordinator_client, rooms):
    booking = _booking(rooms["angio"], 0)
    coordinator_client.get(URL)
    row = AuditEvent.objects.get(action="list", object_type="booking")
    assert row.patient_pseudonym == str(booking.patient.public_id)


def test_detail_returns_the_booking_with_its_etag(coordinator_client, rooms):
    booking = _booking(rooms["angio"], 0)
    response = coordinator_client.get(f"{URL}{booking.public_id}/")
    assert response.status_code == 200
    assert response["ETag"] == 'W/"1"'
    assert response.json()["resource"] == str(rooms["angio"].public_id)
    assert AuditEvent.objects.filter(action="read", object_id=str(booking.public_id)).exists()


def test_detail_is_404_for_unknown_ids_and_other_boards(spine_client, rooms):
    other = _booking(rooms["angio"], 0, board="sarcoma")
    assert spine_client.get(f"{URL}{uuid.uuid4()}/").status_code == 404
    assert spine_client.get(f"{URL}{other.public_id}/").status_code == 404


def test_detail_is_read_only(coordinator_client, rooms):
    booking = BookingFactory(procedure=PlannedProcedureFactory(), resource=rooms["angio"])
    assert coordinator_client.delete(f"{URL}{booking.public_id}/").status_code == 405
