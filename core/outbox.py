"""The transactional outbox: enqueue Celery work inside the caller's transaction.

``outbox_enqueue`` writes a row; after commit it tries to publish at once (with the short publish
retry configured in settings). If the broker is down the row stays pending and the periodic
``outbox_relay`` publishes it later. A rollback leaves no row, so nothing is sent (Q1).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any
from uuid import UUID

from celery import current_app
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)
MAX_PUBLISH_ATTEMPTS = 20


def outbox_enqueue(*, task_name: str, kwargs: dict[str, Any], dedup_key: str | None = None) -> None:
    """Record a task to run after commit. kwargs must be JSON ids, never patient data.

    With a ``dedup_key``, a second enqueue of the same work while the first is pending is a
    no-op (e.g. two changes to one plan inside a transaction need one re-check).
    """
    for value in kwargs.values():
        if not isinstance(value, (str, int, UUID, type(None))):
            raise TypeError("outbox task arguments must be ids (str/int/UUID)")
    clean = {k: str(v) if isinstance(v, UUID) else v for k, v in kwargs.items()}
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                task_name=task_name, kwargs=clean, dedup_key=dedup_key
            )
    except IntegrityError:
        return  # the same work is already queued
    transaction.on_commit(partial(outbox_publish, message_id=message.id))


def outbox_publish(*, message_id: UUID) -> bool:
    """Publish one pending message and mark it sent.

    It publishes first and then marks the row sent with a conditional UPDATE (only a pending
    row changes), so a publish the broker accepted is never lost; the price is that two
    publishers racing on one row may both send it, which is why tasks must be idempotent. If
    the broker refuses, ``attempts`` is incremented in the database (``F() + 1``, not
    read-modify-write) and the relay tries again later. In eager mode (tests) the row is
    claimed before the task runs in-process. The Celery app is the process's current one
    (config.celery makes itself current), so core never imports the project's config.
    """
    app = current_app

    message = OutboxMessage.objects.filter(id=message_id, status=OutboxMessage.Status.PENDING).first()
    if message is None:
        return False
    task = app.tasks.get(message.task_name)
    if task is None:
        # A web process has not imported the apps' tasks modules (a worker does at start):
        # run the app's autodiscovery now rather than publish by name only.
        app.loader.import_default_modules()
        task = app.tasks.get(message.task_name)
    if app.conf.task_always_eager:
        # Tests and eager mode: claim, then run in-process and let errors propagate. A task
        # nobody defines is an error, never a message marked sent with nothing run.
        if task is None:
            raise LookupError(f"No Celery task is named {message.task_name!r}.")
        claimed = OutboxMessage.objects.filter(
            id=message.id, status=OutboxMessage.Status.PENDING
        ).update(status=OutboxMessage.Status.SENT, sent_at=timezone.now(), dedup_key=None)
        if claimed == 1 and task is not None:
            task.apply_async(kwargs=message.kwargs, task_id=str(message.id))
        return claimed == 1
    try:
        # The row's id is the task id: a message published twice (this publish racing the
        # relay) is handled once (core.taskonce).
        if task is None:
            app.send_task(message.task_name, kwargs=message.kwargs, task_id=str(message.id))
        else:
            task.apply_async(kwargs=message.kwargs, task_id=str(message.id))
    except Exception as exc:  # broker down: leave it for the relay
        OutboxMessage.objects.filter(id=message.id).update(
            attempts=F("attempts") + 1, last_error=type(exc).__name__[:300]
        )
        logger.warning("outbox publish deferred for %s: %s", message.task_name, type(exc).__name__)
        return False
    OutboxMessage.objects.filter(id=message.id, status=OutboxMessage.Status.PENDING).update(
        status=OutboxMessage.Status.SENT, sent_at=timezone.now(), dedup_key=None
    )
    return True


def outbox_relay(*, limit: int = 200) -> int:
    """Publish pending messages (the periodic relay). Returns how many were sent."""
    sent = 0
    pending = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        .order_by("created_at")
        .values_list("id", "attempts")[:limit]
    )
    for message_id, attempts in pending:
        if attempts >= MAX_PUBLISH_ATTEMPTS:
            OutboxMessage.objects.filter(id=message_id).update(status=OutboxMessage.Status.DEAD)
            logger.error("outbox message %s is dead after %s attempts", message_id, attempts)
            continue
        if outbox_publish(message_id=message_id):
            sent += 1
    return sent


def outbox_pending_count() -> int:
    """How many messages wait for the broker (the readiness probe reports it)."""
    return OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count()
