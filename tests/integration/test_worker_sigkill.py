"""A worker killed with SIGKILL while it holds tasks loses none and repeats none (issue 15,
"Fault tests"; reliability bar Q9).

A worker of its own (config.celery unchanged, prefork as deployed) on a Redis of its own (AOF
on) places 16 cases that no board takes: each placement writes a placement record and notifies
the coordinator, so both side effects can be counted. The test holds row locks on four of the
cases, so the worker's four pool processes stop inside those tasks. It then freezes the worker's
main process, releases two of the locks (those two tasks finish and commit, but the frozen
process cannot acknowledge them: "finished, ack lost") and SIGKILLs the whole worker while the
other two are still inside their transactions ("killed mid-task"). A new worker (its broker's
visibility timeout shortened to test scale, below) then runs what was still queued and, once the
visibility timeout has passed, the four messages the dead worker held. Every case ends with
exactly one placement record and one notification, and the new worker is done within a minute.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import redis as redis_client
from celery import current_app
from django.db import connection

from boardsvc.models import PlacementRecord
from cases.models import Case
from core.models import Notification, TaskReceipt
from tests.factories.boardsvc import make_case
from tests.support.worker import REAL_WORKER, free_port, poll, redis_start, suite_database_url

pytestmark = REAL_WORKER
ROOT = Path(__file__).resolve().parents[2]
TASK = "boardsvc.tasks.agenda_place_case"
VISIBILITY_SECONDS = 15
NEW_WORKER_BUDGET_SECONDS = 60

# The replacement worker runs config.celery with the broker's redelivery shrunk to test scale:
# settings refuse CELERY_VISIBILITY_TIMEOUT below 60 s (420 s deployed), and kombu looks for
# expired messages only on every 10th 10-second tick (~100 s). Here: 15 s, checked every second.
_WORKER_MAIN = """
import json, sys
from config.celery import app
app.conf.broker_transport_options = {**app.conf.broker_transport_options,
                                     **json.loads(sys.argv[1])}
app.worker_main(["worker", *sys.argv[2:]])
"""
_TEST_SCALE = {"visibility_timeout": VISIBILITY_SECONDS, "unacked_restore_interval": 1,
               "unacked_restore_throttle": 1}










def _worker(name: str, broker: str, log: Path, transport: dict[str, int] | None
            ) -> subprocess.Popen[bytes]:
    """A prefork worker with four pool processes, in a session of its own (so one killpg takes
    the pool down with it, as ``docker kill`` does to a worker container)."""
    env = {**os.environ, "CELERY_BROKER_URL": broker, "DATABASE_URL": suite_database_url(),
           "BOARDSVC_TEST_CELERY_EAGER": "false", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    options = ["--concurrency=4", "-Q", "celery", "--loglevel=INFO", "-n", f"{name}@%h",
               "--without-mingle", "--without-gossip"]
    if transport is None:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", *options]
    else:
        command = [sys.executable, "-c", _WORKER_MAIN, json.dumps(transport), *options]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    assert poll(lambda: "ready." in log.read_text(errors="replace"), timeout=60), (
        log.read_text(errors="replace")[-1500:])
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Teardown: the worker and its pool, at once."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _lock(case_ids: list[int]) -> psycopg.Connection[tuple[object, ...]]:
    """A connection of the test's own holding the rows of ``case_ids`` (a placement locks its
    case row first, so the worker's task waits inside its transaction)."""
    held = psycopg.connect(suite_database_url())
    held.execute(f"SELECT id FROM {Case._meta.db_table} WHERE id = ANY(%s) FOR UPDATE",
                 [case_ids])
    return held


def _waiting_on(holders: list[psycopg.Connection[tuple[object, ...]]]) -> int:
    """How many database sessions wait on a lock one of ``holders`` holds."""
    pids = [holder.info.backend_pid for holder in holders]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity "
                       "WHERE pg_blocking_pids(pid) && %s::int[]", [pids])
        return int(cursor.fetchone()[0])


