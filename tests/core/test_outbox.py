"""The transactional outbox: enqueue only after commit (Q1), survive a broker outage (Q4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from config.celery import app
from core.models import DeadLetter, OutboxMessage, TaskReceipt
from core.outbox import MAX_PUBLISH_ATTEMPTS, outbox_enqueue, outbox_relay

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


# --- Sent is not done: a message the broker lost is published again (G-QUEUE-10) -------------

@app.task(name="tests.core.record_call_untracked", once=False)
def record_call_untracked(**kwargs):
    RAN.append(kwargs)


def _sent(task_name="tests.core.record_call", *, age_s, attempts=0, **kwargs):
    from django.utils import timezone

    return OutboxMessage.objects.create(
        task_name=task_name, kwargs=kwargs, status=OutboxMessage.Status.SENT,
        sent_at=timezone.now() - timedelta(seconds=age_s), attempts=attempts)


def test_a_sent_message_that_never_ran_is_published_again_and_runs_once(settings):
    """Redis came back empty (or lost the message it was handing over): the relay finds the
    message sent long ago with no receipt, and publishes it again under the same id."""
    settings.BOARDSVC_OUTBOX_REDELIVER_SECONDS = 60
    lost = _sent(age_s=61, case_id=5)
    assert outbox_relay() == 1
    assert RAN == [{"case_id": 5}]
    lost.refresh_from_db()
    assert (lost.status, lost.attempts, lost.last_error) == (
        OutboxMessage.Status.SENT, 1, "not run after sent")
    assert TaskReceipt.objects.filter(task_id=str(lost.id)).exists()
    # Once it has run, the next look marks it done and sends nothing.
    OutboxMessage.objects.filter(id=lost.id).update(sent_at=lost.sent_at - timedelta(seconds=61))
    assert outbox_relay() == 0
    assert RAN == [{"case_id": 5}]
    assert OutboxMessage.objects.get(id=lost.id).status == OutboxMessage.Status.DONE


def test_what_ran_failed_or_is_recent_is_not_sent_again(settings, django_assert_num_queries):
    settings.BOARDSVC_OUTBOX_REDELIVER_SECONDS = 60
    ran = _sent(age_s=120, case_id=1)
    TaskReceipt.objects.create(task_id=str(ran.id), task_name=ran.task_name)
    failed = _sent(age_s=120, case_id=2)
    DeadLetter.objects.create(task_name=failed.task_name, task_id=str(failed.id),
                              exception_type="ValueError")
    worn_out = _sent(age_s=120, attempts=MAX_PUBLISH_ATTEMPTS, case_id=3)
    untracked = _sent("tests.core.record_call_untracked", age_s=120, case_id=4)
    recent = _sent(age_s=30, case_id=5)
    # Sent before receipts were pruned: it cannot be judged by a missing receipt.
    ancient = _sent(age_s=8 * 86400, case_id=6)
    # The pending look, the sent rows, their receipts, their dead letters, two updates.
    with django_assert_num_queries(6):
        assert outbox_relay() == 0
    assert RAN == []
    status = dict(OutboxMessage.objects.values_list("id", "status"))
    assert status == {ran.id: "done", failed.id: "dead", worn_out.id: "dead",
                      untracked.id: "done", recent.id: "sent", ancient.id: "done"}


def test_the_weekly_prune_removes_settled_messages_only():
    from core.tasks import idempotency_prune

    done = _sent(age_s=8 * 86400, case_id=1)
    OutboxMessage.objects.filter(id=done.id).update(status=OutboxMessage.Status.DONE)
    kept = [_sent(age_s=8 * 86400, case_id=2), _sent(age_s=3600, case_id=3)]
    OutboxMessage.objects.filter(id=kept[1].id).update(status=OutboxMessage.Status.DONE)
    idempotency_prune()
    assert set(OutboxMessage.objects.values_list("id", flat=True)) == {m.id for m in kept}
