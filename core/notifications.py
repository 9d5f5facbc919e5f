"""Notifications to users, deduplicated by a unique key so tasks can run twice safely."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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
