"""No double booking under concurrency: many threads AND separate processes book the same slot
at once.

Exactly one wins; every other attempt gets SlotTaken (409 in the API), never another error; a
SQL self-join over the table finds no overlapping active rows. SQLite runs on a FILE database
(migrated with manage.py migrate) shared by spawned processes; PostgreSQL runs when
DATABASE_URL points to it (threads with transaction=True, and processes).
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from tests.factories.scheduling import at
from tests.scheduling import concurrency_worker as worker
from tests.support.scheduling import OVERLAP_SQL

ROOT = Path(__file__).resolve().parents[3]
PROCESSES = 4
THREADS_PER_PROCESS = 4


def _race(database_url: str, seeded: dict, start_iso: str) -> list[str]:
    procedures = seeded["procedures"]
    chunks = [procedures[i::PROCESSES] for i in range(PROCESSES)]
    go_at = time.time() + 4.0  # after every process has set Django up
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(PROCESSES, mp_context=ctx, initializer=worker.init,
                             initargs=(database_url,)) as pool:
        futures = [pool.submit(worker.contend, chunk, seeded["resource"], start_iso, go_at)
                   for chunk in chunks]
        return [r for f in futures for r in f.result(timeout=120)]


@pytest.fixture
def sqlite_file_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("sched-concurrency") / "race.sqlite3"
    url = f"sqlite:///{path}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env,
                   check=True, timeout=300)
    return path, url


@pytest.mark.engine_free  # its own SQLite file, whatever DATABASE_URL names
def test_sqlite_file_database_one_winner_among_threads_and_processes(sqlite_file_db):
    import sqlite3

    path, url = sqlite_file_db
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=ctx, initializer=worker.init,
                             initargs=(url,)) as pool:
        seeded = pool.submit(worker.seed, PROCESSES * THREADS_PER_PROCESS).result(timeout=120)
    results = _race(url, seeded, at(0, 9).isoformat())
    assert sorted(set(results)) == ["ok", "taken"], results
    assert results.count("ok") == 1
    with sqlite3.connect(path) as db:
        assert db.execute(OVERLAP_SQL).fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM scheduling_booking "
                          "WHERE status <> 'cancelled'").fetchone()[0] == 1


def _postgres_url() -> str:
    settings = connection.settings_dict
    return (f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").split(":")[0] not in
                    {"postgres", "postgresql", "pgsql"},
                    reason="needs PostgreSQL (run by .ci/run)")
def test_postgresql_one_winner_among_threads_and_processes():
    assert connection.vendor == "postgresql"
    seeded = worker.seed(PROCESSES * THREADS_PER_PROCESS + 8)
    procedures = seeded["procedures"]
    # Threads in this process (each its own connection) ...
    go_at = time.time() + 0.5
    start = at(0, 9).isoformat()
    with ThreadPoolExecutor(8) as pool:
        thread_results = list(pool.map(
            lambda pid: worker.book_one(pid, seeded["resource"], start, go_at), procedures[:8]))
    # ... and processes racing for another slot.
    process_results = _race(_postgres_url(), {**seeded, "procedures": procedures[8:]},
                            at(1, 9).isoformat())
    for results in (thread_results, process_results):
        assert sorted(set(results)) == ["ok", "taken"], results
        assert results.count("ok") == 1
    with connection.cursor() as cursor:
        cursor.execute(OVERLAP_SQL)
        assert cursor.fetchone()[0] == 0
