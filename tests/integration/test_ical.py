"""iCalendar feeds: token-protected, revocable, stable UIDs, SEQUENCE, STATUS:CANCELLED."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from core.models import AuditEvent, FeedToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def meetings(world):
    from boardsvc.models import Meeting

    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    made = {}
    for key, board, offset in (("a1", world.board_a, 0), ("a2", world.board_a, 7),
                               ("b1", world.board_b, 1)):
        s = start + timedelta(days=offset)
        made[key] = Meeting.objects.create(
            board=board, occurrence_date=date(2030, 1, 1) + timedelta(days=offset + ord(key[0])),
            starts_at=s, ends_at=s + timedelta(minutes=90), cutoff_at=s - timedelta(hours=24),
            capacity_minutes=90, location="Room 3",
        )
    return made


def _events(response) -> dict[str, dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def _feed_path(url: str) -> str:
    return url.split("testserver", 1)[1]


def test_a_board_member_subscribes_to_the_board_feed(world, meetings, as_user):
    member = as_user(world.users["member_a"])
    created = member.post(f"/ical/boards/{world.board_a.public_id}/tokens/")
    assert created.status_code == 201
    assert created["Cache-Control"] == "no-store"
    feed_path = _feed_path(created.json()["url"])
    # Only the hash is stored; the URL's secret is not in the database.
    secret = feed_path.rsplit("/", 1)[1].removesuffix(".ics")
    assert not FeedToken.objects.filter(token_hash=secret).exists()

    events = _events(Client().get(feed_path))
    assert set(events) == {f"meeting-{meetings[k].public_id}@boardsvc" for k in ("a1", "a2")}
    event = events[f"meeting-{meetings['a1'].public_id}@boardsvc"]
    assert int(event["sequence"]) == 0
    assert str(event["status"]) == "CONFIRMED"
    assert AuditEvent.objects.filter(action="export", object_type="ical_board").count() == 1


def test_a_moved_meeting_keeps_its_uid_and_bumps_sequence_and_a_cancelled_one_says_so(
        world, meetings, as_user):
    from boardsvc.models import Meeting

    feed_path = _feed_path(as_user(world.users["member_a"]).post(
        f"/ical/boards/{world.board_a.public_id}/tokens/").json()["url"])
    a1, a2 = meetings["a1"], meetings["a2"]
    Meeting.objects.filter(pk=a1.pk).update(starts_at=a1.starts_at + timedelta(hours=1),
                                            ends_at=a1.ends_at + timedelta(hours=1), version=2)
    Meeting.objects.filter(pk=a2.pk).update(status="cancelled", version=3)
    events = _events(Client().get(feed_path))
    moved = events[f"meeting-{a1.public_id}@boardsvc"]
    assert int(moved["sequence"]) == 1
    assert moved.decoded("dtstart") == a1.starts_at + timedelta(hours=1)
    cancelled = events[f"meeting-{a2.public_id}@boardsvc"]
    assert str(cancelled["status"]) == "CANCELLED"
    assert int(cancelled["sequence"]) == 2


def test_the_member_feed_lists_every_board_of_the_member_only(world, meetings, as_user):
    url = as_user(world.users["member_b"]).post("/ical/members/tokens/").json()["url"]
    events = _events(Client().get(_feed_path(url)))
    assert set(events) == {f"meeting-{meetings['b1'].public_id}@boardsvc"}


def test_another_boards_member_cannot_mint_a_board_feed(world, as_user):
    response = as_user(world.users["member_b"]).post(
        f"/ical/boards/{world.board_a.public_id}/tokens/")
    assert response.status_code == 404


def test_a_revoked_or_unknown_token_is_404(world, meetings, as_user):
    member = as_user(world.users["member_a"])
    created = member.post(f"/ical/boards/{world.board_a.public_id}/tokens/").json()
    feed_path = _feed_path(created["url"])
    assert Client().get(feed_path).status_code == 200
    assert member.post(f"/api/v1/feed-tokens/{created['id']}/revoke/").status_code == 204
    assert Client().get(feed_path).status_code == 404
    assert Client().get("/ical/boards/not-a-token.ics").status_code == 404
    listed = member.get("/api/v1/feed-tokens/").json()["results"]
    assert listed[0]["revoked_at"] is not None
    # Someone else's token is not theirs to revoke.
    other = as_user(world.users["member_b"])
    assert other.post(f"/api/v1/feed-tokens/{created['id']}/revoke/").status_code == 404


def test_a_board_token_does_not_open_a_resource_feed(world, as_user):
    url = as_user(world.users["member_a"]).post(
        f"/ical/boards/{world.board_a.public_id}/tokens/").json()["url"]
    secret = url.rsplit("/", 1)[1]
    assert Client().get(f"/ical/resources/{secret}").status_code == 404


def test_the_resource_feed_shows_pseudonyms_only(world, as_user):
    from scheduling.models import Booking

    coordinator = as_user(world.users["coordinator"])
    assert as_user(world.users["member_a"]).post(
        f"/ical/resources/{world.resource.public_id}/tokens/").status_code == 403
    created = coordinator.post(f"/ical/resources/{world.resource.public_id}/tokens/")
    assert created.status_code == 201
    now = timezone.now().replace(microsecond=0)
    Booking.objects.filter(pk=world.booking_a.pk).update(start=now + timedelta(days=1),
                                                         end=now + timedelta(days=1, hours=1))
    Booking.objects.filter(pk=world.booking_b.pk).update(
        start=now + timedelta(days=2), end=now + timedelta(days=2, hours=1),
        status="cancelled", version=2)
    response = Client().get(_feed_path(created.json()["url"]))
    events = _events(response)
    a = events[f"booking-{world.booking_a.public_id}@boardsvc"]
    b = events[f"booking-{world.booking_b.public_id}@boardsvc"]
    assert str(world.case_a.patient.public_id)[:8] in str(a["summary"])
    assert str(b["status"]) == "CANCELLED"
    assert int(b["sequence"]) == 1
    body = response.content.decode()
    assert "Dr Referrer" not in body
    assert "vertebroplasty" not in body.lower()  # no clinical free text
    # The birth year, as a number of its own: not inside a UID's random hex (a run failed on
    # "booking-1961c128-…", a booking's id, not a birth year).
    fields = "\n".join(line for line in body.splitlines() if not line.startswith("UID:"))
    assert not re.search(r"\b1961\b", fields)
