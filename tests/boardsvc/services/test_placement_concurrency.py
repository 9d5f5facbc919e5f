"""Two workers placing different cases at once never overfill a meeting (R14): the meeting
rows are locked before capacity is read. The sequential equivalent (runs on SQLite too) is
test_placement.py::test_capacity_is_respected_when_a_meeting_fills_up."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from boardsvc.models import AgendaItem, Meeting
from boardsvc.services import agenda_place_case, board_create
from tests.factories.boardsvc import MeetingFactory, make_case


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (run by .ci/run)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_placements_do_not_overfill_the_last_minutes():
    board = board_create(slug="race-board", name="Race")
    now = timezone.now()
    first = MeetingFactory(board=board, starts_at=now + timedelta(days=3), capacity_minutes=10)
    second = MeetingFactory(board=board, starts_at=now + timedelta(days=10))
    cases = [make_case(requested_board=board.slug) for _ in range(2)]  # 10 minutes each
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def place(case_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            agenda_place_case(case_id=case_id)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=place, args=(c.pk,)) for c in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    on_first = AgendaItem.objects.filter(meeting=first).count()
    assert on_first == 1
    assert AgendaItem.objects.filter(meeting=second).count() == 1
    assert Meeting.objects.get(pk=first.pk).capacity_minutes == 10
