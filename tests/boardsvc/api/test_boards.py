"""GET boards/ and boards/<id>/ (boardsvc/api/boards.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
