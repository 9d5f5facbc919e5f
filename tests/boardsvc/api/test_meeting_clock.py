"""Meetings keep to the clock (issue 11, item 9): a meeting starts from the board's margin
before its scheduled start, and closes only once started; otherwise 409 naming the rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from boardsvc.models import Board, Decision, Meeting
from tests.boardsvc.clock_helpers import due_soon
from tests.factories.boardsvc import MeetingFactory

pytestmark = pytest.mark.django_db


def url(name: str, meeting: Meeting) -> str:
    return reverse(f"boardsvc_api:{name}", kwargs={"public_id": meeting.public_id})


def test_a_meeting_three_weeks_ahead_cannot_start(client_for, world):
    ahead = MeetingFactory(board=world.board,
                           starts_at=(timezone.now() + timedelta(weeks=3)).replace(microsecond=0))
    response = client_for(world.team["chair"]).post(url("meeting-start", ahead), {},
                                                   format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["errors"][0]["rule"] == "start_margin"
    assert body["errors"][0]["field"] == "starts_at"
    assert "60 minutes before its scheduled start" in body["detail"]
    assert body["start_margin_minutes"] == 60
    ahead.refresh_from_db()
    assert ahead.status == "planned"
    assert ahead.started_at is None
    # ... so nothing can be decided at it.
    assert not Decision.objects.exists()


def test_the_meeting_starts_from_its_margin(client_for, world):
    chair = client_for(world.team["chair"])
    detail = chair.get(url("meeting-detail", world.meeting)).json()
    opens = world.meeting.starts_at - timedelta(minutes=60)
    assert detail["start_opens_at"].replace("Z", "+00:00") == opens.isoformat()
    due_soon(world.meeting, minutes=59)
    response = chair.post(url("meeting-start", world.meeting), {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "in_session"


def test_the_margin_is_a_board_setting(client_for, world):
    Board.objects.filter(pk=world.board.pk).update(start_margin_minutes=15)
    due_soon(world.meeting, minutes=30)
    chair = client_for(world.team["chair"])
    refused = chair.post(url("meeting-start", world.meeting), {}, format="json")
    assert refused.status_code == 409
    assert "15 minutes before" in refused.json()["detail"]
    due_soon(world.meeting, minutes=10)
    assert chair.post(url("meeting-start", world.meeting), {}, format="json").status_code == 200


def test_a_meeting_that_has_not_started_cannot_close(client_for, world):
    response = client_for(world.team["chair"]).post(url("meeting-close", world.meeting), {},
                                                   format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["rule"] == "not_started"
    world.meeting.refresh_from_db()
    assert world.meeting.status == "planned"


def test_the_live_page_explains_when_the_meeting_can_start(world):
    from tests.web.conftest import login

    page = login(world.team["chair"]).get(f"/meetings/{world.meeting.public_id}/live/")
    body = page.content.decode()
    assert 'value="start" class="primary" disabled aria-describedby="start-help"' in body
    assert "The meeting can be started from" in body
    assert "60 minutes before its scheduled start." in body
    due_soon(world.meeting)
    body = login(world.team["chair"]).get(f"/meetings/{world.meeting.public_id}/live/") \
        .content.decode()
    assert "start-help" not in body
    assert 'name="action" value="start" class="primary">' in body
