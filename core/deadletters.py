"""Dead letters: record a task's final failure and tell the administrators (docs/security.md,
Q7: never a silent drop)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .access import GROUP_ADMINISTRATOR
from .models import DeadLetter, Notification
from .notifications import notification_send

logger = logging.getLogger(__name__)


def dead_letter_record(*, task_name: str, task_id: str, kwargs: dict[str, Any] | None,
                       exception: BaseException, retries: int = 0) -> DeadLetter | None:
    """Store one row per failed task run (idempotent on the task id) and notify administrators.

    Only JSON ids are kept from ``kwargs``; the exception is kept by type, never by message.
    """
    safe_kwargs = {k: v for k, v in (kwargs or {}).items() if isinstance(v, (int, str)) and
                   len(str(v)) <= 64}
    try:
        with transaction.atomic():
            letter = DeadLetter.objects.create(
                task_name=task_name[:200], task_id=task_id[:64], kwargs=safe_kwargs,
                exception_type=type(exception).__name__[:200], retries=retries,
            )
    except IntegrityError:
        return None  # already recorded for this task run
    admins = get_user_model().objects.filter(
        Q(is_superuser=True) | Q(groups__name=GROUP_ADMINISTRATOR), is_active=True
    ).distinct()
    notification_send(
        recipients=admins, kind=Notification.Kind.GENERAL,
        # Translators: {task} is a background task's name ("boardsvc.tasks.agenda_freeze_due").
        subject=lambda: _("Background task failed: {task}").format(task=task_name),
        body=lambda: ngettext(
            # Translators: {task} is a background task's name, {exception} a Python exception's
            # type ("TimeoutError"), {retries} how many times it was retried, {arguments} its ids.
            # "Dead letters" is the admin's list of failed tasks.
            "{task} failed for good with {exception} after {retries} retry. Arguments: "
            "{arguments}. See Dead letters in the admin.",
            "{task} failed for good with {exception} after {retries} retries. Arguments: "
            "{arguments}. See Dead letters in the admin.",
            retries).format(task=task_name, exception=letter.exception_type, retries=retries,
                            arguments=safe_kwargs),
        link="/admin/core/deadletter/", dedup_key=f"dead-letter:{letter.task_id}",
    )
    logger.error("task %s failed for good (%s); dead letter %s", task_name,
                 letter.exception_type, letter.pk)
    return letter


def on_task_failure(sender: Any = None, task_id: str = "", exception: BaseException | None = None,
                    kwargs: dict[str, Any] | None = None, **_: Any) -> None:
    """Celery ``task_failure`` handler: fired once a task will not be retried any more."""
    try:
        request = getattr(sender, "request", None)
        dead_letter_record(
            task_name=getattr(sender, "name", "unknown"), task_id=str(task_id or ""),
            kwargs=kwargs, exception=exception or RuntimeError(),
            retries=int(getattr(request, "retries", 0) or 0),
        )
    except Exception:  # the failure path must never raise a second error
        logger.exception("could not record a dead letter")
