"""Notifications to users, deduplicated by a unique key so tasks can run twice safely, and
the recipient marking them read.

Marking read is a conditional UPDATE scoped to the recipient, so it is idempotent and nobody
can mark someone else's notification read by guessing its id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification


def notification_send(
    *,
    recipients: Iterable[Any],
    kind: str,
    subject: str,
    body: str = "",
    link: str = "",
    dedup_key: str,
    email: bool = False,
) -> int:
    """Create one notification per recipient unless it exists already; e-mail on request.

    Returns how many were new. ``dedup_key`` is per logical event; the recipient's id is added.
    Subjects and bodies carry pseudonyms and links, never names.
    """
    created = 0
    for user in recipients:
        key = f"{dedup_key}:{user.pk}"[:200]
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=user, kind=kind, subject=subject[:200], body=body, link=link,
                    dedup_key=key,
                )
        except IntegrityError:
            continue  # already notified: the unique key makes a re-run a no-op
        created += 1
        if email and user.email:
            send_mail(subject[:200], f"{body}\n\n{link}", settings.DEFAULT_FROM_EMAIL, [user.email])
            Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
    return created


def notification_mark_read(*, user: Any, public_id: UUID | str) -> bool:
    """Mark one of the user's notifications read (once: marking it again changes nothing).

    Returns False when the user has no notification with this id (unknown, malformed, or
    someone else's), True otherwise.
    """
    try:
        UUID(str(public_id))
    except ValueError:
        return False
    mine = Notification.objects.filter(pk=public_id, recipient=user)
    if mine.filter(read_at__isnull=True).update(read_at=timezone.now()) == 1:
        return True
    return mine.exists()


def notification_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now())
