"""core.periodic: a job beat sends runs once per period, whatever the number of beats
(issue 15, item 5: with a second beat the outbox relay ran 6 times instead of 3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.schedules import crontab

from core import periodic
from core.models import PeriodicRun
from core.tasks import outbox_relay

pytestmark = pytest.mark.django_db
T0 = datetime(2030, 1, 7, 9, 0, 5, tzinfo=UTC)


def test_two_beats_messages_in_one_period_run_the_job_once():
    with time_machine.travel(T0, tick=False):
        first = outbox_relay.apply(kwargs={"scheduled": True})
        second = outbox_relay.apply(kwargs={"scheduled": True})
    assert first.result == 0  # ran: nothing pending to relay
    assert second.result is None  # skipped
    run = PeriodicRun.objects.get(job="core.tasks.outbox_relay")
    assert (run.period_start, run.skipped) == (datetime(2030, 1, 7, 9, 0, 0, tzinfo=UTC), 1)


def test_the_next_period_runs_again_and_a_call_without_beat_always_runs():
    with time_machine.travel(T0, tick=False):
        outbox_relay.apply(kwargs={"scheduled": True})
        assert outbox_relay.apply().result == 0  # an operator's or a test's call
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        assert outbox_relay.apply(kwargs={"scheduled": True}).result == 0
    assert PeriodicRun.objects.filter(job="core.tasks.outbox_relay").count() == 2


def test_the_message_that_claimed_a_period_may_run_again_when_retried_or_redelivered():
    with time_machine.travel(T0, tick=False):
        assert periodic.claim("core.tasks.outbox_relay", run_id="task-1")
        assert periodic.claim("core.tasks.outbox_relay", run_id="task-1")
        assert not periodic.claim("core.tasks.outbox_relay", run_id="task-2")


def test_periods_follow_the_beat_schedule(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        "a": {"task": "x.every_30", "schedule": 30.0},
        "b": {"task": "x.hourly", "schedule": crontab(minute=5)},
        "c": {"task": "x.daily", "schedule": crontab(hour=2, minute=30)},
    }
    assert periodic.period_seconds("x.every_30") == 30
    assert periodic.period_seconds("x.hourly") == 3600
    assert periodic.period_seconds("x.daily") == 86400
    assert periodic.period_seconds("x.unscheduled") is None
    assert periodic.period_start(T0, 3600) == datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def test_every_beat_entry_is_marked_scheduled_and_its_job_guarded():
    from celery import current_app
    from django.conf import settings as live

    current_app.loader.import_default_modules()
    for name, entry in live.CELERY_BEAT_SCHEDULE.items():
        assert entry.get("kwargs") == {"scheduled": True}, name
        task = current_app.tasks[entry["task"]]
        assert "scheduled" in __import__("inspect").signature(task.run).parameters, name
