"""A notification's e-mail leaves after the notification commits, once (issue 15, item 2).

Before, the e-mail was sent inside the task's transaction: a task that failed after it, or a
worker killed before the commit, had sent it, and the redelivered task sent it again. Now the
notification and an outbox row commit together, and the e-mail task sends and marks it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from core.models import Notification, OutboxMessage
from core.notifications import notification_email, notification_send

pytestmark = pytest.mark.django_db


def _send(user) -> int:
    return notification_send(recipients=[user], kind="test", subject="Agenda frozen",
                              body="Three cases.", link="/meetings/x/", dedup_key="t:1",
                              email=True)


def test_a_rolled_back_task_sends_no_email(coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            assert _send(coordinator) == 1
            raise RuntimeError("the task fails after notifying")
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_the_email_leaves_once_after_the_commit(coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert _send(coordinator) == 1
        assert mail.outbox == []  # not before the commit
    [message] = mail.outbox
    assert (message.to, message.subject) == ([coordinator.email], "Agenda frozen")
    note = Notification.objects.get(recipient=coordinator)
    assert note.emailed_at is not None
    # A redelivered e-mail task, or the task run again: nothing more is sent.
    assert notification_email(notification_id=note.pk) is False
    with django_capture_on_commit_callbacks(execute=True):
        assert _send(coordinator) == 0
    assert len(mail.outbox) == 1
