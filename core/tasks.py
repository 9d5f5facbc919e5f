"""Periodic housekeeping (the outbox relay, idempotency-key expiry, sealing the audit trail) and
the e-mails of notifications."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .auditchain import audit_chain_seal as _audit_chain_seal
from .models import IdempotencyRecord, OutboxMessage, PeriodicRun, TaskReceipt
from .notifications import notification_email as _notification_email
from .outbox import outbox_relay as _outbox_relay
from .periodic import periodic_job
from .taskonce import RECEIPT_KEEP


@shared_task(name="core.tasks.outbox_relay", acks_late=False, once=False)
@periodic_job("core.tasks.outbox_relay")
def outbox_relay() -> int:
    return _outbox_relay()


@shared_task(name="core.tasks.idempotency_prune")
@periodic_job("core.tasks.idempotency_prune")
def idempotency_prune() -> int:
    """Expired idempotency keys, and periodic-run claims, task receipts and outbox messages
    settled as done older than a week (core.periodic, core.taskonce, core.outbox)."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lt=timezone.now()).delete()
    PeriodicRun.objects.filter(started_at__lt=timezone.now() - timedelta(days=7)).delete()
    TaskReceipt.objects.filter(done_at__lt=timezone.now() - RECEIPT_KEEP).delete()
    OutboxMessage.objects.filter(status=OutboxMessage.Status.DONE,
                                 sent_at__lt=timezone.now() - timedelta(days=7)).delete()
    return deleted


@shared_task(name="core.tasks.audit_chain_seal")
@periodic_job("core.tasks.audit_chain_seal")
def audit_chain_seal() -> int:
    """Extend the audit hash chain (issue 10 item 3). Idempotent; the next run catches up."""
    return _audit_chain_seal().appended


@shared_task(name="core.tasks.notification_email")
def notification_email(notification_id: int) -> bool:
    """Send one notification's e-mail, after the notification committed (core.notifications)."""
    return _notification_email(notification_id=notification_id)
