"""iCalendar feeds of MDT meetings, mounted at /ical/ (config/urls.py)."""

from __future__ import annotations

from django.urls import path

from . import ical

urlpatterns = [
    path("boards/<str:token>.ics", ical.board_feed, name="ical-board-feed"),
    path("members/<str:token>.ics", ical.member_feed, name="ical-member-feed"),
    path("boards/<uuid:board_id>/tokens/", ical.BoardFeedTokenCreateApi.as_view(),
         name="ical-board-token-create"),
    path("members/tokens/", ical.MemberFeedTokenCreateApi.as_view(),
         name="ical-member-token-create"),
]
