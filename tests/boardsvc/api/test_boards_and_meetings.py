"""GET boards/, boards/<id>/, meetings/ (filters, pagination, query count), meetings/<id>/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.factories.boardsvc import MeetingFactory

pytestmark = pytest.mark.django_db


def test_a_member_lists_only_their_boards(client_for, world):
    response = client_for(world.member).get(reverse("boardsvc_api:board-list"))
    assert response.status_code == 200
    assert [b["slug"] for b in response.json()["results"]] == ["bone-mets-spine"]


def test_a_coordinator_lists_every_board(coordinator_client, world):
    response = coordinator_client.get(reverse("boardsvc_api:board-list"))
    assert {b["slug"] for b in response.json()["results"]} == {"bone-mets-spine", "sarcoma"}


def test_board_detail_shows_recurrence_quorum_and_members(client_for, world):
    url = reverse("boardsvc_api:board-detail", kwargs={"public_id": world.board.public_id})
    body = client_for(world.member).get(url).json()
    assert body["cutoff_hours"] == 24
    assert body["recurrence_weekday"] == 1
    assert ["radiation_oncologist"] in body["quorum_requirements"]
    assert {m["role"] for m in body["members"]} == {"chair", "member"}


def test_meetings_filter_by_board_and_date_range(client_for, coordinator_client, world):
    later = MeetingFactory(board=world.board, starts_at=world.meeting.starts_at
                           + timedelta(days=7))
    url = reverse("boardsvc_api:meeting-list")
    body = coordinator_client.get(url, {"board": str(world.board.public_id)}).json()
    assert [m["public_id"] for m in body["results"]] == [str(world.meeting.public_id),
                                                         str(later.public_id)]
    assert body["results"][0]["minutes_used"] == 15
    assert body["results"][0]["item_count"] == 2
    body = coordinator_client.get(url, {
        "starts_from": (later.starts_at - timedelta(hours=1)).isoformat(),
        "starts_to": (later.starts_at + timedelta(hours=1)).isoformat(),
    }).json()
    assert [m["public_id"] for m in body["results"]] == [str(later.public_id)]
    member_body = client_for(world.outsider).get(url).json()
    assert [m["board_slug"] for m in member_body["results"]] == ["sarcoma"]


@pytest.mark.parametrize(("params", "field", "rule"), [
    ({"board": "not-a-uuid"}, "board", "invalid"),
    ({"starts_from": "yesterday"}, "starts_from", "invalid"),
    ({"status": "done"}, "status", "invalid_choice"),
    ({"starts_from": "2026-12-01T00:00:00Z", "starts_to": "2026-11-01T00:00:00Z"},
     "starts_to", "after_start"),
])
def test_bad_meeting_filters_get_400_naming_the_field_and_rule(coordinator_client, world,
                                                               params, field, rule):
    response = coordinator_client.get(reverse("boardsvc_api:meeting-list"), params)
    assert response.status_code == 400
    assert {"field": field, "rule": rule} == {k: response.json()["errors"][0][k]
                                              for k in ("field", "rule")}


def test_meeting_list_runs_a_fixed_number_of_queries(client_for, world,
                                                     django_assert_num_queries):
    for days in range(7, 70, 7):
        MeetingFactory(board=world.board, starts_at=world.meeting.starts_at
                       + timedelta(days=days))
    client = client_for(world.member)
    client.get(reverse("boardsvc_api:meeting-list"))  # warm the per-user caches
    with django_assert_num_queries(2):  # count and page; roles and board ids are cached
        response = client.get(reverse("boardsvc_api:meeting-list"), {"page_size": 50})
    assert response.json()["count"] == 10


def test_meeting_detail_has_an_etag_and_the_quorum_now(client_for, world):
    url = reverse("boardsvc_api:meeting-detail", kwargs={"public_id": world.meeting.public_id})
    response = client_for(world.member).get(url)
    assert response.status_code == 200
    assert response["ETag"] == 'W/"1"'
    assert response.json()["quorum_now"]["met"] is False
    assert response.json()["local_start"].endswith(("+01:00", "+02:00"))
