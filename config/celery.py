"""The Celery app (cookiecutter-django layout): settings under the CELERY_ namespace."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from core.brokerfix import install as _guard_broker_restore

# A lost Redis connection with messages in hand must not end the worker (core.brokerfix).
_guard_broker_restore()

# Every task runs at most once per message (core.taskonce: a receipt committed with its writes).
app = Celery("boardsvc_project", task_cls="core.taskonce:ExactlyOnceTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_stale_db_connections(task: object = None, **_kwargs: object) -> None:
    # A worker outlives database restarts (docs/security.md, R1): drop broken connections between
    # tasks so the next task reconnects instead of failing on a dead socket. An eager task runs
    # inside the caller's request or test and must keep the caller's connection.
    request = getattr(task, "request", None)
    if getattr(request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
