"""Scheduling test helpers: the API's base path, an authenticated API client, a procedure
booked through the service, and the SQL that finds overlapping active bookings.

Fixtures (``rooms``, ``coordinator_principal``, the API clients) stay in tests/scheduling's
conftest files and call these helpers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework.test import APIClient

from scheduling import services

BASE = "/api/v1"

#: A pre-operative embolization, the procedure R1/R2 bind to its surgery.
PREOP = {"procedure_type": "embolization", "purpose": "pre_operative"}

#: Active bookings of one room that overlap (the no-overlap guarantee says: none).
OVERLAP_SQL = (
    "SELECT COUNT(*) FROM scheduling_booking a JOIN scheduling_booking b "
    "ON a.resource_id = b.resource_id AND a.id < b.id "
    "AND a.status <> 'cancelled' AND b.status <> 'cancelled' "
    "AND a.start < b.\"end\" AND b.start < a.\"end\""
)


def client_for(user: Any) -> APIClient:
    """An API client authenticated as ``user`` (no token, no session)."""
    client = APIClient()
    client.force_authenticate(user)
    return client


def book(procedure: Any, room: Any, start: datetime, principal: Any, **kw: Any) -> Any:
    """Book ``procedure`` on ``room`` at ``start`` through the service; the booking written."""
    return services.booking_create(procedure=procedure, resource=room, start=start,
                                   principal=principal, **kw).booking
