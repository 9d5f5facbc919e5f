"""Shared pieces of the iCalendar feeds (RFC 5545) that every app's feeds use.

Calendar programs poll a secret URL (a ``core.models.FeedToken``); the apps build their own
events (meetings in boardsvc, bookings in scheduling) and answer with these helpers.
"""

from __future__ import annotations

from django.http import HttpResponse
from icalendar import Calendar
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.models import FeedToken

PRODID = "-//boardsvc//MDT meetings//EN"


def calendar_response(calendar: Calendar, *, filename: str) -> HttpResponse:
    """text/calendar, private and briefly cacheable (clients poll every few minutes)."""
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


def new_calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


class FeedTokenOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    url = serializers.CharField(help_text="The secret feed URL; shown once, never again.")


def token_created(request: Request, token: FeedToken, raw: str, prefix: str) -> Response:
    url = request.build_absolute_uri(f"/ical/{prefix}/{raw}.ics")
    data = FeedTokenOutputSerializer({"id": token.public_id, "kind": token.kind, "url": url}).data
    response = Response(data, status=201)
    response["Cache-Control"] = "no-store"
    return response
