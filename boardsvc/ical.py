"""iCalendar feeds of MDT meetings: per board, and per member (all of their boards).

Calendar programs poll a secret URL (they cannot send Authorization headers). The secret is a
core.models.FeedToken, stored hashed and revocable; an unknown or revoked token is 404. Events
carry no patient data at all: a meeting is its board, time, place and video link.

iCalendar contract (RFC 5545): the UID is stable per meeting, SEQUENCE follows the meeting's
version (so a moved meeting updates the existing event), and a cancelled meeting stays in the
feed with STATUS:CANCELLED so subscribed calendars remove it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from icalendar import Event
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import Principal, Role, principal_for_user, principal_from_request
from core.api.permissions import RoleAndScope
from core.audit import audit_record
from core.feeds import feed_token_create, feed_token_resolve
from core.ical import FeedTokenOutputSerializer, calendar_response, new_calendar, token_created
from core.models import FeedToken

from . import selectors
from .models import Meeting

PAST = timedelta(days=30)
FUTURE = timedelta(days=400)
MAX_EVENTS = 1000
PEOPLE = {Role.ADMIN, Role.COORDINATOR, Role.MEMBER, Role.CHAIR, Role.BOARD_COORDINATOR}


def meeting_event(meeting: Meeting, *, now: datetime) -> Event:
    """One VEVENT per meeting; SEQUENCE = version - 1 (RFC 5545 starts at 0)."""
    event = Event()
    event.add("uid", f"meeting-{meeting.public_id}@boardsvc")
    event.add("dtstamp", now)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("sequence", max(meeting.version - 1, 0))
    event.add("summary", f"MDT: {meeting.board.name}")
    event.add("status", "CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED")
    if meeting.location:
        event.add("location", meeting.location)
    elif meeting.virtual:
        event.add("location", "Video meeting")
    if meeting.video_link:
        event.add("url", meeting.video_link)
    event.add("description", f"Agenda cut-off: {meeting.cutoff_at:%Y-%m-%d %H:%M} UTC")
    return event


def _meetings(board_ids: QuerySet[Any] | Iterable[int], *, now: datetime) -> QuerySet[Meeting]:
    return selectors.feed_meetings(board_ids=board_ids, now=now, past=PAST, future=FUTURE,
                                   limit=MAX_EVENTS)


def _feed(meetings: QuerySet[Meeting], *, name: str, token: FeedToken, now: datetime,
          filename: str) -> HttpResponse:
    calendar = new_calendar(name)
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, now=now))
    # The feed acts for its owner (the principal is cached on the owner: no extra query).
    audit_record(principal=principal_for_user(token.owner), action="export",
                 object_type=f"ical_{token.kind}", object_id=token.public_id,
                 detail={"owner": token.owner_id})
    return calendar_response(calendar, filename=filename)


def _board_feed_entitled(token: FeedToken, owner: Principal) -> bool:
    """A board feed is for the board's current members, coordinators and administrators,
    the same rule as minting it (BoardFeedTokenCreateApi), checked again on every fetch."""
    return owner.is_coordinator or selectors.is_active_member(board_public_id=token.target_id,
                                                              user_id=token.owner_id)


def _member_feed_entitled(token: FeedToken, owner: Principal) -> bool:
    """A member feed is for someone who still holds a role that may mint it (PEOPLE)."""
    return bool(owner.roles & PEOPLE)


def board_feed(request: HttpRequest, token: str) -> HttpResponse:
    """GET /ical/boards/<token>.ics: every meeting of one board."""
    feed = feed_token_resolve(raw=token, kind=FeedToken.Kind.BOARD,
                              entitled=_board_feed_entitled)
    board = selectors.board_by_public_id(public_id=feed.target_id) if feed else None
    if feed is None or board is None:
        raise Http404
    now = timezone.now()
    return _feed(_meetings([board.pk], now=now), name=f"MDT {board.name}", token=feed, now=now,
                 filename=f"{board.slug}.ics")


def member_feed(request: HttpRequest, token: str) -> HttpResponse:
    """GET /ical/members/<token>.ics: meetings of every board the token's owner belongs to
    now (active memberships, read on every fetch)."""
    feed = feed_token_resolve(raw=token, kind=FeedToken.Kind.MEMBER,
                              entitled=_member_feed_entitled)
    if feed is None:
        raise Http404
    now = timezone.now()
    board_ids = selectors.member_board_ids(user_id=feed.owner_id)
    return _feed(_meetings(board_ids, now=now), name="My MDT meetings", token=feed, now=now,
                 filename="my-mdt-meetings.ics")


class BoardFeedTokenCreateApi(APIView):
    """Mint a secret feed URL for one board's meetings (members of that board, coordinators)."""

    permission_classes = [RoleAndScope]
    access = {"POST": (PEOPLE, None)}

    @extend_schema(request=None, responses={201: FeedTokenOutputSerializer}, tags=["ical"])
    def post(self, request: Request, board_id: UUID) -> Response:
        principal = principal_from_request(request)
        board = selectors.board_by_public_id(public_id=board_id)
        allowed = board is not None and (
            principal.is_coordinator
            or selectors.is_active_member(board_public_id=board.public_id,
                                          user_id=principal.user.pk)
        )
        if board is None or not allowed:
            raise NotFound()
        token, raw = feed_token_create(kind=FeedToken.Kind.BOARD, target_id=board.public_id,
                                       owner=principal.user, label=board.name,
                                       principal=principal)
        return token_created(request, token, raw, "boards")


class MemberFeedTokenCreateApi(APIView):
    """Mint a secret feed URL for the caller's own boards' meetings."""

    permission_classes = [RoleAndScope]
    access = {"POST": (PEOPLE, None)}

    @extend_schema(request=None, responses={201: FeedTokenOutputSerializer}, tags=["ical"])
    def post(self, request: Request) -> Response:
        principal = principal_from_request(request)
        token, raw = feed_token_create(kind=FeedToken.Kind.MEMBER, target_id="",
                                       owner=principal.user, label="My MDT meetings",
                                       principal=principal)
        return token_created(request, token, raw, "members")
