"""iCalendar feed of a resource's bookings (angio suite, CT, linac...) for the team running it.

Token-protected like the meeting feeds (core.models.FeedToken, hashed, revocable; unknown or
revoked → 404). An event names the procedure and the patient's pseudonym (first 8 characters of
the pseudonymous id) and nothing else about the patient. UIDs are stable per booking, SEQUENCE
follows the booking's version, and cancelled bookings stay in the feed with STATUS:CANCELLED.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

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
from core.audit import audit_record, audit_record_many
from core.feeds import feed_token_create, feed_token_resolve
from core.ical import FeedTokenOutputSerializer, calendar_response, new_calendar, token_created
from core.models import FeedToken
from scheduling import selectors
from scheduling.domain.types import BookingStatus
from scheduling.models import Booking

PAST = timedelta(days=30)
FUTURE = timedelta(days=400)
MAX_EVENTS = 2000
_STATUS = {BookingStatus.PROPOSED: "TENTATIVE", BookingStatus.BOOKED: "CONFIRMED",
           BookingStatus.DONE: "CONFIRMED", BookingStatus.CANCELLED: "CANCELLED"}


def booking_event(booking: Booking, *, now: datetime) -> Event:
    """One VEVENT per booking; SEQUENCE = version - 1 (RFC 5545 starts at 0)."""
    event = Event()
    event.add("uid", f"booking-{booking.public_id}@boardsvc")
    event.add("dtstamp", now)
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add("sequence", max(booking.version - 1, 0))
    label = booking.procedure.get_procedure_type_display()
    pseudonym = str(booking.patient.public_id)[:8]
    event.add("summary", f"{label} (patient {pseudonym})")
    event.add("status", _STATUS.get(booking.status, "CONFIRMED"))
    event.add("location", booking.resource.name)
    return event


def _resource_feed_entitled(token: FeedToken, owner: Principal) -> bool:
    """A resource feed names patients (by pseudonym): only for an owner who is still a
    coordinator or administrator, the role that may mint it (ResourceFeedTokenCreateApi)."""
    return owner.is_coordinator


def resource_feed(request: HttpRequest, token: str) -> HttpResponse:
    """GET /ical/resources/<token>.ics: the bookings of one resource.

    Audited like a list (docs/security.md, S8): one export row per booking in the feed, with its patient's
    pseudonym, in one INSERT, plus one row naming the token that was used."""
    feed = feed_token_resolve(raw=token, kind=FeedToken.Kind.RESOURCE,
                              entitled=_resource_feed_entitled)
    resource = selectors.resource_find(public_id=feed.target_id) if feed else None
    if feed is None or resource is None:
        raise Http404
    now = timezone.now()
    bookings = selectors.resource_feed_bookings(resource=resource, since=now - PAST,
                                                until=now + FUTURE, limit=MAX_EVENTS)
    calendar = new_calendar(f"Bookings: {resource.name}")
    for booking in bookings:
        calendar.add_component(booking_event(booking, now=now))
    # The feed acts for its owner (the principal is cached on the owner: no extra query). No
    # path: the URL holds the secret.
    owner = principal_for_user(feed.owner)
    audit_record(principal=owner, action="export", object_type="ical_resource",
                 object_id=feed.public_id, detail={"owner": feed.owner_id})
    audit_record_many(principal=owner, action="export", object_type="booking",
                      objects=[(b.public_id, b.patient.public_id) for b in bookings])
    return calendar_response(calendar, filename=f"{resource.code}.ics")


class ResourceFeedTokenCreateApi(APIView):
    """Mint a secret feed URL for one resource's bookings (coordinators and administrators)."""

    permission_classes = [RoleAndScope]
    access = {"POST": ({Role.COORDINATOR, Role.ADMIN}, None)}

    @extend_schema(request=None, responses={201: FeedTokenOutputSerializer}, tags=["ical"])
    def post(self, request: Request, resource_id: UUID) -> Response:
        principal = principal_from_request(request)
        resource = selectors.resource_find(public_id=resource_id)
        if resource is None:
            raise NotFound()
        token, raw = feed_token_create(kind=FeedToken.Kind.RESOURCE, target_id=resource.public_id,
                                       owner=principal.user, label=resource.name,
                                       principal=principal)
        return token_created(request, token, raw, "resources")
