"""Every task's side effect happens once however often its message is delivered (issue 15,
item 2; the idempotent-consumer pattern).

Redis redelivers a message whose worker died before acknowledging it, even when the task had
finished and committed (``acks_late``): a case got two placement records that way. And the
outbox may publish one message twice (the after-commit publish racing the relay). Both arrive
with the same task id: the outbox publishes each message under its own row's id
(core.outbox), and a redelivery keeps the id Celery gave it.

``ExactlyOnceTask`` is the project's Celery task class (config.celery): it runs the task body
inside one transaction that first writes a ``TaskReceipt`` for the task id. The receipt commits
with the task's own writes, or rolls back with them (a failure, an autoretry), so a second
delivery of a message that succeeded finds the receipt and does nothing, and one that failed
runs again. Effects outside the database (an e-mail sent by a task) keep their own guard (the
delivery row's state). A task declared with ``once=False`` (the outbox relay: a publisher that
acknowledges early and must not hold a transaction across publishes) runs as before.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import Task
from django.db import IntegrityError, transaction

logger = logging.getLogger(__name__)
# How long a receipt is kept (core.tasks.idempotency_prune): redeliveries come within minutes,
# and the outbox judges a sent message by its receipt only while it can still be there.
RECEIPT_KEEP = timedelta(days=7)


class ExactlyOnceTask(Task):  # type: ignore[misc]
    """A Celery task whose body runs at most once per task id (see the module docstring)."""

    once = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        task_id = getattr(self.request, "id", None)
        if not self.once or not task_id:
            return super().__call__(*args, **kwargs)
        from core.models import TaskReceipt

        with transaction.atomic():
            try:
                with transaction.atomic():
                    TaskReceipt.objects.create(task_id=str(task_id)[:64], task_name=self.name)
            except IntegrityError:
                logger.info("task %s %s was already handled: skipped", self.name, task_id)
                return None
            return super().__call__(*args, **kwargs)
