"""Load benchmark of the production shape (issue 15, "Load benchmark").

Starts, on loopback, what docker-compose.yml runs in production: gunicorn serving
``config.settings.production`` (plain HTTP: DJANGO_SECURE_SSL_REDIRECT=false), a Celery worker
and Redis (broker and cache), on the PostgreSQL database named by DATABASE_URL, which holds the
data set of ``bench/load_data.py``. Then, for 1, 8 and 32 concurrent clients (one keep-alive
connection each; an asyncio HTTP/1.1 client in this process), runs each endpoint for
``--duration`` seconds and records requests/s, p50/p95/p99 and errors:

- ``ceiling``: ``GET /api/v1/me/``, the cheapest authenticated DRF endpoint; measured before and
  after the other endpoints of each concurrency level, and every figure is also given as a
  ratio to it (their mean), so a noisy, shared host cancels out;
- reads: the agenda of a held meeting, the case list with filters, a case with decision
  support, the free slots of a room for a procedure over a week, the bookings of a room over a
  week (a full week: ``page_size=200``), and the browser pages of the KPI dashboard (90 days) and
  the booking board (week view);
- writes: booking create (a fresh planned procedure per request, at a free time found
  beforehand; a 409 "slot_taken" is a collision, counted apart from errors) and case submission
  (a new referral per request); both with an Idempotency-Key, as system clients must send.

The API is called as the system client ``load-his`` (an OAuth2 bearer token minted here); the
pages as ``load-coordinator`` through a session whose TOTP device counts as verified (production
requires the second factor for people; the session is minted here rather than signed in
through the form). An error is a transport failure, a 5xx, or any status the endpoint does not
expect. The load generator's own cost is reported: its CPU per request, and the requests/s it
reaches against a trivial server (in a child process).

Before the load, with the stack up, counts the SQL queries of one request per endpoint
in-process (Django's test client, CaptureQueriesContext) and, with ``--explain``, adds EXPLAIN
(ANALYZE, BUFFERS) of each endpoint's slowest SELECT to the JSON. ``--queries-only`` does just
that, without starting the stack or measuring load (to compare data set sizes).

Prints a table and writes JSON (``--out``; by default
``artifacts/bench/load_<time>_<cases>cases.json``). Not a test. Usage:

    DATABASE_URL=postgres://... .venv/bin/python bench/load_run.py [--duration 10]
        [--workers 2 --threads 4] [--clients 1,8,32] [--only agenda,case_list] [--explain]

bench/load.sh builds a data set and runs this in one command.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VENV_BIN = Path(sys.executable).parent
ZONE = ZoneInfo("Europe/Rome")
#: 2 workers x 4 threads (gthread) on 2 cores. Three sync workers (the Dockerfile's) serve one
#: request each, so 8 clients queue 2.7 deep, and every request pays a new TCP connection (sync
#: workers do not keep connections alive); with threads a worker overlaps one request's
#: database waits with another's Python, and connections stay open. Measured at 50,000 cases,
#: 8 clients: 2x4 served 1.3-1.9x the reads/s of 3 sync workers and 2.5x the ceiling's.
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
REQUEST_TIMEOUT = 35.0  # gunicorn's --timeout is 30 s: a hung worker is killed before this
TARGETS = {"read": {"ratio": 0.5, "p50_ms": 30.0}, "write": {"ratio": 0.25, "p50_ms": 60.0},
           "p95_vs_ceiling_at_8": 3.0}


# --- the HTTP client ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def encode(self, host: str) -> bytes:
        head = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}",
                f"Content-Length: {len(self.body)}", *(f"{k}: {v}" for k, v in self.headers)]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + self.body


class Connection:
    """One keep-alive HTTP/1.1 connection; reopened when the server closes it (gunicorn's sync
    workers close after every response)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: Request) -> tuple[int, bytes]:
        """Send the request and read its response. A kept-alive connection that the server
        closed while idle is reopened once: nothing came back on it, so the request was never
        handled (writes carry an Idempotency-Key besides)."""
        reused = self.writer is not None
        status_line = await self._exchange(request)
        if not status_line and reused:
            status_line = await self._exchange(request)
        if not status_line:
            raise ConnectionError("connection closed before a response")
        return await self._rest(int(status_line.split()[1]))

    async def _exchange(self, request: Request) -> bytes:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(request.encode(f"{self.host}:{self.port}"))
        status_line = await self.reader.readline()
        if not status_line:
            self.close()
        return status_line

    async def _rest(self, status: int) -> tuple[int, bytes]:
        assert self.reader is not None
        length, chunked, close = None, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            parts = []
            while (size := int((await self.reader.readline()).split(b";")[0], 16)) > 0:
                parts.append(await self.reader.readexactly(size + 2))
            await self.reader.readline()
            body = b"".join(p[:-2] for p in parts)
        elif length is not None:
            body = await self.reader.readexactly(length)
        else:
            body, close = await self.reader.read(), True
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# --- endpoints -------------------------------------------------------------------------------


