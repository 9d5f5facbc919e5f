"""Dead letters: record a task's final failure and tell the administrators (docs/security.md,
Q7: never a silent drop)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q

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
        subject=f"Background task failed: {task_name}",
        body=(f"{task_name} failed for good with {letter.exception_type} after {retries} "
              f"retries. Arguments: {safe_kwargs}. See Dead letters in the admin."),
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
