"""PostgreSQL restarted under requests (issue 15, "Fault tests"; reliability bar R1 and O4;
docs/guarantees.md G-AVAIL-1 and G-IDEMPOTENCY-2).

A PostgreSQL cluster of the test's own (a copy of the migrated test database: migrating a new
one takes ~40 s) serves a gunicorn running the production settings. Four hospital-system
clients submit cases (each with an Idempotency-Key, an external id and one to three lesions)
and read them back. The test blocks inserts into the case table until both gunicorn workers
wait inside a submission (its key, patient and identifiers written, the case not yet), then
stops the cluster (``-m fast``: those transactions are cut) and starts it again once every
client has been refused a write and a read. Every answer is a 2xx or a 503 carrying
Retry-After, never a 500 or a dropped connection; the same gunicorn workers answer 2xx again
without a restart; every stored case has exactly the lesions its submission sent, and no
patient is left without its case; and every request answered 503 is retried with its key once
the database is back, creating its case once (no key is left "in progress").
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from django.db import connection

from boardsvc.models import Board
from cases.models import Case, Lesion, Patient, PatientIdentifier
from core.models import IdempotencyRecord
from tests.integration.payloads import case_payload
from tests.support.worker import free_port, poll

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL (.ci/run integration phase)"),
]
ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 4
WEB_WORKERS = 2
SOURCE = "his-pg-restart"
IDENTIFIER_SYSTEM = "urn:oid:2.999.15"
LEVELS = ("T8", "T9", "T10")
SLOWEST_ANSWER_SECONDS = 10.0  # a request never hangs (connect timeout 5 s, gunicorn's 30 s)


@dataclass(frozen=True)
class Answer:
    """One request of a client and what came back (``status`` 0: no HTTP answer at all)."""

    thread: int
    method: str
    key: str
    external_id: str
    lesions: int
    status: int
    retry_after: str | None
    location: str
    error: str
    at: float
    seconds: float




def _pg_bin() -> Path:
    """The newest installed PostgreSQL binaries (as .ci/run picks them)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                   key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if not found:
        pytest.fail("PostgreSQL binaries are not installed under /usr/lib/postgresql")
    return found[-1]


def _as_postgres(command: str) -> None:
    """Run a PostgreSQL server command as the postgres user (initdb refuses root)."""
    argv = (["su", "postgres", "-s", "/bin/bash", "-c", command] if os.geteuid() == 0
            else ["bash", "-c", command])
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60)


