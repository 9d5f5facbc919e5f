"""The transactional outbox: enqueue Celery work inside the caller's transaction.

``outbox_enqueue`` writes a row; after commit it tries to publish at once (with the short publish
retry configured in settings). If the broker is down the row stays pending and the periodic
``outbox_relay`` publishes it later. A rollback leaves no row, so nothing is sent (Q1).

A message the broker accepted is not yet work done: Redis can come back empty (restarted
without its data), and it loses a message it hands to a worker in the moment it shuts down
(kombu pops the message, then records it as unacknowledged: a shutdown between the two drops
it). The database knows better: a task that ran wrote a receipt under the message's id in its
own transaction (core.taskonce). So the relay also looks at messages sent longer ago than
``BOARDSVC_OUTBOX_REDELIVER_SECONDS`` (above the visibility timeout plus the hard task limit: a
message still queued, held or running is not one of them): one with a receipt is marked done,
one that failed for good (a dead letter) dead, and one with neither is published again under the
same id, so it runs once even if the first copy turns up after all (G-QUEUE-10).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import DeadLetter, OutboxMessage, TaskReceipt
from .taskonce import RECEIPT_KEEP

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
    """Publish pending messages (the periodic relay), then settle the sent ones old enough to
    have run (``outbox_settle``). Returns how many were sent, first or again."""
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
    return sent + outbox_settle(limit=limit)


def outbox_settle(*, now: datetime | None = None, limit: int = 200) -> int:
    """Settle sent messages older than ``BOARDSVC_OUTBOX_REDELIVER_SECONDS``: done when their
    task's receipt exists (or their task keeps no receipts, ``once=False``: its own rows say
    how it went), dead when it failed for good or was published too often, else published
    again under the same id. Returns how many were published again. Three reads and one write
    per outcome, however many messages (pinned in tests/core/test_outbox.py).

    A message sent before receipts were pruned (``RECEIPT_KEEP``) cannot be judged: it is
    marked done, never run again on a missing receipt."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.BOARDSVC_OUTBOX_REDELIVER_SECONDS)
    judged_since = now - RECEIPT_KEEP
    rows = list(OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT,
                                             sent_at__lt=cutoff)
                .order_by("sent_at").values_list("id", "task_name", "attempts", "sent_at")[:limit])
    if not rows:
        return 0
    ids = [str(row[0]) for row in rows]
    ran = set(TaskReceipt.objects.filter(task_id__in=ids).values_list("task_id", flat=True))
    failed = set(DeadLetter.objects.filter(task_id__in=ids).values_list("task_id", flat=True))
    done, dead, again = [], [], []
    for message_id, task_name, attempts, sent_at in rows:
        key = str(message_id)
        if key in ran or not _keeps_receipts(task_name) or sent_at < judged_since:
            done.append(message_id)
        elif key in failed or attempts >= MAX_PUBLISH_ATTEMPTS:
            dead.append(message_id)
        else:
            again.append(message_id)
    sent = OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT)
    if done:
        sent.filter(id__in=done).update(status=OutboxMessage.Status.DONE)
    if dead:
        sent.filter(id__in=dead).update(status=OutboxMessage.Status.DEAD)
        logger.error("%d outbox message(s) sent but never run are dead (failed for good, or "
                     "published %d times)", len(dead), MAX_PUBLISH_ATTEMPTS)
    if not again:
        return 0
    # Back to pending (only rows still as read), then published like any pending message.
    sent.filter(id__in=again, sent_at__lt=cutoff).update(
        status=OutboxMessage.Status.PENDING, attempts=F("attempts") + 1,
        last_error="not run after sent")
    logger.warning("%d outbox message(s) sent over %d s ago never ran: published again",
                   len(again), settings.BOARDSVC_OUTBOX_REDELIVER_SECONDS)
    return sum(1 for message_id in again if outbox_publish(message_id=message_id))


def _keeps_receipts(task_name: str) -> bool:
    """Whether the task writes a receipt when it runs (core.taskonce; ``once=False`` tasks do
    not). A task this process does not know is assumed to (every project task does)."""
    task = current_app.tasks.get(task_name)
    return bool(getattr(task, "once", True)) if task is not None else True


def outbox_pending_count() -> int:
    """How many messages wait for the broker (the readiness probe reports it)."""
    return OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count()
