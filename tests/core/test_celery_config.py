"""Celery settings that reliability depends on (docs/security.md, Q3): no retry backoff
reaches the visibility timeout, acks late, requeue on worker loss."""

from __future__ import annotations

from django.conf import settings

from config.celery import app


def test_no_retry_backoff_exceeds_the_redis_visibility_timeout():
    visibility = settings.BOARDSVC_BROKER_VISIBILITY_TIMEOUT
    # A killed worker's task is redelivered within minutes (issue 15, item 2) ...
    assert visibility <= 10 * 60
    # ... but never while it may still be running, nor before its retry is due.
    assert visibility > settings.CELERY_TASK_TIME_LIMIT
    assert visibility > settings.BOARDSVC_TASK_RETRY_BACKOFF_MAX
    for name, task in app.tasks.items():
        if name.startswith("celery."):
            continue
        assert (getattr(task, "time_limit", None) or 0) < visibility, name
        if not getattr(task, "autoretry_for", None) or not getattr(task, "retry_backoff", False):
            continue  # no automatic backoff: retry_backoff_max does not apply
        backoff_max = getattr(task, "retry_backoff_max", 600) or 0
        assert backoff_max < visibility, name


def test_tasks_are_acked_late_and_requeued_if_the_worker_dies():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_only_json_and_no_stored_task_arguments():
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_RESULT_EXTENDED is False


def test_the_outbox_publishes_again_only_what_can_no_longer_be_queued_held_or_running():
    # A message is sent again only after Redis would have handed it back (visibility timeout)
    # and any run of it would have ended (hard task limit): G-QUEUE-10.
    assert settings.BOARDSVC_OUTBOX_REDELIVER_SECONDS > (
        settings.BOARDSVC_BROKER_VISIBILITY_TIMEOUT + settings.CELERY_TASK_TIME_LIMIT)