@dataclass
class Endpoint:
    """A measured endpoint: ``make(n)`` gives the n-th request, None once inputs run out;
    ``judge(status, body)`` says "ok", "collision", "refused" or "error"."""

    name: str
    kind: str  # "ceiling", "read" or "write"
    describe: str
    make: Callable[[int], Request | None]
    judge: Callable[[int, bytes], str]


def _judge_ok(*codes: int) -> Callable[[int, bytes], str]:
    return lambda status, _body: "ok" if status in codes else "error"


def _judge_booking(status: int, body: bytes) -> str:
    """201 booked; 409 slot_taken is a collision with a concurrent request; another 409 is a
    refusal by a rule (hard timing rule, staff), reported apart."""
    if status == 201:
        return "ok"
    if status == 409:
        try:
            rules = {e.get("rule") for e in json.loads(body).get("errors", [])}
        except ValueError:
            return "error"
        return "collision" if "slot_taken" in rules else "refused"
    return "error"


@dataclass
class Cell:
    endpoint: str
    kind: str
    clients: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    exhausted: bool = False
    generator_cpu_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        done = len(lat)
        return {
            "endpoint": self.endpoint, "kind": self.kind, "clients": self.clients,
            "seconds": round(self.seconds, 2), "requests": done,
            "rps": round(done / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": _pct(lat, 50), "p95_ms": _pct(lat, 95), "p99_ms": _pct(lat, 99),
            "errors": self.outcomes.get("error", 0),
            "collisions_409": self.outcomes.get("collision", 0),
            "refused_409": self.outcomes.get("refused", 0),
            "statuses": self.statuses, "inputs_ran_out": self.exhausted,
            "generator_cpu_ms_per_request": round(1000 * self.generator_cpu_s / done, 3)
            if done else None,
            "generator_core_share": round(self.generator_cpu_s / self.seconds, 3)
            if self.seconds else None,
        }


def _pct(ordered: list[float], p: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))], 1)


async def _run_cell(endpoint: Endpoint, clients: int, duration: float, port: int,
                    counter: Iterator[int]) -> Cell:
    """``clients`` connections send the endpoint's requests back to back for ``duration``
    seconds; requests that finish after the deadline are not counted."""
    cell = Cell(endpoint.name, endpoint.kind, clients, duration)
    cpu0 = time.process_time()
    started = time.perf_counter()
    deadline = started + duration

    async def client() -> None:
        conn = Connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                request = endpoint.make(next(counter))
                if request is None:
                    cell.exhausted = True
                    return
                t0 = time.perf_counter()
                try:
                    status, body = await asyncio.wait_for(conn.send(request), REQUEST_TIMEOUT)
                    outcome = endpoint.judge(status, body)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                    conn.close()
                    status, outcome = 0, "error"
                t1 = time.perf_counter()
                if t1 > deadline:
                    return
                cell.latencies_ms.append((t1 - t0) * 1000)
                cell.outcomes[outcome] = cell.outcomes.get(outcome, 0) + 1
                cell.statuses[str(status)] = cell.statuses.get(str(status), 0) + 1
        finally:
            conn.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    cell.seconds = min(duration, time.perf_counter() - started) if cell.exhausted else duration
    cell.generator_cpu_s = time.process_time() - cpu0
    return cell


