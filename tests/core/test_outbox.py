"""The transactional outbox: enqueue only after commit (Q1), survive a broker outage (Q4)."""

from __future__ import annotations

import pytest
from django.db import transaction

from config.celery import app
from core.models import OutboxMessage
from core.outbox import outbox_enqueue, outbox_relay

pytestmark = pytest.mark.django_db

RAN: list[dict] = []


@app.task(name="tests.core.record_call")
def record_call(**kwargs):
    RAN.append(kwargs)


@pytest.fixture(autouse=True)
def _clear():
    RAN.clear()


def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox_enqueue(task_name="tests.core.record_call", kwargs={"case_id": 1})
            raise RuntimeError("boom")
    assert callbacks == []
    assert RAN == []
    assert OutboxMessage.objects.count() == 0


def test_a_committed_transaction_sends_exactly_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        outbox_enqueue(task_name="tests.core.record_call", kwargs={"case_id": 7})
    assert len(callbacks) == 1
    assert RAN == [{"case_id": 7}]
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.SENT
    # The relay finds nothing pending: no second run.
    assert outbox_relay() == 0
    assert RAN == [{"case_id": 7}]


def test_the_same_dedup_key_queues_the_work_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        outbox_enqueue(task_name="tests.core.record_call", kwargs={"plan_id": 3}, dedup_key="p:3")
        outbox_enqueue(task_name="tests.core.record_call", kwargs={"plan_id": 3}, dedup_key="p:3")
    assert OutboxMessage.objects.count() == 1


def test_task_arguments_must_be_ids():
    with pytest.raises(TypeError, match="ids"):
        outbox_enqueue(task_name="tests.core.record_call", kwargs={"patient": {"name": "x"}})


def test_a_broker_outage_leaves_the_message_pending_for_the_relay(settings, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    calls = {"n": 0}

    def broken_apply_async(*args, **kwargs):
        calls["n"] += 1
        raise ConnectionError("redis down")

    monkeypatch.setattr(record_call, "apply_async", broken_apply_async)
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue(task_name="tests.core.record_call", kwargs={"booking_id": 9})
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert message.last_error == "ConnectionError"

    # The broker is back: the relay publishes it once.
    published = []
    monkeypatch.setattr(record_call, "apply_async", lambda *a, **k: published.append(k))
    assert outbox_relay() == 1
    assert outbox_relay() == 0
    # Under the row's id: a second publish of the same row is handled once (core.taskonce).
    assert published == [{"kwargs": {"booking_id": 9}, "task_id": str(message.id)}]
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


def test_an_eager_message_for_an_unknown_task_fails_and_stays_pending(
        django_capture_on_commit_callbacks):
    """Eager mode never marks a message sent when no task of that name exists (after running
    the apps' task autodiscovery): the caller sees the error, the row waits."""
    with pytest.raises(LookupError, match=r"tests\.core\.nobody_defines_this"):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            outbox_enqueue(task_name="tests.core.nobody_defines_this", kwargs={"case_id": 3})
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.PENDING