def _held_task_ids(broker: redis_client.Redis) -> set[str]:
    """Task ids of the messages handed to a consumer and not acknowledged (kombu's Redis
    transport keeps them in the ``unacked`` hash until ack or redelivery)."""
    held = set()
    for raw in broker.hvals("unacked"):
        message, _exchange, _routing_key = json.loads(raw)
        held.add(message["headers"]["id"])
    return held


def _placed(cases: list[Case]) -> int:
    """How many of ``cases`` have a placement record."""
    return PlacementRecord.objects.filter(case__in=cases).values("case").distinct().count()


def test_a_killed_worker_s_tasks_run_again_within_a_minute_and_only_once(tmp_path, coordinator):
    port = free_port()
    broker_url = f"redis://127.0.0.1:{port}/0"
    redis = redis_start(port, tmp_path)
    broker = redis_client.Redis(port=port, socket_timeout=5)
    cases = [make_case(requested_board="no-such-board") for _ in range(16)]  # no board takes them
    task_id = {case.pk: str(uuid.uuid4()) for case in cases}
    # In queue order: 8 run before the kill, 2 finish without an ack, 2 are killed mid-task
    # (the worker's four pool processes hold exactly these four), 4 wait in the queue.
    done, finished, interrupted = cases[:8], cases[8:10], cases[10:12]
    held_ids = {task_id[c.pk] for c in (*finished, *interrupted)}
    finished_lock = _lock([c.pk for c in finished])
    interrupted_lock = _lock([c.pk for c in interrupted])
    first = _worker(f"sigkill-first-{port}", broker_url, tmp_path / "first.log", None)
    second = None
    try:
        with current_app.connection_for_write(broker_url) as conn:
            for case in cases:
                current_app.send_task(TASK, kwargs={"case_id": case.pk},
                                      task_id=task_id[case.pk], connection=conn)
        assert poll(lambda: _placed(done) == len(done)
                    and _waiting_on([finished_lock, interrupted_lock]) == 4, timeout=60), (
            (tmp_path / "first.log").read_text(errors="replace")[-2000:])

        os.kill(first.pid, signal.SIGSTOP)  # the main process can no longer acknowledge
        finished_lock.rollback()
        assert poll(lambda: _placed(finished) == len(finished), timeout=30), (
            "the released tasks did not finish in the pool processes")
        assert _held_task_ids(broker) == held_ids
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        interrupted_lock.rollback()  # the killed tasks' transactions now end (rolled back)
        assert _placed(interrupted) == 0

        started = time.monotonic()
        second = _worker(f"sigkill-second-{port}", broker_url, tmp_path / "second.log",
                         _TEST_SCALE)
        assert poll(lambda: _placed(cases) == len(cases)
                    and not broker.hlen("unacked") and not broker.llen("celery"),
                    timeout=NEW_WORKER_BUDGET_SECONDS), (
            (tmp_path / "second.log").read_text(errors="replace")[-2000:])
        elapsed = time.monotonic() - started
        assert elapsed < NEW_WORKER_BUDGET_SECONDS

        log = (tmp_path / "second.log").read_text(errors="replace")
        for held_id in held_ids:
            assert f"[{held_id}] received" in log, f"{held_id} was never delivered again"
        placements = Counter(PlacementRecord.objects.filter(case__in=cases)
                             .values_list("case", flat=True))
        assert placements == Counter({case.pk: 1 for case in cases})
        notified = Counter(Notification.objects.filter(
            recipient=coordinator, kind=Notification.Kind.PLACEMENT_BLOCKED)
            .values_list("link", flat=True))
        assert notified == Counter({f"/cases/{case.public_id}/": 1 for case in cases})
        assert TaskReceipt.objects.filter(task_id__in=task_id.values()).count() == len(cases)
    finally:
        finished_lock.close()
        interrupted_lock.close()
        _stop(first)
        if second is not None:
            _stop(second)
        redis.send_signal(signal.SIGTERM)
        redis.wait(timeout=20)
