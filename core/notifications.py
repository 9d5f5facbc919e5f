"""Notifications to users, deduplicated by a unique key so tasks can run twice safely, and
the recipient marking them read.

An e-mail leaves after its notification commits, through the outbox (``notification_email``):
a task rolled back, or a worker killed before its commit, sends nothing, and the retry sends
one. The sender marks the notification e-mailed in the transaction that sends it; only a crash
between the SMTP hand-over and that commit can send one twice.

Marking read is a conditional UPDATE scoped to the recipient, so it is idempotent and nobody
can mark someone else's notification read by guessing its id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import override

from .models import Notification
from .outbox import outbox_enqueue

Text = str | Promise | Callable[[], str]
EMAIL_TASK = "core.tasks.notification_email"


def recipient_language(user: Any) -> str:
    """The language a notification to ``user`` is written in: the user's own when one is stored
    (a ``language`` attribute or profile), else the site's (settings.LANGUAGE_CODE)."""
    for holder in (user, getattr(user, "profile", None)):
        language = getattr(holder, "language", "") if holder is not None else ""
        if language:
            return str(language)
    return str(settings.LANGUAGE_CODE)


def _text(value: Text, language: str) -> str:
    """``value`` rendered in ``language``: lazy translations and callables are evaluated under
    it, so each recipient reads the notice in their language; a plain string is kept."""
    with override(language):
        return str(value() if callable(value) else value)


def notification_send(
    *,
    recipients: Iterable[Any],
    kind: str,
    subject: Text,
    body: Text = "",
    link: str = "",
    dedup_key: str,
    email: bool = False,
) -> int:
    """Create one notification per recipient unless it exists already; e-mail on request.

    Returns how many were new. ``dedup_key`` is per logical event; the recipient's id is added.
    Subjects and bodies carry pseudonyms and links, never names. They may be lazy translations
    (``gettext_lazy``, ``format_lazy``) or callables: each is rendered in the recipient's language
    (``recipient_language``).
    """
    created = 0
    for user in recipients:
        key = f"{dedup_key}:{user.pk}"[:200]
        language = recipient_language(user)
        subject_text, body_text = _text(subject, language), _text(body, language)
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=user, kind=kind, subject=subject_text[:200], body=body_text,
                    link=link,
                    dedup_key=key,
                )
        except IntegrityError:
            continue  # already notified: the unique key makes a re-run a no-op
        created += 1
        if email and user.email:
            outbox_enqueue(task_name=EMAIL_TASK, kwargs={"notification_id": note.pk},
                           dedup_key=f"{EMAIL_TASK}:{note.pk}")
    return created


def notification_email(*, notification_id: int) -> bool:
    """E-mail a committed notification to its recipient unless that was done; returns whether
    this call sent it. The row is locked and marked in the transaction that sends."""
    with transaction.atomic():
        note = (Notification.objects.select_for_update(of=("self",)).select_related("recipient")
                .filter(pk=notification_id, emailed_at__isnull=True).first())
        if note is None or not note.recipient.email:
            return False
        send_mail(note.subject, f"{note.body}\n\n{note.link}", settings.DEFAULT_FROM_EMAIL,
                  [note.recipient.email])
        note.emailed_at = timezone.now()
        note.save(update_fields=["emailed_at"])
    return True


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
