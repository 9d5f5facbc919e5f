"""Reads of the kernel's own tables for its views: notifications, the audit trail, feed tokens.

Each read is scoped in the query: a person only ever receives their own notifications and
feed tokens (administrators may revoke anyone's token).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

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


# The audit-trail filters: each names an AuditEvent column, except ``object_id`` and ``patient``
# (a row's own object, or one of the entities a list disclosed), ``since`` (inclusive) and
# ``until`` (exclusive).
_AUDIT_COLUMNS = ("actor_id", "action", "outcome", "object_type")


def audit_event_list(*, filters: Mapping[str, Any]) -> QuerySet[AuditEvent]:
    """Audit rows matching every filter given (absent keys do not filter), newest first."""
    queryset = AuditEvent.objects.all()
    for column in _AUDIT_COLUMNS:
        if column in filters:
            queryset = queryset.filter(**{column: filters[column]})
    if connection.vendor != "postgresql":
        queryset = queryset.alias(entities_text=Cast("entities", TextField()))
    for key, column in (("object_id", "object_id"), ("patient", "patient_pseudonym")):
        if key in filters:
            queryset = queryset.filter(_names(filters[key], column=column))
    if "since" in filters:
        queryset = queryset.filter(at__gte=filters["since"])
    if "until" in filters:
        queryset = queryset.filter(at__lt=filters["until"])
    return queryset


def _names(value: str, *, column: str) -> Q:
    """Rows about ``value`` (a public id or a pseudonym): in ``column``, or among ``entities``.

    On PostgreSQL ``entities @> '[["value"]]'`` matches a pair holding the value, through the
    GIN index of core migration 0009. SQLite has no JSON containment: there the JSON text
    (aliased ``entities_text``) is searched for the quoted value; public ids and pseudonyms are
    UUIDs, so a quoted one matches only itself.
    """
    if connection.vendor == "postgresql":
        return Q(**{column: value}) | Q(entities__contains=[[value]])
    return Q(**{column: value}) | Q(entities_text__contains=json.dumps(value))


def feed_token_list(*, owner: Any) -> QuerySet[FeedToken]:
    """The owner's calendar-feed tokens, newest first."""
    return FeedToken.objects.filter(owner=owner).order_by("-created_at", "-id")


def feed_token_revocable(*, principal: Principal, public_id: UUID | str) -> FeedToken | None:
    """The token this principal may revoke (their own; any, for an administrator), or None."""
    queryset = FeedToken.objects.all() if principal.is_admin else FeedToken.objects.filter(
        owner=principal.user)
    return queryset.filter(public_id=public_id).first()
