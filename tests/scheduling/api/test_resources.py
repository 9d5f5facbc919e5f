"""GET /resources/, /resources/{id}/ and /resources/{id}/slots/."""

from __future__ import annotations

import uuid

import pytest

from scheduling import services
from tests.factories.scheduling import at, plan_with
from tests.support.scheduling import BASE

pytestmark = pytest.mark.django_db


def q(dt):
    return dt.isoformat().replace("+", "%2B")


def slots_url(room, ptype="embolization", start=None, end=None):
    start, end = start or at(0, 0), end or at(1, 0)
    return (f"{BASE}/resources/{room.public_id}/slots/?procedure_type={ptype}"
            f"&from={q(start)}&to={q(end)}")


def test_resources_need_authentication_and_a_role(api_client, plain_client, rooms):
    assert api_client.get(f"{BASE}/resources/").status_code == 401
    assert plain_client.get(f"{BASE}/resources/").status_code == 403
    assert api_client.get(slots_url(rooms["angio"])).status_code == 401


def test_members_list_resources_with_opening_hours(spine_client, rooms, django_assert_num_queries):
    spine_client.get(f"{BASE}/resources/")
    with django_assert_num_queries(3):  # count, page, opening hours (prefetch)
        response = spine_client.get(f"{BASE}/resources/?kind=operating_room")
    names = [r["name"] for r in response.json()["results"]]
    assert names == ["Operating room 1", "Operating room 2"]
    assert len(response.json()["results"][0]["opening_hours"]) == 5


def test_a_bad_kind_filter_is_400(coordinator_client, rooms):
    response = coordinator_client.get(f"{BASE}/resources/?kind=spaceship")
    assert (response.status_code, response.json()["errors"][0]["field"]) == (400, "kind")


def test_resource_detail_and_404(coordinator_client, rooms):
    response = coordinator_client.get(f"{BASE}/resources/{rooms['ct'].public_id}/")
    assert (response.status_code, response.json()["kind"]) == (200, "ct_room")
    assert coordinator_client.get(f"{BASE}/resources/{uuid.uuid4()}/").status_code == 404
    assert coordinator_client.post(f"{BASE}/resources/", {}, format="json").status_code == 405


def test_slots_leave_out_booked_time(spine_client, rooms):
    _p, (emb,) = plan_with("embolization")
    services.booking_create(procedure=emb, resource=rooms["angio"], start=at(0, 10),
                            principal=None)
    response = spine_client.get(slots_url(rooms["angio"]))
    assert response.status_code == 200
    body = response.json()
    assert body["duration_minutes"] == 150
    assert [(s["start"][11:16], s["end"][11:16]) for s in body["slots"]] == [
        ("06:00", "09:00"), ("11:30", "19:00")]  # UTC; the room is open 07:00-20:00 Rome


@pytest.mark.parametrize(
    ("url_args", "field"),
    [
        ({"ptype": "teleportation"}, "procedure_type"),
        ({"start": at(1, 0), "end": at(0, 0)}, "to"),
        ({"start": at(0, 0), "end": at(40, 0)}, "to"),
        ({"ptype": "surgery"}, "procedure_type"),  # an angio suite cannot host surgery
    ],
)
def test_slots_validate_their_query(coordinator_client, rooms, url_args, field):
    response = coordinator_client.get(slots_url(rooms["angio"], **url_args))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_slots_of_an_unknown_resource_are_404(coordinator_client):
    url = f"{BASE}/resources/{uuid.uuid4()}/slots/?procedure_type=rfa&from={q(at(0))}&to={q(at(1))}"
    assert coordinator_client.get(url).status_code == 404
