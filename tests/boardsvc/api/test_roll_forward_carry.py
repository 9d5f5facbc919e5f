"""Roll-forward keeps its place (issue 11, item 8): the chair closes meetings through the API;
an undiscussed case goes ahead of new routine cases on the next agenda, shows where it came
from and how often it was carried, and a second carry-over tells the chair."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from boardsvc import tasks  # noqa: F401 - registers the roll-forward task the outbox runs
from boardsvc.models import AgendaItem
from core.models import Notification
from tests.factories.boardsvc import AgendaItemFactory, MeetingFactory, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def weeks(board):
    """Three weekly meetings of the board, the first in two days."""
    first = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    return [MeetingFactory(board=board, starts_at=first + timedelta(weeks=n)) for n in range(3)]


def _run(chair, meeting, action, capture):
    url = reverse(f"boardsvc_api:meeting-{action}", kwargs={"public_id": meeting.public_id})
    with time_machine.travel(meeting.starts_at + timedelta(minutes=5), tick=False), \
            capture(execute=True):
        response = chair.post(url, {}, format="json")
    assert response.status_code == 200, response.json()


def _agenda(client, meeting) -> list[dict]:
    url = reverse("boardsvc_api:meeting-agenda", kwargs={"public_id": meeting.public_id})
    return client.get(url).json()["results"]


def test_a_case_carried_twice_leads_its_urgency_and_the_chair_hears_of_it(
        board, team, weeks, client_for, django_capture_on_commit_callbacks):
    chair = client_for(team["chair"])
    slipping = make_case(status="listed", requested_board=board.slug)
    AgendaItemFactory(meeting=weeks[0], case=slipping, position=0)
    # The next agenda as placement left it: urgent first, then a newer routine case.
    urgent = make_case(status="listed", requested_board=board.slug, urgency="urgent")
    AgendaItemFactory(meeting=weeks[1], case=urgent, position=0, priority="urgent")
    newer = make_case(status="listed", requested_board=board.slug)
    AgendaItemFactory(meeting=weeks[1], case=newer, position=1)

    _run(chair, weeks[0], "start", django_capture_on_commit_callbacks)
    _run(chair, weeks[0], "close", django_capture_on_commit_callbacks)

    # On the next agenda: the urgent case first, then the carried-over one, then the newer one.
    agenda = _agenda(chair, weeks[1])
    assert [row["case"]["public_id"] for row in agenda] == [
        str(urgent.public_id), str(slipping.public_id), str(newer.public_id)]
    carried = agenda[1]
    assert carried["carry_count"] == 1
    assert carried["carried_from"] == {"public_id": str(weeks[0].public_id),
                                       "starts_at": weeks[0].starts_at.isoformat()}
    assert agenda[0]["carry_count"] == agenda[2]["carry_count"] == 0
    assert agenda[2]["carried_from"] is None
    assert not Notification.objects.filter(recipient=team["chair"],
                                           dedup_key__startswith="carried-again:").exists()

    # Not reached again: the second carry-over tells the chair.
    _run(chair, weeks[1], "start", django_capture_on_commit_callbacks)
    _run(chair, weeks[1], "close", django_capture_on_commit_callbacks)
    item = AgendaItem.objects.get(meeting=weeks[2], case=slipping)
    assert (item.carry_count, item.carried_from) == (2, weeks[1])
    note = Notification.objects.get(recipient=team["chair"],
                                    dedup_key__startswith="carried-again:")
    assert note.subject == (f"Case {str(slipping.public_id)[:8]} carried over 2 times without "
                            "discussion")
    assert note.link == f"/meetings/{weeks[2].public_id}/"
    assert "carried over 2 times in a row" in note.body
    # Only the chair: other members are not told.
    assert not Notification.objects.filter(recipient=team["ir"],
                                           dedup_key__startswith="carried-again:").exists()
    # The agenda page shows it too, with where it came from (in the board's zone).
    from tests.web.conftest import login

    page = login(team["chair"]).get(f"/meetings/{weeks[2].public_id}/").content.decode()
    assert "carried over 2 times, last from" in page
    third = _agenda(chair, weeks[2])
    assert third[0]["case"]["public_id"] == str(urgent.public_id)
    assert third[1]["case"]["public_id"] == str(slipping.public_id)
    assert third[1]["carry_count"] == 2


def test_a_deferred_case_is_not_a_carry_over(board, team, weeks, client_for):
    case = make_case(status="listed", requested_board=board.slug)
    item = AgendaItemFactory(meeting=weeks[0], case=case, position=0)
    url = reverse("boardsvc_api:agenda-item-defer", kwargs={"public_id": item.public_id})
    response = client_for(team["chair"]).post(url, {"reason": "Awaiting biopsy"}, format="json")
    assert response.status_code == 200, response.json()
    moved = AgendaItem.objects.get(rolled_from=item)
    assert (moved.carry_count, moved.carried_from) == (0, None)
