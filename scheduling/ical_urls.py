"""iCalendar feed of resource bookings, mounted at /ical/ (config/urls.py)."""

from __future__ import annotations

from django.urls import path

from . import ical

urlpatterns = [
    path("resources/<str:token>.ics", ical.resource_feed, name="ical-resource-feed"),
    path("resources/<uuid:resource_id>/tokens/", ical.ResourceFeedTokenCreateApi.as_view(),
         name="ical-resource-token-create"),
]
