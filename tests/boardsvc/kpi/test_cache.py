"""The dashboards' figures are kept for BOARDSVC_KPI_CACHE_SECONDS (core.cache): a second view
reads no aggregate, a change shows once the figures expire, the page says how old they are, and
a cache that fails is bypassed, not an error (issue 15, "Measured at hospital scale")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scheduling.models import Booking
from tests.support.web import login

from .conftest import PERIOD

pytestmark = pytest.mark.django_db

KEEP = 300


@pytest.fixture
def keeping(settings):
    settings.BOARDSVC_KPI_CACHE_SECONDS = KEEP
    cache.clear()
    yield
    cache.clear()


def page(client, board):
    return client.get(reverse("boardsvc_web:kpi"), {"board": str(board.public_id), **PERIOD})


def utilisation(client_for, user, board):
    response = client_for(user).get(f"/api/v1/boards/{board.public_id}/kpi/utilisation/",
                                    PERIOD)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_second_view_reads_no_aggregate_and_shows_the_same_figures(
        kpi_world, coordinator, keeping, at_now):
    client = login(coordinator)
    with CaptureQueriesContext(connection) as first:
        html = page(client, kpi_world.board).content.decode()
    with CaptureQueriesContext(connection) as second:
        again = page(client, kpi_world.board).content.decode()
    assert "16380" in html
    assert "16380" in again
    aggregates = [q["sql"] for q in second.captured_queries if "scheduling_booking" in q["sql"]]
    assert aggregates == []
    assert len(second) < len(first) - 10
    assert "Figures as of 1 Jun 2026, 11:00." in again  # 09:00 UTC in Rome (CEST)
    assert "recomputed at most every 5 minutes" in again


def test_a_new_booking_shows_once_the_figures_expire(kpi_world, coordinator, client_for,
                                                     keeping, at_now):
    def room_a(body):
        return next(r for r in body["figures"]["resources"] if r["code"] == "kpi-room-a")

    first = utilisation(client_for, coordinator, kpi_world.board)
    assert room_a(first)["booked_minutes"] == 150
    booking = Booking.objects.filter(resource__code="kpi-room-a").order_by("pk")[0]
    Booking.objects.filter(pk=booking.pk).update(end=booking.end + timedelta(minutes=60))

    at_now.shift(timedelta(seconds=KEEP - 10))
    kept = utilisation(client_for, coordinator, kpi_world.board)
    assert room_a(kept)["booked_minutes"] == 150
    assert kept["computed_at"] == first["computed_at"]

    at_now.shift(timedelta(seconds=20))
    fresh = utilisation(client_for, coordinator, kpi_world.board)
    assert room_a(fresh)["booked_minutes"] == 210
    assert fresh["computed_at"] > first["computed_at"]


def test_a_failing_cache_is_bypassed(kpi_world, coordinator, settings, at_now, caplog):
    """Redis refusing connections (a closed port): the page is computed from the database."""
    from tests.support.worker import free_port

    settings.BOARDSVC_KPI_CACHE_SECONDS = KEEP
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_port()}/1",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    # (Django's setting_changed handler closes and rebuilds the cache connections.)
    response = page(login(coordinator), kpi_world.board)
    assert response.status_code == 200
    assert "16380" in response.content.decode()
    assert "cache unavailable" in caplog.text
    assert "ConnectionError" in caplog.text
