"""Meetings over the API (boardsvc/api/meetings.py): GET meetings/ (filters, pagination,
query count) and meetings/<id>/; the meeting clock (issue 11, item 9): a meeting starts
from the board's margin before its scheduled start and closes only once started, else 409
naming the rule; a meeting in session from start to close; and roll-forward at close
(issue 11, item 8): an undiscussed case goes ahead of new routine cases on the next
agenda, shows where it came from and how often it was carried, and a second carry-over
tells the chair."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from boardsvc import tasks  # noqa: F401 - registers the roll-forward task the outbox runs
from boardsvc.models import AgendaItem, Board, Decision, Meeting
from cases.selectors import case_label
from core.models import Notification
from tests.factories.boardsvc import AgendaItemFactory, MeetingFactory, make_case
from tests.support.boardsvc import due_soon

pytestmark = pytest.mark.django_db


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


# --- the meeting clock ----------------------------------------------------------------------


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
    from tests.support.web import login

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


# --- a meeting in session ------------------------------------------------------------------


def world_url(name, world):
    return reverse(f"boardsvc_api:{name}", kwargs={"public_id": world.meeting.public_id})


def test_start_attend_and_close(client_for, world, django_capture_on_commit_callbacks):
    due_soon(world.meeting)
    chair = client_for(world.team["chair"])
    assert chair.post(world_url("meeting-start", world), {}, format="json").json()["status"] == \
        "in_session"
    # A member records their own arrival; the chair records someone else's.
    me = client_for(world.team["ir"]).post(world_url("attendance-record", world), {"action": "arrive"},
                                            format="json")
    assert me.status_code == 201
    assert me.json()["specialty"] == "interventional_radiologist"
    other = chair.post(world_url("attendance-record", world),
                       {"action": "arrive", "username": "rad.bone-mets-spine"}, format="json")
    assert other.status_code == 201
    listing = client_for(world.member).get(world_url("attendance-list", world)).json()
    assert listing["count"] == 2
    assert "spinal surgeon (spine, orthopaedic or neurosurgeon)" in listing["quorum_now"]["missing"]
    left = client_for(world.team["ir"]).post(world_url("attendance-record", world),
                                             {"action": "leave"}, format="json")
    assert left.status_code == 200
    assert left.json()["left_at"] is not None
    with django_capture_on_commit_callbacks(execute=True):
        closed = chair.post(world_url("meeting-close", world), {}, format="json")
    assert closed.json()["status"] == "closed"
    assert set(AgendaItem.objects.filter(meeting=world.meeting)
               .values_list("outcome", flat=True)) == {"rolled_forward"}
    again = chair.post(world_url("meeting-close", world), {}, format="json")
    assert again.status_code == 409


def test_starting_twice_is_a_conflict(client_for, world):
    due_soon(world.meeting)
    chair = client_for(world.team["chair"])
    chair.post(world_url("meeting-start", world), {}, format="json")
    assert chair.post(world_url("meeting-start", world), {}, format="json").status_code == 409


# --- roll-forward at close ------------------------------------------------------------------


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
    assert note.subject.startswith(f"Patient {case_label(slipping)} carried over 2 times "
                                   "without discussion (")
    assert note.link == f"/meetings/{weeks[2].public_id}/"
    assert "carried over 2 times in a row" in note.body
    # Only the chair: other members are not told.
    assert not Notification.objects.filter(recipient=team["ir"],
                                           dedup_key__startswith="carried-again:").exists()
    # The agenda page shows it too, with where it came from (in the board's zone).
    from tests.support.web import login

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
