"""Periodic housekeeping: the outbox relay and idempotency-key expiry."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .models import IdempotencyRecord
from .outbox import outbox_relay as _outbox_relay


@shared_task(name="core.tasks.outbox_relay", acks_late=False)
def outbox_relay() -> int:
    return _outbox_relay()


@shared_task(name="core.tasks.idempotency_prune")
def idempotency_prune() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
