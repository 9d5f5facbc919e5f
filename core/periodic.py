"""Each periodic job runs once per period, whatever the number of beat processes (issue 15,
item 5; reliability bar R).

Two beats (a second one started by mistake, a failover that overlapped, a deployment that
briefly ran old and new) each send every scheduled message: the outbox relay ran 6 times
instead of 3. Beat sends its messages with ``scheduled=True`` (config.settings
CELERY_BEAT_SCHEDULE); a job decorated with ``periodic_job`` then claims its period in the
database first (PeriodicRun, unique per job and period start) and a second claim for the same
period is skipped and counted. The period is the job's beat interval (an hourly or daily
crontab counts as 3600 or 86400 s), its start the current time floored to it, so two beats
firing at different offsets still fall in one period each time. A run that fails after its
claim is not repeated in that period: every periodic job here is a sweep that the next period
catches up. A call without ``scheduled`` (a test, an operator, ``manage.py``) always runs.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import PeriodicRun

logger = logging.getLogger(__name__)
F_ = TypeVar("F_", bound=Callable[..., Any])
DAY = 86400
HOUR = 3600


def period_seconds(task_name: str) -> float | None:
    """The beat interval of ``task_name`` in seconds (None when beat does not schedule it)."""
    for entry in getattr(settings, "CELERY_BEAT_SCHEDULE", {}).values():
        if entry.get("task") != task_name:
            continue
        schedule = entry["schedule"]
        if isinstance(schedule, int | float):
            return float(schedule)
        if isinstance(schedule, timedelta):
            return schedule.total_seconds()
        hours = getattr(schedule, "hour", None)  # a crontab: hourly or daily here
        return float(HOUR if hours is not None and len(hours) == 24 else DAY)
    return None


def period_start(moment: datetime, seconds: float) -> datetime:
    """``moment`` floored to a multiple of ``seconds`` since the Unix epoch (UTC)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    elapsed = (moment - epoch).total_seconds()
    return epoch + timedelta(seconds=elapsed - elapsed % seconds)


def claim(task_name: str, *, run_id: str = "", now: datetime | None = None) -> bool:
    """Claim this period's run of ``task_name``: True once per period (and again for the same
    ``run_id``: a retry or a redelivery of the message that claimed it), False (and counted)
    for every other claim in the same period."""
    seconds = period_seconds(task_name)
    if seconds is None or seconds <= 0:
        return True
    start = period_start(now or timezone.now(), seconds)
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(job=task_name, period_start=start, run_id=run_id)
    except IntegrityError:
        if run_id and PeriodicRun.objects.filter(job=task_name, period_start=start,
                                                 run_id=run_id).exists():
            return True
        PeriodicRun.objects.filter(job=task_name, period_start=start).update(
            skipped=F("skipped") + 1)
        logger.info("periodic job %s already ran in the period from %s: skipped", task_name,
                    start.isoformat())
        return False
    return True


def _current_task_id() -> str:
    from celery import current_task

    request = getattr(current_task, "request", None)
    return str(getattr(request, "id", "") or "")


def periodic_job(task_name: str) -> Callable[[F_], F_]:
    """Decorate a periodic task's function: a message from beat (``scheduled=True``) runs only
    if it is the first of its period."""

    def decorate(func: F_) -> F_:
        @functools.wraps(func)
        def wrapper(*args: Any, scheduled: bool = False, **kwargs: Any) -> Any:
            if scheduled and not claim(task_name, run_id=_current_task_id()):
                return None
            return func(*args, **kwargs)

        # Celery checks a call's arguments against the signature: publish ``scheduled``.
        signature = inspect.signature(func)
        wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*signature.parameters.values(),
                        inspect.Parameter("scheduled", inspect.Parameter.KEYWORD_ONLY,
                                          default=False, annotation=bool)])
        return cast(F_, wrapper)

    return decorate