# --- the stack -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stack:
    """Redis, a Celery worker and gunicorn on loopback; stopped (by process group) in reverse
    order of starting. Logs go to files in the scratch folder."""

    def __init__(self, *, env: dict[str, str], tmp: Path) -> None:
        self.env, self.tmp = env, tmp
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: list[str]) -> None:
        log = (self.tmp / f"{name}.log").open("wb")
        proc = subprocess.Popen(  # noqa: S603 - our own argv: venv binaries and redis-server
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.procs.append((name, proc))

    def stop(self, name: str | None = None) -> None:
        for label, proc in reversed(list(self.procs)):
            if name is not None and label != name:
                continue
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            self.procs.remove((label, proc))

    def check_alive(self) -> None:
        for label, proc in self.procs:
            if proc.poll() is not None:
                raise SystemExit(f"{label} exited ({proc.returncode}); see {self.tmp}/{label}.log")


def _wait_http(port: int, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                if s.recv(12).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"nothing answered 200 on :{port}{path} within {timeout:.0f} s")


def _production_env(*, database_url: str, tmp: Path, redis_port: int) -> dict[str, str]:
    """Production settings for plain HTTP on loopback (README "Configuration")."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "BOARDSVC_CACHE_URL": f"redis://127.0.0.1:{redis_port}/1",
        "BOARDSVC_VAR_DIR": str(tmp),
        "BOARDSVC_LOG_LEVEL": "WARNING",
    })
    return env


# --- inputs, read from the data set in-process ------------------------------------------------


@dataclass
class Inputs:
    token: str
    session: str
    meetings: list[str]
    boards: list[tuple[str, str]]  # (slug, public id)
    cases: list[str]
    slot_rooms: list[tuple[str, str]]  # (room public id, procedure type)
    week_rooms: list[str]
    past_weeks: list[date]
    next_weeks: list[date]
    board_pages: list[tuple[str, str]]  # (plan public id, procedure public id)
    bookings: list[dict[str, str]]  # booking-create bodies, each at its own free time


def _prepare(now: datetime) -> Inputs:
    """Mint the client's token and the coordinator's verified session; choose what the
    requests read; find a free time for each planned procedure the writes will book."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from oauth2_provider.models import AccessToken, Application

    from bench.load_data import BOARD_PREFIX, CLIENT_NAME, CLIENT_SCOPES, COORDINATOR
    from boardsvc.models import Board, Meeting
    from cases.models import Case
    from scheduling.models import Resource

    app = Application.objects.get(name=CLIENT_NAME)
    token = AccessToken.objects.create(
        application=app, user=None, token=secrets.token_urlsafe(32),
        scope=" ".join(CLIENT_SCOPES), expires=now + timedelta(hours=6))
    user = get_user_model().objects.get(username=COORDINATOR)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session = SessionStore()
    session.update({"_auth_user_id": str(user.pk),
                    "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                    "_auth_user_hash": user.get_session_auth_hash(),
                    "otp_device_id": device.persistent_id})
    session.create()

    meetings = [str(m) for m in Meeting.objects.filter(
        board__slug__startswith=BOARD_PREFIX, status="closed", items__isnull=False
    ).order_by("-starts_at").values_list("public_id", flat=True).distinct()[:60]]
    boards = [(b.slug, str(b.public_id)) for b in Board.objects.filter(
        slug__startswith=BOARD_PREFIX).order_by("slug")]
    cases = [str(c) for c in Case.objects.filter(requested_board__startswith=BOARD_PREFIX)
             .order_by("?").values_list("public_id", flat=True)[:3000]]
    rooms = list(Resource.objects.filter(code__startswith="load-").order_by("code"))
    slot_type = {"ct_room": "follow_up_ct", "mri": "follow_up_mri", "linac": "radiotherapy",
                 "angio_suite": "vertebroplasty", "hybrid_ct_angio": "rfa",
                 "operating_room": "surgery"}
    today = now.astimezone(ZONE).date()
    monday = today - timedelta(days=today.weekday())
    bookings, board_pages = _booking_inputs(monday=monday)
    return Inputs(
        token=token.token, session=session.session_key or "", meetings=meetings, boards=boards,
        cases=cases,
        slot_rooms=[(str(r.public_id), slot_type[r.kind]) for r in rooms if r.kind in slot_type],
        week_rooms=[str(r.public_id) for r in rooms if r.kind in slot_type],
        past_weeks=[monday - timedelta(weeks=w) for w in range(2, 30)],
        next_weeks=[monday + timedelta(weeks=w) for w in range(1, 8)],
        board_pages=board_pages, bookings=bookings)


def _booking_inputs(*, monday: date) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """Booking-create bodies: each unbooked procedure that needs only a room (follow-up CT or
    MRI, whole-spine MRI) of a plan nobody has booked yet, at its own free time from the week
    after next on (catalogue duration, inside opening hours, clear of every booking). A plan's
    second procedure takes a time after all the first ones of its room kind, so one patient's
    bookings seldom meet (a rule refusing one would show as a 409 "rule", apart from errors).
    Also the (plan, procedure) pairs the board page opens on."""
    from django.db.models import Exists, OuterRef

    from cases.models import PlannedProcedure, TreatmentPlan
    from scheduling.models import Booking, ProcedureCatalogueEntry, Resource

    kinds = {"follow_up_ct": "ct_room", "follow_up_mri": "mri", "mri_whole_spine": "mri"}
    unbooked = TreatmentPlan.objects.filter(status="active").exclude(
        Exists(Booking.objects.filter(plan=OuterRef("pk"))))
    procs = list(PlannedProcedure.objects.filter(plan__in=unbooked).order_by("plan_id",
                                                                               "sequence")
                 .values_list("public_id", "plan_id", "plan__public_id", "procedure_type"))
    # The board opens on the first procedure of the newest active plans, booked or not.
    board_pages = [(str(plan), str(proc)) for plan, proc in PlannedProcedure.objects.filter(
        plan__status="active", sequence=1).order_by("-plan__created_at").values_list(
        "plan__public_id", "public_id")[:200]]
    waves: dict[int, list[tuple[str, str]]] = {}
    seen: dict[int, int] = {}
    for public_id, plan_pk, _plan, kind in procs:
        if kind in kinds:
            wave = seen.get(plan_pk, 0)
            seen[plan_pk] = wave + 1
            waves.setdefault(wave, []).append((str(public_id), kind))
    minutes = {e.procedure_type: e.duration_minutes for e in ProcedureCatalogueEntry.objects
               .filter(procedure_type__in=kinds)}
    free: dict[str, Iterator[tuple[str, datetime]]] = {}
    for kind in set(kinds.values()):
        rooms = list(Resource.objects.filter(kind=kind, code__startswith="load-"))
        free[kind] = _free_times(rooms, first=monday + timedelta(weeks=2),
                                 minutes=max(minutes.values()))
    bodies = []
    for wave in sorted(waves):
        for public_id, kind in waves[wave]:
            found = next(free[kinds[kind]], None)
            if found is None:
                break
            room, start = found
            bodies.append({"procedure": public_id, "resource": room, "start": start.isoformat()})
    return bodies, board_pages


def _free_times(rooms: list[Any], *, first: date, minutes: int) -> Iterator[tuple[str, datetime]]:
    """(room public id, start) of free ``minutes``-long times, Monday to Friday 07:00-21:00
    local, day by day across the rooms, over a year from ``first``."""
    from scheduling.models import Booking

    step = timedelta(minutes=minutes)
    last = first + timedelta(days=365)
    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    lo = datetime.combine(first, dtime(0), tzinfo=ZONE)
    for b in Booking.objects.filter(resource__in=rooms, end__gt=lo).exclude(
            status="cancelled").values("resource_id", "start", "end"):
        busy.setdefault(b["resource_id"], []).append((b["start"], b["end"]))
    day = first
    while day < last:
        if day.weekday() < 5:
            for room in rooms:
                at = datetime.combine(day, dtime(7), tzinfo=ZONE)
                closes = datetime.combine(day, dtime(21), tzinfo=ZONE)
                while at + step <= closes:
                    if not any(s < at + step and e > at for s, e in busy.get(room.pk, [])):
                        yield str(room.public_id), at.astimezone(UTC)
                    at += step
        day += timedelta(days=1)


def _endpoints(inputs: Inputs, now: datetime) -> list[Endpoint]:
    """The measured endpoints in order, each cycling through its inputs request by request."""
    from tests.factories.cases import submission_payload

    bearer = (("Authorization", f"Bearer {inputs.token}"),)
    page = (("Cookie", f"sessionid={inputs.session}"),)
    today = now.astimezone(ZONE).date()

    def week(monday: date) -> str:
        lo = datetime.combine(monday, dtime(0), tzinfo=ZONE)
        hi = lo + timedelta(days=7)
        return f"from={quote(lo.isoformat(), safe='')}&to={quote(hi.isoformat(), safe='')}"

    def get(path: str, headers: tuple[tuple[str, str], ...] = bearer) -> Request:
        return Request("GET", path, headers)

    def booking(n: int) -> Request | None:
        if n >= len(inputs.bookings):
            return None
        return Request("POST", "/api/v1/bookings/", (*bearer, *_json_headers()),
                       json.dumps(inputs.bookings[n]).encode())

    def case_submit(n: int) -> Request:
        slug = inputs.boards[n % len(inputs.boards)][0]
        body = submission_payload(source_system="load-run", external_id=f"LR-{uuid.uuid4()}",
                                  requested_board=slug)
        return Request("POST", "/api/v1/cases/", (*bearer, *_json_headers()),
                       json.dumps(body).encode())

    def pick(items: list[Any], n: int) -> Any:
        return items[n % len(items)]

    statuses = "discussed,plan_scheduled,in_treatment"
    since = (today - timedelta(days=180)).isoformat()
    kpi_from = (today - timedelta(days=89)).isoformat()
    board_day = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return [
        Endpoint("ceiling", "ceiling", "GET /api/v1/me/", lambda n: get("/api/v1/me/"),
                 _judge_ok(200)),
        Endpoint("agenda", "read", "GET /api/v1/meetings/{id}/agenda/?page_size=100",
                 lambda n: get(f"/api/v1/meetings/{pick(inputs.meetings, n)}/agenda/"
                               "?page_size=100"), _judge_ok(200)),
        Endpoint("case_list", "read",
                 f"GET /api/v1/cases/?board=&status={statuses}&submitted_from=-180d",
                 lambda n: get(f"/api/v1/cases/?board={pick(inputs.boards, n)[0]}"
                               f"&status={statuses}&submitted_from={since}"), _judge_ok(200)),
        Endpoint("case_detail", "read", "GET /api/v1/cases/{id}/",
                 lambda n: get(f"/api/v1/cases/{pick(inputs.cases, n)}/"), _judge_ok(200)),
        Endpoint("free_slots", "read",
                 "GET /api/v1/resources/{id}/slots/?procedure_type=&from=&to= (a week ahead)",
                 lambda n: get(f"/api/v1/resources/{pick(inputs.slot_rooms, n)[0]}/slots/"
                               f"?procedure_type={pick(inputs.slot_rooms, n)[1]}&"
                               f"{week(pick(inputs.next_weeks, n // len(inputs.slot_rooms)))}"),
                 _judge_ok(200)),
        Endpoint("room_week", "read",
                 "GET /api/v1/bookings/?resource=&from=&to=&page_size=200 (a past week)",
                 lambda n: get(f"/api/v1/bookings/?resource={pick(inputs.week_rooms, n)}&"
                               f"{week(pick(inputs.past_weeks, n // len(inputs.week_rooms)))}"
                               "&page_size=200"), _judge_ok(200)),
        Endpoint("kpi_page", "read", "GET /kpi/?board=&from=&to= (90 days, session + TOTP)",
                 lambda n: get(f"/kpi/?board={pick(inputs.boards, n)[1]}&from={kpi_from}"
                               f"&to={today.isoformat()}", page), _judge_ok(200)),
        Endpoint("board_page", "read",
                 "GET /plans/{id}/board/?procedure=&view=week&day= (session + TOTP)",
                 lambda n: get(f"/plans/{pick(inputs.board_pages, n)[0]}/board/?procedure="
                               f"{pick(inputs.board_pages, n)[1]}&view=week"
                               f"&day={board_day.isoformat()}", page), _judge_ok(200)),
        Endpoint("booking_create", "write", "POST /api/v1/bookings/ (fresh procedure, free time)",
                 booking, _judge_booking),
        Endpoint("case_submit", "write", "POST /api/v1/cases/ (new referral, 2 lesions)",
                 case_submit, _judge_ok(201)),
    ]


def _json_headers() -> tuple[tuple[str, str], ...]:
    return (("Content-Type", "application/json"), ("Idempotency-Key", str(uuid.uuid4())))


# --- query counts ------------------------------------------------------------------------------


def _query_counts(endpoints: list[Endpoint], *, explain: bool) -> dict[str, Any]:
    """One request per endpoint in-process: its status, SQL query count and slowest query (with
    EXPLAIN ANALYZE of the slowest SELECT when asked)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    out: dict[str, Any] = {}
    for endpoint in endpoints:
        request = endpoint.make(0)
        if request is None:
            out[endpoint.name] = {"status": None, "queries": None}
            continue
        with CaptureQueriesContext(connection) as ctx:
            response = _client_call(client, request)
        slowest = sorted(ctx.captured_queries, key=lambda q: float(q["time"]), reverse=True)
        row: dict[str, Any] = {"status": response.status_code, "queries": len(ctx),
                               "sql_ms": round(sum(float(q["time"]) for q in ctx.captured_queries)
                                               * 1000, 1),
                               "slowest_ms": round(float(slowest[0]["time"]) * 1000, 1)
                               if slowest else None,
                               "slowest_sql": [{"ms": round(float(q["time"]) * 1000, 1),
                                                "sql": q["sql"][:600]} for q in slowest[:3]]}
        if explain:
            select = next((q["sql"] for q in slowest if q["sql"].lstrip().upper()
                           .startswith(("SELECT", "WITH"))), None)
            if select:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + select)
                    row["explain"] = [r[0] for r in cursor.fetchall()]
        out[endpoint.name] = row
        print(f"  {endpoint.name:<16} status={response.status_code} queries={len(ctx):3d}  "
              f"sql={row['sql_ms']:7.1f} ms  slowest={row['slowest_ms']} ms", flush=True)
    return out


def _client_call(client: Any, request: Request) -> Any:
    """One request through Django's test client, with the request's headers and cookie."""
    headers = {k.lower(): v for k, v in request.headers}
    extra: dict[str, Any] = {}
    if "authorization" in headers:
        extra["HTTP_AUTHORIZATION"] = headers["authorization"]
    if "idempotency-key" in headers:
        extra["HTTP_IDEMPOTENCY_KEY"] = headers["idempotency-key"]
    client.cookies.clear()
    if "cookie" in headers:
        client.cookies["sessionid"] = headers["cookie"].split("=", 1)[1]
    if request.method == "GET":
        return client.get(request.path, **extra)
    return client.post(request.path, request.body, content_type="application/json", **extra)


def _profile(endpoints: list[Endpoint], count: int) -> dict[str, Any]:
    """Time ``count`` requests per endpoint in-process (after one warm-up) and print the
    functions that took most of their time (cumulative, cProfile): where a request's time goes
    without the network, gunicorn or other clients."""
    import cProfile
    import io
    import pstats

    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    out: dict[str, Any] = {}
    for endpoint in endpoints:
        first = endpoint.make(0)
        if first is None:
            continue
        _client_call(client, first)
        times: list[float] = []
        profiler = cProfile.Profile()
        for n in range(1, count + 1):
            request = endpoint.make(n)
            if request is None:
                break
            started = time.perf_counter()
            profiler.enable()
            _client_call(client, request)
            profiler.disable()
            times.append((time.perf_counter() - started) * 1000)
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        out[endpoint.name] = {"mean_ms": round(statistics.mean(times), 2),
                              "median_ms": round(statistics.median(times), 2)}
        print(f"== {endpoint.name}: mean {statistics.mean(times):.1f} ms, median "
              f"{statistics.median(times):.1f} ms over {len(times)}", flush=True)
        print("\n".join(line for line in text.getvalue().splitlines()[6:] if line.strip()),
              flush=True)
    return out


# --- the run -----------------------------------------------------------------------------------


def _null_server_rps(clients: int, seconds: float) -> float:
    """Requests/s this client reaches against a trivial HTTP/1.1 server in a child process:
    the ceiling of the load generator itself."""
    port = _free_port()
    code = (
        "import asyncio\n"
        "R=b'HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n'\n"
        "R+=b'Content-Type: application/json\\r\\n\\r\\n{}'\n"
        "async def h(r,w):\n"
        "    while True:\n"
        "        while (l:=await r.readline()) not in (b'\\r\\n',b''): pass\n"
        "        if not l: break\n"
        "        w.write(R); await w.drain()\n"
        "async def m():\n"
        f"    s=await asyncio.start_server(h,'127.0.0.1',{port})\n"
        "    await s.serve_forever()\n"
        "asyncio.run(m())\n")
    server = subprocess.Popen([sys.executable, "-c", code],  # noqa: S603 - the code above
                              start_new_session=True)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        endpoint = Endpoint("null", "ceiling", "", lambda n: Request("GET", "/"),
                            _judge_ok(200))
        cell = asyncio.run(_run_cell(endpoint, clients, seconds, port, itertools.count()))
        return round(len(cell.latencies_ms) / cell.seconds, 1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


def _measure(endpoints: list[Endpoint], levels: list[int], duration: float,
             port: int, stack: Stack) -> list[dict[str, Any]]:
    counters = {e.name: itertools.count() for e in endpoints}
    ceiling = next(e for e in endpoints if e.kind == "ceiling")
    rows: list[dict[str, Any]] = []
    for clients in levels:
        order = [ceiling, *[e for e in endpoints if e.kind != "ceiling"], ceiling]
        for position, endpoint in enumerate(order):
            stack.check_alive()
            cell = asyncio.run(_run_cell(endpoint, clients, duration, port,
                                         counters[endpoint.name]))
            row = cell.summary()
            row["request"] = endpoint.describe
            row["ceiling_run"] = ("before" if position == 0 else "after"
                                  if endpoint.kind == "ceiling" else None)
            rows.append(row)
            print(_line(row), flush=True)
    return rows


def _line(row: dict[str, Any]) -> str:
    extra = ""
    if row["collisions_409"] or row["refused_409"]:
        extra += f"  409 slot={row['collisions_409']} rule={row['refused_409']}"
    if row["inputs_ran_out"]:
        extra += "  (inputs ran out)"
    return (f"{row['clients']:>3} {row['endpoint']:<15} {row['rps']:8.1f} req/s  "
            f"p50={row['p50_ms']} p95={row['p95_ms']} p99={row['p99_ms']} ms  "
            f"errors={row['errors']}  gen={row['generator_core_share']}{extra}")


def _ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each endpoint's figures against the ceiling's at the same concurrency (the mean of its
    runs before and after), with the targets of issue 15 checked."""
    out = []
    levels = sorted({r["clients"] for r in rows})
    ceil = {c: [r for r in rows if r["clients"] == c and r["kind"] == "ceiling"] for c in levels}
    ceil_rps = {c: statistics.mean(r["rps"] for r in ceil[c]) for c in levels}
    ceil_p95 = {c: statistics.mean(r["p95_ms"] or 0 for r in ceil[c]) for c in levels}
    for name in dict.fromkeys(r["endpoint"] for r in rows if r["kind"] != "ceiling"):
        mine = {r["clients"]: r for r in rows if r["endpoint"] == name}
        kind = next(iter(mine.values()))["kind"]
        target = TARGETS[kind]
        ratio = {c: round(mine[c]["rps"] / ceil_rps[c], 3) if ceil_rps[c] else None
                 for c in mine}
        checks = {
            "throughput": all(v is not None and v >= target["ratio"] for v in ratio.values()),
            "service_time": bool(1 in mine and mine[1]["p50_ms"] is not None
                                 and mine[1]["p50_ms"] < target["p50_ms"]),
            "p95_at_8": bool(8 in mine and mine[8]["p95_ms"] is not None and ceil_p95.get(8)
                             and mine[8]["p95_ms"] <= TARGETS["p95_vs_ceiling_at_8"]
                             * ceil_p95[8]),
            "no_errors": all(r["errors"] == 0 for r in mine.values()),
        }
        out.append({"endpoint": name, "kind": kind, "ratio_to_ceiling": ratio,
                    "p95_at_8_vs_ceiling": round(mine[8]["p95_ms"] / ceil_p95[8], 2)
                    if 8 in mine and mine[8]["p95_ms"] and ceil_p95.get(8) else None,
                    "checks": checks, "meets_targets": all(checks.values())})
    return out


def _data_counts() -> dict[str, int]:
    from boardsvc.models import Meeting
    from cases.models import Case, Lesion
    from scheduling.models import Booking, Resource

    return {"cases": Case.objects.count(), "lesions": Lesion.objects.count(),
            "meetings": Meeting.objects.count(), "bookings": Booking.objects.count(),
            "rooms": Resource.objects.filter(code__startswith="load-").exclude(
                kind__in=["interventional_radiologist", "surgeon", "anaesthetist"]).count()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per cell")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                        help="threads per worker; 1 runs gunicorn's sync workers")
    parser.add_argument("--celery-concurrency", type=int, default=2,
                        help="worker processes (docker-compose.yml runs 2)")
    parser.add_argument("--only", default="", help="comma-separated endpoint names")
    parser.add_argument("--queries-only", action="store_true",
                        help="count queries in-process; start nothing, measure no load")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="in-process only: time N requests per endpoint and print each "
                             "endpoint's costliest functions (cProfile); start nothing")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the load data set's PostgreSQL database")

    tmp = Path(tempfile.mkdtemp(prefix="boardsvc-load-"))
    redis_port, port = _free_port(), _free_port()
    env = _production_env(database_url=database_url, tmp=tmp, redis_port=redis_port)
    if args.queries_only or args.profile:
        env.pop("BOARDSVC_CACHE_URL")  # no Redis started: the local-memory cache
    os.environ.update(env)
    import django

    django.setup()
    # The manifest storage of production needs collected static files (the image has them).
    subprocess.run(  # noqa: S603 - the venv's python and manage.py
        [str(VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True)
    now = datetime.now(UTC)
    started = time.perf_counter()
    inputs = _prepare(now)
    # The query count books a procedure of its own: kept back from the load, which may use all.
    spare, inputs.bookings = inputs.bookings[-1:], inputs.bookings[:-1]
    wanted = {"ceiling", *args.only.split(",")} if args.only else None
    endpoints = [e for e in _endpoints(inputs, now) if wanted is None or e.name in wanted]
    data = _data_counts()
    print(f"Load benchmark: {data}; {len(inputs.bookings)} booking inputs; prepared in "
          f"{time.perf_counter() - started:.1f} s; python {platform.python_version()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()}", flush=True)

    result: dict[str, Any] = {"when": now.isoformat(), "cores": os.cpu_count(), "data": data,
                              "database": database_url.rsplit("/", 1)[-1],
                              "load_average_before": os.getloadavg()}
    counted = [e for e in _endpoints(replace(inputs, bookings=spare), now)
               if wanted is None or e.name in wanted]

    def count_queries() -> None:
        print("-- SQL queries per request (in-process, one request each)", flush=True)
        result["queries"] = _query_counts(counted, explain=args.explain)

    if args.profile:
        result["profile"] = _profile(endpoints, args.profile)
    elif args.queries_only:
        count_queries()
    else:
        result.update(_load(args, env=env, tmp=tmp, redis_port=redis_port, port=port,
                            endpoints=endpoints, before=count_queries))
    out = Path(args.out or ROOT / "artifacts" / "bench" /
               f"load_{now:%Y%m%dT%H%M%S}_{data['cases']}cases.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"written {out}")


def _load(args: argparse.Namespace, *, env: dict[str, str], tmp: Path, redis_port: int,
          port: int, endpoints: list[Endpoint], before: Callable[[], None]) -> dict[str, Any]:
    """Start the stack, warm it, call ``before`` (with the stack up), measure, stop."""
    levels = [int(c) for c in args.clients.split(",")]
    generator = {"null_server_rps_at_8": _null_server_rps(8, 3.0)}
    print(f"load generator alone (trivial server, 8 clients): {generator['null_server_rps_at_8']}"
          " req/s", flush=True)
    stack = Stack(env=env, tmp=tmp)
    gunicorn = [str(VENV_BIN / "gunicorn"), "config.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--timeout", "30",
                "--no-control-socket"]  # its default path is shared by every gunicorn on the host
    if args.threads > 1:
        gunicorn += ["--worker-class", "gthread", "--threads", str(args.threads)]
    try:
        stack.start("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                              "--appendonly", "yes", "--dir", str(tmp), "--save", ""])
        stack.start("celery", [str(VENV_BIN / "celery"), "-A", "config", "worker",
                               "-n", f"load-{port}@%h", "-Q", "celery,solver", "--loglevel=WARNING",
                               f"--concurrency={args.celery_concurrency}"])
        stack.start("gunicorn", gunicorn)
        _wait_http(port, "/healthz")
        stack.check_alive()
        for endpoint in endpoints:  # warm every worker's connections and caches
            if endpoint.kind != "write":
                asyncio.run(_run_cell(endpoint, 4, 1.0, port, itertools.count()))
        before()
        rows = _measure(endpoints, levels, args.duration, port, stack)
    finally:
        stack.stop()
    ratios = _ratios(rows)
    print("-- ratios to the ceiling (same concurrency, same run) and the targets")
    for r in ratios:
        print(f"  {r['endpoint']:<15} {r['kind']:<5} ratio={r['ratio_to_ceiling']}  "
              f"p95@8/ceiling={r['p95_at_8_vs_ceiling']}  "
              + " ".join(f"{k}={'ok' if v else 'MISS'}" for k, v in r["checks"].items()))
    return {"stack": {"gunicorn_workers": args.workers, "threads": args.threads,
                      "worker_class": "gthread" if args.threads > 1 else "sync",
                      "celery_concurrency": args.celery_concurrency,
                      "duration_per_cell_s": args.duration, "clients": levels},
            "generator": generator, "cells": rows, "ratios": ratios,
            "load_average_after": os.getloadavg()}


if __name__ == "__main__":
    main()