class Cluster:
    """A throw-away PostgreSQL cluster on a free port (fsync off: nothing here must survive)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="boardsvc-pg-"))
        self.dir.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.data = self.dir / "data"
        _as_postgres(f"{self.bin}/initdb -D {self.data} -U postgres --auth=trust -E UTF8")

    def start(self) -> None:
        _as_postgres(f"{self.bin}/pg_ctl -D {self.data} -l {self.dir}/pg.log -w start -o "
                     f"'-c listen_addresses=127.0.0.1 -c port={self.port} -c fsync=off "
                     f"-k {self.dir}'")

    def stop(self, mode: str = "fast") -> None:
        _as_postgres(f"{self.bin}/pg_ctl -D {self.data} -m {mode} -w stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def copy_of_test_database(self, name: str) -> None:
        """The pytest test database (migrated, with this test's rows) restored here."""
        s = connection.settings_dict
        source = ["-h", s["HOST"], "-p", str(s["PORT"] or 5432), "-U", s["USER"]]
        dump = self.dir / "test.dump"
        env = {**os.environ, "PGPASSWORD": s["PASSWORD"] or ""}
        subprocess.run([self.bin / "pg_dump", *source, "-Fc", "-f", dump, s["NAME"]],
                       check=True, env=env, timeout=60)
        target = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        subprocess.run([self.bin / "createdb", *target, name], check=True, timeout=60)
        subprocess.run([self.bin / "pg_restore", *target, "--no-owner", "--no-privileges",
                        "--exit-on-error", "-d", name, dump], check=True, timeout=120)

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    own = Cluster(_pg_bin())
    own.start()
    yield own
    own.remove()


def _gunicorn(port: int, database_url: str, log: Path) -> subprocess.Popen[bytes]:
    """The web tier as deployed (config.settings.production, sync workers), on ``port``. The
    broker is in-memory: this test is about the database, and nothing consumes the outbox."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DATABASE_URL": database_url,
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "false",
           "CELERY_BROKER_URL": "memory://", "BOARDSVC_LOG_LEVEL": "WARNING"}
    # (No control socket: gunicorn 27 puts one at ~/.gunicorn/, shared by every instance.)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", str(WEB_WORKERS), "--timeout", "30",
         "--no-control-socket"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    assert poll(lambda: _answers(f"http://127.0.0.1:{port}/readyz") == 200, timeout=60), (
        log.read_text(errors="replace")[-2000:])
    return process


def _answers(url: str) -> int:
    try:
        return requests.get(url, timeout=5).status_code
    except requests.RequestException:
        return 0


def _workers_of(master: subprocess.Popen[bytes]) -> set[int]:
    path = Path(f"/proc/{master.pid}/task/{master.pid}/children")
    return {int(pid) for pid in path.read_text().split()}


def _body(external_id: str, lesions: int) -> dict[str, Any]:
    body = case_payload(external_id=external_id, mrn=f"SYN-PG-{external_id}")
    body["source_system"] = SOURCE
    body["patient"]["identifiers"][0]["system"] = IDENTIFIER_SYSTEM
    body["lesions"] = [{"site": "vertebra", "vertebral_level": level, "max_diameter_mm": 30,
                        "pattern": "lytic"} for level in LEVELS[:lesions]]
    return body


class Clients:
    """``CLIENTS`` threads, each submitting a case and reading it back, until stopped."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.answers: list[Answer] = []
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(CLIENTS)]

    def __enter__(self) -> Clients:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _run(self, thread: int) -> None:
        session = requests.Session()
        serial = 0
        location = "/api/v1/cases/"  # the list, until this client has a case of its own
        while not self.stopped.is_set():
            serial += 1
            answer = self.send(session, thread, "POST", "/api/v1/cases/", key=str(uuid.uuid4()),
                               external_id=f"{thread}-{serial}", lesions=1 + serial % len(LEVELS))
            location = answer.location or location
            self.send(session, thread, "GET", location)
            if answer.status == 503:
                self.stopped.wait(0.2)  # a client backing off, not the test waiting

    def send(self, session: requests.Session, thread: int, method: str, path: str, *,
             key: str = "", external_id: str = "", lesions: int = 0) -> Answer:
        headers = {**self.headers, **({"Idempotency-Key": key} if key else {})}
        body = _body(external_id, lesions) if method == "POST" else None
        started = time.monotonic()
        status, retry_after, location, error = 0, None, "", ""
        try:
            response = session.request(method, self.base + path, json=body, headers=headers,
                                        timeout=SLOWEST_ANSWER_SECONDS * 2)
            status, retry_after = response.status_code, response.headers.get("Retry-After")
            location = response.headers.get("Location", "")
        except requests.RequestException as exc:
            error = type(exc).__name__
        answer = Answer(thread, method, key, external_id, lesions, status, retry_after,
                        location, error, started, time.monotonic() - started)
        self.answers.append(answer)
        return answer

    def since(self, moment: float) -> list[Answer]:
        return [a for a in list(self.answers) if a.at >= moment]


