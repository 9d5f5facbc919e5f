"""The signed-in person's notification inbox: reads and the two writes it needs.

core.notifications only sends; marking read lives here until it moves there (see the report of
issue 6). Both writes are conditional UPDATEs scoped to the recipient, so they are idempotent
and nobody can mark someone else's notification read by guessing its id.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone

from core.models import Notification

# Services written before the pages existed link to API resources; the inbox links to the page
# that shows the same thing. Only site-relative links are ever shown (never javascript: or
# another host).
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_PAGE_FOR_API = [
    (re.compile(rf"^/api/v1/plans/({_UUID})/validation/?$"), "/plans/{0}/timeline/"),
    (re.compile(rf"^/api/v1/bookings/\?plan=({_UUID})$"), "/plans/{0}/timeline/"),
    (re.compile(rf"^/api/v1/cases/({_UUID})/?$"), "/cases/{0}/"),
    (re.compile(rf"^/api/v1/meetings/({_UUID})/?$"), "/meetings/{0}/"),
]


def page_link(link: str) -> str:
    """The page a notification's link should open, or "" when it has none we may show."""
    link = (link or "").strip()
    for pattern, template in _PAGE_FOR_API:
        match = pattern.match(link)
        if match:
            return template.format(match.group(1))
    if not link.startswith("/") or link.startswith("//") or link.startswith("/api/"):
        return ""
    return link


def notification_list(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first (index notification_inbox_idx: recipient,
    read_at)."""
    queryset = Notification.objects.filter(recipient=user)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-pk")


def notification_unread_count(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_mark_read(*, user: Any, public_id: UUID | str) -> bool:
    """Mark one of the user's notifications read. Returns False for an unknown id, another
    person's notification, or one already read (nothing changes)."""
    try:
        UUID(str(public_id))
    except ValueError:
        return False
    return Notification.objects.filter(pk=public_id, recipient=user,
                                       read_at__isnull=True).update(
        read_at=timezone.now()) == 1


def notification_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now())
