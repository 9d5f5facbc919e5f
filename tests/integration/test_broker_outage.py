"""The worker rides out a broker outage and resumes by itself (issue 15, item 1): a worker of
its own on a Redis of its own (AOF on, as in production), 30 placements queued, Redis stopped
mid-run and started again 8 s later. The worker process survives, every queued placement runs
exactly once after Redis is back (those the worker held when Redis stopped after the visibility
timeout, shortened here to 60 s), and the library's own errors stay readable in its log (the
PHI filter had withheld them, hiding why the worker died)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from celery import current_app

from boardsvc.models import PlacementRecord
from tests.factories.boardsvc import make_case
from tests.support.worker import (
    REAL_WORKER,
    free_port,
    poll,
    redis_start,
    suite_database_url,
)

pytestmark = REAL_WORKER
ROOT = Path(__file__).resolve().parents[2]
TASK = "boardsvc.tasks.agenda_place_case"










def test_the_worker_survives_a_redis_restart_and_runs_every_task_once(tmp_path):
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    redis = redis_start(port, tmp_path)
    log = tmp_path / "worker.log"
    # Messages the worker had taken when Redis stopped come back after the visibility timeout
    # (7 min in production; the shortest allowed here, so the test stays short).
    env = {**os.environ, "CELERY_BROKER_URL": broker, "DATABASE_URL": suite_database_url(),
           "BOARDSVC_TEST_CELERY_EAGER": "false", "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "CELERY_VISIBILITY_TIMEOUT": "60"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=2",
         "-Q", "celery", "--loglevel=INFO", "-n", f"outage-{port}@%h"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        assert poll(lambda: "ready." in log.read_text(errors="replace"), timeout=60), (
            log.read_text(errors="replace")[-1500:])
        cases = [make_case(requested_board="no-such-board") for _ in range(30)]
        with current_app.connection_for_write(broker) as conn:
            for case in cases:
                current_app.send_task(TASK, kwargs={"case_id": case.pk},
                                      task_id=str(uuid.uuid4()), connection=conn)
        redis.send_signal(signal.SIGTERM)  # a clean shutdown writes the AOF
        redis.wait(timeout=20)
        time.sleep(8)
        assert worker.poll() is None, "the worker died with its broker"
        redis = redis_start(port, tmp_path)
        assert poll(lambda: PlacementRecord.objects.filter(
            case__in=cases).values("case").distinct().count() == 30, timeout=150), (
            log.read_text(errors="replace")[-2000:])
        time.sleep(2)  # anything that would run twice has had time to
        assert PlacementRecord.objects.filter(case__in=cases).count() == 30
        assert worker.poll() is None, "the worker exited after the outage"
        text = log.read_text(errors="replace")
        assert "Connection to broker lost" in text
        assert "Unrecoverable error" not in text
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        redis.send_signal(signal.SIGTERM)
        redis.wait(timeout=20)
