"""Two beat processes, one worker, a real Redis broker (.ci/run integration phase): each
periodic job still runs once per period (issue 15, item 5; before, a second beat doubled every
job: the outbox relay ran 6 times instead of 3).

Both beats send the outbox relay every 2 s for about 12 s; the worker counts the period as its
own settings say (30 s), so at most two periods start in that time and every other message is
skipped and counted."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db.models import Sum

from core.models import PeriodicRun
from tests.support.worker import REAL_WORKER, poll

pytestmark = REAL_WORKER
ROOT = Path(__file__).resolve().parents[2]
JOB = "core.tasks.outbox_relay"


def _beat(tmp_path: Path, n: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BOARDSVC_TEST_CELERY_EAGER": "false",
           "DJANGO_SETTINGS_MODULE": "config.settings.test", "BOARDSVC_OUTBOX_RELAY_SECONDS": "2"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO",
         "-s", str(tmp_path / f"beat-{n}-schedule"), "--pidfile="],
        cwd=ROOT, env=env, stdout=(tmp_path / f"beat-{n}.log").open("wb"),
        stderr=subprocess.STDOUT)


def test_two_beats_run_each_period_once(transactional_db, tmp_path):
    PeriodicRun.objects.filter(job=JOB).delete()
    beats = [_beat(tmp_path, 1), _beat(tmp_path, 2)]
    try:
        started = time.monotonic()
        # Both beats have sent several relays once some have been skipped.
        assert poll(lambda: (PeriodicRun.objects.filter(job=JOB)
                             .aggregate(s=Sum("skipped"))["s"] or 0) >= 4, timeout=40), (
            "the worker never skipped a second beat's message: "
            + (tmp_path / "beat-1.log").read_text(errors="replace")[-800:])
        elapsed = time.monotonic() - started
    finally:
        for beat in beats:
            beat.terminate()
        for beat in beats:
            beat.wait(timeout=20)
    runs = PeriodicRun.objects.filter(job=JOB).count()
    assert 1 <= runs <= int(elapsed // 30) + 2
