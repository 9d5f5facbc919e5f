"""Writes go on while Redis is down, and what they queued runs once when it is back (issue 15,
"Fault tests"; reliability bar Q8; docs/guarantees.md G-QUEUE-2 and G-QUEUE-8).

test_broker_outage.py stops Redis under a worker; this test stops it under the web tier. A
gunicorn running the production settings, a worker and a beat (the outbox relay every second)
share a Redis of their own (AOF on, as deployed). A hospital system submits suspected-MSCC cases
over HTTP: each submission commits an outbox message for the on-call alert. While Redis is
stopped every submission still answers 201 quickly, /readyz answers 200 "degraded" (broker
down, outbox pending) and /healthz stays up, the messages wait in the outbox and the worker and
beat keep running. Once Redis is back the relay publishes every message, the worker alerts the
on-call coordinator once per case, and nothing is left pending.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from boardsvc.models import Board
from cases.models import Case
from core.models import Notification, OutboxMessage, TaskReceipt
from tests.integration.payloads import case_payload
from tests.support.worker import REAL_WORKER, free_port, poll, redis_start, suite_database_url

pytestmark = REAL_WORKER
ROOT = Path(__file__).resolve().parents[2]
TASK = "boardsvc.tasks.emergency_alert"
WRITES_DURING_OUTAGE = 6
SLOWEST_WRITE_SECONDS = 3.0  # the publish is tried once more after 0.2 s, then left to the relay








def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)  # Redis writes its AOF; Celery finishes its tasks
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)




class Stack:
    """gunicorn, a worker and a beat on the test database and one Redis, as deployed
    (config.settings.production), each logging to a file in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.redis_port, self.web_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
                    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                    "DATABASE_URL": suite_database_url(), "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                    "DJANGO_SECURE_SSL_REDIRECT": "false",
                    "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                    "BOARDSVC_OUTBOX_RELAY_SECONDS": "1", "BOARDSVC_LOG_LEVEL": "INFO"}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start_redis(self) -> None:
        self.processes["redis"] = redis_start(self.redis_port, self.folder)

    def stop_redis(self) -> None:
        _stop(self.processes.pop("redis"))

    def start(self) -> None:
        self.start_redis()
        name = f"outage-writes-{self.redis_port}@%h"
        self._spawn("worker", ["-m", "celery", "-A", "config", "worker", "--concurrency=2",
                               "-Q", "celery", "--loglevel=INFO", "-n", name])
        self._spawn("beat", ["-m", "celery", "-A", "config", "beat", "--loglevel=INFO",
                             "--schedule", str(self.folder / "beat-schedule")])
        # One web worker, warmed by the first submission, so the latency measured is the
        # outage's alone (a cold worker imports the task modules on its first publish). No
        # control socket: gunicorn 27 puts one at ~/.gunicorn/, shared by every instance.
        self._spawn("web", ["-m", "gunicorn", "config.wsgi:application", "--bind",
                            f"127.0.0.1:{self.web_port}", "--workers", "1", "--timeout", "30",
                            "--no-control-socket"])
        assert poll(lambda: "ready." in self.log("worker"), timeout=60), self.log("worker")[-1500:]
        assert poll(self.serving, timeout=60), self.log("web")[-1500:]

    def _spawn(self, name: str, argv: list[str]) -> None:
        self.processes[name] = subprocess.Popen(
            [sys.executable, *argv], cwd=ROOT, env=self.env,
            stdout=(self.folder / f"{name}.log").open("wb"), stderr=subprocess.STDOUT)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def exited(self) -> list[str]:
        """The processes of the stack that are no longer running."""
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def readyz(self) -> tuple[int, dict[str, Any]]:
        response = requests.get(f"{self.base}/readyz", timeout=10)
        assert response.headers.get("Content-Type") == "application/json", response.text[:500]
        return response.status_code, response.json()

    def serving(self) -> bool:
        try:
            return self.readyz()[0] == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        for name in ("web", "beat", "worker", "redis"):
            if name in self.processes:
                _stop(self.processes.pop(name))


@pytest.fixture
def stack(tmp_path) -> Iterator[Stack]:
    running = Stack(tmp_path)
    try:
        running.start()
        yield running
    finally:
        running.stop()


def _submit(stack: Stack, token: str, serial: int) -> tuple[requests.Response, float]:
    """A suspected-MSCC referral from the hospital system (an on-call alert follows)."""
    body = case_payload(external_id=f"mscc-{serial}", mrn=f"SYN-MSCC-{serial:04d}")
    body.update(urgency="emergency", urgency_reason="New leg weakness, suspected MSCC")
    started = time.monotonic()
    response = requests.post(f"{stack.base}/api/v1/cases/", json=body, timeout=30, headers={
        "Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
    return response, time.monotonic() - started


def _alerted(cases: list[Case], recipient: object) -> Counter[str]:
    """Per case link, how many on-call alerts ``recipient`` has."""
    return Counter(Notification.objects.filter(
        recipient=recipient, link__in=[f"/cases/{case.public_id}/" for case in cases])
        .values_list("link", flat=True))


def _messages(cases: list[Case]) -> list[OutboxMessage]:
    return [m for m in OutboxMessage.objects.filter(task_name=TASK)
            if m.kwargs.get("case_id") in {case.pk for case in cases}]


def test_writes_commit_while_redis_is_down_and_the_outbox_drains_once(
        stack, coordinator, oauth_client_factory):
    # The board has no coordinator of its own: the site's coordinators are on call.
    Board.objects.create(slug="spine-a", name="Spine board A")
    token = oauth_client_factory("cases:write").access_token.token

    response, _seconds = _submit(stack, token, 0)
    assert response.status_code == 201, response.content
    before = [Case.objects.get(public_id=response.json()["id"])]
    assert poll(lambda: _alerted(before, coordinator), timeout=30), stack.log("worker")[-2000:]

    stack.stop_redis()
    status, ready = stack.readyz()
    assert (status, ready["status"], ready["degraded"]) == (200, "degraded", ["broker"]), ready
    assert requests.get(f"{stack.base}/healthz", timeout=5).status_code == 200
    during = []
    for serial in range(1, WRITES_DURING_OUTAGE + 1):
        response, seconds = _submit(stack, token, serial)
        assert response.status_code == 201, response.content
        assert seconds < SLOWEST_WRITE_SECONDS, f"a write took {seconds:.1f} s without Redis"
        during.append(Case.objects.get(public_id=response.json()["id"]))
    waiting = _messages(during)
    assert len(waiting) == WRITES_DURING_OUTAGE
    assert {m.status for m in waiting} == {OutboxMessage.Status.PENDING}
    assert stack.readyz()[1]["components"]["outbox"]["pending"] >= WRITES_DURING_OUTAGE
    assert not _alerted(during, coordinator)
    assert stack.exited() == []

    stack.start_redis()
    assert poll(lambda: len(_alerted(during, coordinator)) == WRITES_DURING_OUTAGE
                and not OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists(),
                timeout=60), stack.log("worker")[-2000:]
    assert stack.readyz()[1]["status"] == "ok"

    sent = _messages(during)
    assert {m.status for m in sent} == {OutboxMessage.Status.SENT}
    assert TaskReceipt.objects.filter(task_id__in=[str(m.id) for m in sent]).count() == len(sent)
    assert _alerted([*before, *during], coordinator) == Counter(
        {f"/cases/{case.public_id}/": 1 for case in [*before, *during]})
    assert stack.exited() == []
    worker_log = stack.log("worker")
    assert "Connection to broker lost" in worker_log  # it rode the outage out, reconnected
    assert "Unrecoverable error" not in worker_log
