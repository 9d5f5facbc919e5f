"""Issue 10, item 8: a calendar feed is judged by its owner's role *now*, not when it was minted.

A coordinator removed from the coordinator group kept a resource feed naming 9 patients. Every
fetch now checks the owner's current role and memberships (core.feeds.feed_token_resolve with
the feed module's rule): a feed its owner is no longer entitled to answers 404 like an unknown
token and leaves a denied audit row naming the token (never its secret). All data is synthetic.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from icalendar import Calendar
from rest_framework.test import APIClient

from boardsvc.models import BoardMember
from core.access import GROUP_COORDINATOR
from core.models import AuditEvent, FeedToken
from tests.factories.boardsvc import BoardFactory, BoardMemberFactory, MeetingFactory
from tests.factories.core import UserFactory
from tests.factories.scheduling import BookingFactory, ResourceFactory, plan_with
from tests.support.audit import audit_entries

pytestmark = pytest.mark.django_db


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _mint(user: Any, path: str) -> tuple[str, FeedToken]:
    """POST the token endpoint as ``user``; the feed's path and its token row."""
    response = _api(user).post(path)
    assert response.status_code == 201, response.content
    feed = response.json()["url"].split("testserver", 1)[1]
    return feed, FeedToken.objects.get(public_id=response.json()["id"])


def _uids(response: Any) -> set[str]:
    assert response.status_code == 200
    return {str(e["uid"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}


def _denied(token: FeedToken) -> list[tuple[str, str, str, str]]:
    return [(r.action, r.outcome, r.object_type, r.actor_id) for r in
            AuditEvent.objects.filter(object_id=str(token.public_id), outcome="denied")]


def _coordinator(username: str) -> Any:
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name=GROUP_COORDINATOR)[0])
    return user


def test_a_removed_coordinators_resource_feed_answers_404_and_is_audited():
    coordinator = _coordinator("feed-coord")
    room = ResourceFactory(kind="angio_suite")
    now = timezone.now().replace(microsecond=0, second=0, minute=0)
    bookings = []
    for day in range(9):
        _plan, (procedure,) = plan_with("embolization")
        bookings.append(BookingFactory(procedure=procedure, resource=room,
                                       start=now + timedelta(days=day + 1),
                                       end=now + timedelta(days=day + 1, hours=1)))
    feed, token = _mint(coordinator, f"/ical/resources/{room.public_id}/tokens/")
    assert len(_uids(Client().get(feed))) == 9

    coordinator.groups.clear()
    response = Client().get(feed)
    assert response.status_code == 404
    body = response.content.decode()
    assert not any(str(b.patient.public_id)[:8] in body for b in bookings)
    assert _denied(token) == [("export", "denied", "ical_resource", str(coordinator.pk))]
    # Nothing was exported the second time.
    assert len(audit_entries(AuditEvent.objects.filter(object_type="booking",
                                                       action="export"))) == 9
    token.refresh_from_db()
    used = token.last_used_at

    # The role given back opens the same feed again: it is the role that decides.
    coordinator.groups.add(Group.objects.get(name=GROUP_COORDINATOR))
    assert len(_uids(Client().get(feed))) == 9
    token.refresh_from_db()
    assert token.last_used_at > used


@pytest.mark.parametrize("removal", ["deactivated", "deleted"])
def test_a_board_feed_closes_when_its_owner_leaves_the_board(removal):
    board = BoardFactory(slug="feed-board-a")
    member = UserFactory(username="feed-member")
    membership = BoardMemberFactory(board=board, user=member)
    meeting = MeetingFactory(board=board)
    feed, token = _mint(member, f"/ical/boards/{board.public_id}/tokens/")
    assert _uids(Client().get(feed)) == {f"meeting-{meeting.public_id}@boardsvc"}

    if removal == "deactivated":
        BoardMember.objects.filter(pk=membership.pk).update(active=False)
    else:
        membership.delete()
    assert Client().get(feed).status_code == 404
    assert _denied(token) == [("export", "denied", "ical_board", str(member.pk))]


def test_a_coordinators_board_feed_closes_when_the_role_is_removed():
    board = BoardFactory(slug="feed-board-c")
    coordinator = _coordinator("feed-board-coord")
    MeetingFactory(board=board)
    feed, token = _mint(coordinator, f"/ical/boards/{board.public_id}/tokens/")
    assert Client().get(feed).status_code == 200
    coordinator.groups.clear()
    assert Client().get(feed).status_code == 404
    assert _denied(token) == [("export", "denied", "ical_board", str(coordinator.pk))]


def test_a_member_feed_follows_current_memberships_and_closes_with_the_last_one():
    board_a = BoardFactory(slug="feed-board-m1")
    board_b = BoardFactory(slug="feed-board-m2")
    member = UserFactory(username="feed-two-boards")
    in_a = BoardMemberFactory(board=board_a, user=member)
    in_b = BoardMemberFactory(board=board_b, user=member)
    meeting_a = MeetingFactory(board=board_a)
    meeting_b = MeetingFactory(board=board_b,
                               starts_at=meeting_a.starts_at + timedelta(days=1))
    feed, token = _mint(member, "/ical/members/tokens/")
    assert _uids(Client().get(feed)) == {f"meeting-{meeting_a.public_id}@boardsvc",
                                         f"meeting-{meeting_b.public_id}@boardsvc"}

    in_a.delete()
    assert _uids(Client().get(feed)) == {f"meeting-{meeting_b.public_id}@boardsvc"}
    assert _denied(token) == []

    BoardMember.objects.filter(pk=in_b.pk).update(active=False)
    assert Client().get(feed).status_code == 404
    assert _denied(token) == [("export", "denied", "ical_member", str(member.pk))]


def test_a_deactivated_owners_feed_answers_404_and_is_audited():
    coordinator = _coordinator("feed-gone")
    room = ResourceFactory(kind="ct_room")
    feed, token = _mint(coordinator, f"/ical/resources/{room.public_id}/tokens/")
    assert Client().get(feed).status_code == 200
    type(coordinator).objects.filter(pk=coordinator.pk).update(is_active=False)
    assert Client().get(feed).status_code == 404
    assert _denied(token) == [("export", "denied", "ical_resource", str(coordinator.pk))]


def test_an_unknown_or_revoked_token_leaves_no_denied_row():
    coordinator = _coordinator("feed-revoker")
    room = ResourceFactory(kind="linac")
    feed, token = _mint(coordinator, f"/ical/resources/{room.public_id}/tokens/")
    assert _api(coordinator).post(
        f"/api/v1/feed-tokens/{token.public_id}/revoke/").status_code == 204
    before = AuditEvent.objects.filter(outcome="denied").count()
    assert Client().get(feed).status_code == 404
    assert Client().get("/ical/resources/not-a-token.ics").status_code == 404
    assert AuditEvent.objects.filter(outcome="denied").count() == before
