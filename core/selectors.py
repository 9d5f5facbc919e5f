"""Reads of the kernel's own tables for its views: notifications, the audit trail, feed tokens.

Each read is scoped in the query: a person only ever receives their own notifications and
feed tokens (administrators may revoke anyone's token).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from core.access import Principal
from core.models import AuditEvent, FeedToken, Notification


def notification_list(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first (index notification_inbox_idx: recipient,
    read_at)."""
    queryset = Notification.objects.filter(recipient=user)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-pk")


def notification_unread_count(*, user: Any) -> int:
    """How many of the user's notifications are unread (one COUNT on the inbox index)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# The audit-trail filters: each names an AuditEvent column, except ``patient`` (the pseudonym),
# ``since`` (inclusive) and ``until`` (exclusive).
_AUDIT_COLUMNS = ("actor_id", "action", "outcome", "object_type", "object_id")


def audit_event_list(*, filters: Mapping[str, Any]) -> QuerySet[AuditEvent]:
    """Audit rows matching every filter given (absent keys do not filter), newest first."""
    queryset = AuditEvent.objects.all()
    for column in _AUDIT_COLUMNS:
        if column in filters:
            queryset = queryset.filter(**{column: filters[column]})
    if "patient" in filters:
        queryset = queryset.filter(patient_pseudonym=filters["patient"])
    if "since" in filters:
        queryset = queryset.filter(at__gte=filters["since"])
    if "until" in filters:
        queryset = queryset.filter(at__lt=filters["until"])
    return queryset


def feed_token_list(*, owner: Any) -> QuerySet[FeedToken]:
    """The owner's calendar-feed tokens, newest first."""
    return FeedToken.objects.filter(owner=owner).order_by("-created_at", "-id")


def feed_token_revocable(*, principal: Principal, public_id: UUID | str) -> FeedToken | None:
    """The token this principal may revoke (their own; any, for an administrator), or None."""
    queryset = FeedToken.objects.all() if principal.is_admin else FeedToken.objects.filter(
        owner=principal.user)
    return queryset.filter(public_id=public_id).first()
