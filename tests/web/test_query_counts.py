"""List pages run a fixed number of queries, whatever the number of rows (no N+1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.boardsvc import AgendaItemFactory, MeetingFactory
from tests.factories.scheduling import plan_with
from tests.support.web import login

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> int:
    client.get(url)  # warm per-request caches (sessions, content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_agenda_does_not_grow_queries_per_case(world):
    client = login(world.member_a)
    url = f"/meetings/{world.meeting_a.public_id}/"
    one = _count(client, url)
    for _ in range(3):
        AgendaItemFactory(meeting=world.meeting_a)
    assert _count(client, url) == one


def test_the_meeting_list_does_not_grow_queries_per_meeting(world, django_assert_num_queries):
    client = login(world.member_a)
    before = _count(client, "/meetings/")
    for week in range(1, 5):
        MeetingFactory(board=world.board_a,
                       starts_at=world.meeting_a.starts_at + timedelta(days=7 * week))
    with django_assert_num_queries(before):
        client.get("/meetings/")


def test_the_worklist_does_not_grow_queries_per_plan(coordinator, plan_ready):
    client = login(coordinator)
    before = _count(client, "/worklist/")
    for _ in range(3):
        plan_with("embolization", "surgery")
    assert _count(client, "/worklist/") == before