def _hold_case_inserts(database_url: str) -> psycopg.Connection[tuple[Any, ...]]:
    """A session of the test's own that blocks every insert into the case table (reads go on):
    a submission then waits inside its transaction, its key, patient and identifier written."""
    holder = psycopg.connect(database_url)
    holder.execute(f"LOCK TABLE {Case._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    return holder


def _waiting_on(database_url: str, holder: psycopg.Connection[tuple[Any, ...]]) -> int:
    """How many sessions wait on the holder's lock (read outside the holder's transaction,
    whose view of pg_stat_activity is a snapshot taken once)."""
    rows = _rows(database_url, "SELECT count(*) FROM pg_stat_activity "
                 "WHERE %s = ANY(pg_blocking_pids(pid))", [holder.info.backend_pid])
    return int(rows[0][0])


def _rows(database_url: str, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url) as db:
        return db.execute(sql, params).fetchall()


def test_a_postgres_restart_gives_503_then_recovers_with_nothing_half_written_or_stuck(
        tmp_path, cluster, oauth_client_factory):
    Board.objects.create(slug="spine-a", name="Spine board A")
    token = oauth_client_factory("cases:write", "cases:read").access_token.token
    cluster.copy_of_test_database("boardsvc_fault")
    database_url = cluster.url("boardsvc_fault")
    port = free_port()
    web = _gunicorn(port, database_url, tmp_path / "gunicorn.log")
    base = f"http://127.0.0.1:{port}"
    holder = None
    try:
        workers = _workers_of(web)
        with Clients(base, token) as clients:
            assert poll(lambda: sum(a.status == 201 for a in clients.answers) >= 8,
                        timeout=30), clients.answers[-5:]
            holder = _hold_case_inserts(database_url)
            assert poll(lambda: _waiting_on(database_url, holder) >= WEB_WORKERS, timeout=20)
            down_at = time.monotonic()
            cluster.stop("fast")  # the waiting submissions are cut mid-transaction
            holder.close()
            assert poll(lambda: all(
                {a.method for a in clients.since(down_at) if a.thread == n and a.status == 503}
                == {"POST", "GET"} for n in range(CLIENTS)), timeout=20), (
                clients.since(down_at)[-5:])
            assert _answers(f"{base}/readyz") == 503
            up_at = time.monotonic()
            cluster.start()
            assert poll(lambda: all(
                sum(a.status == 201 for a in clients.since(up_at) if a.thread == n) >= 3
                for n in range(CLIENTS)), timeout=30), clients.since(up_at)[-5:]
        answers = list(clients.answers)

        allowed = {"POST": {201, 503}, "GET": {200, 503}}
        wrong = [a for a in answers if a.status not in allowed[a.method]]
        assert not wrong, wrong[:5]
        assert all(a.retry_after for a in answers if a.status == 503)
        assert max(a.seconds for a in answers) < SLOWEST_ANSWER_SECONDS
        assert web.poll() is None
        assert _workers_of(web) == workers, "gunicorn restarted its workers"
        assert _answers(f"{base}/readyz") == 200

        # Each request answered 503, sent again with its key: created now, once.
        refused = [a for a in answers if a.method == "POST" and a.status == 503]
        assert refused
        session = requests.Session()
        for answer in refused:
            again = clients.send(session, answer.thread, "POST", "/api/v1/cases/",
                                 key=answer.key, external_id=answer.external_id,
                                 lesions=answer.lesions)
            assert again.status == 201, again

        submitted = {a.external_id: a.lesions for a in answers if a.method == "POST"}
        stored = _rows(database_url, (
            f"SELECT c.external_id, count(l.id) FROM {Case._meta.db_table} c "
            f"LEFT JOIN {Lesion._meta.db_table} l ON l.case_id = c.id "
            "WHERE c.source_system = %s GROUP BY c.id, c.external_id"), [SOURCE])
        assert sorted(external_id for external_id, _n in stored) == sorted(submitted)
        assert dict(stored) == submitted  # one case each, with exactly the lesions it sent
        patients = _rows(database_url, (
            f"SELECT count(DISTINCT p.id), count(DISTINCT c.id) FROM {Patient._meta.db_table} p "
            f"JOIN {PatientIdentifier._meta.db_table} i ON i.patient_id = p.id "
            f"LEFT JOIN {Case._meta.db_table} c ON c.patient_id = p.id WHERE i.system = %s"),
            [IDENTIFIER_SYSTEM])
        assert patients == [(len(submitted), len(submitted))]  # no patient without its case
        stuck = _rows(database_url, (
            f"SELECT count(*) FROM {IdempotencyRecord._meta.db_table} WHERE state = %s"),
            [IdempotencyRecord.State.IN_PROGRESS])
        assert stuck == [(0,)]
    finally:
        if holder is not None:
            holder.close()
        web.terminate()
        try:
            web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            web.kill()
