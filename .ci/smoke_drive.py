"""Drive one case from submission to booking over HTTP, against the production-shape stack
that .ci/smoke_production.sh started from docker-compose.yml (issue 15).

Every step of the case goes through gunicorn as a caller would, through the TLS proxy the
README puts in front of it: each request carries the public ``Host`` and
``X-Forwarded-Proto: https`` (DJANGO_BEHIND_PROXY), so production settings see HTTPS, secure
cookies and the CSRF referer check stay on. What an operator does with ``manage.py`` (create the
board, a board chair with a confirmed TOTP device, rooms, the hospital systems' OAuth2 clients;
move one meeting) runs as a one-off command of the web service, ``docker compose run web ...``
style, through .ci/compose_commands.py: the runtime role, production settings.

1. The hospital system (client credentials) submits a synthetic case and marks it ready.
2. The Celery worker (real, over Redis) places it on the board's next meeting: polled.
3. The chair signs in through the login form and the TOTP step (django_otp's algorithm on the
   device key), starts the meeting and records the decision (API, session + CSRF).
4. The hospital system books the decided procedure (REST) and reads the booking back.
5. An audit reader (client with audit:read) reads the case's audit trail back; as the runtime
   role, psql cannot TRUNCATE the audit table.

Each step prints its HTTP status; any failure exits 1 with what was expected and what came back.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from django_otp.oath import totp

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = [sys.executable, str(ROOT / ".ci" / "compose_commands.py")]
# The decided procedure, and the room and person the set-up makes for it: a vertebroplasty is
# done in a CT room by an interventional radiologist (scheduling.domain.catalogue).
PROCEDURE = "vertebroplasty"
STARTED = time.monotonic()


class SmokeFailure(Exception):
    """A step did not do what production must do."""


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.1f}s] {message}", flush=True)


# --- the operator's side: manage.py as the runtime role -----------------------------------------

SETUP = r'''
import io, json, secrets
from datetime import time as clock
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice
from boardsvc.models import BoardMember, Specialty
from boardsvc.services import board_create, board_member_add, meeting_horizon_upkeep
from scheduling.models import OpeningHours, Resource

run = __RUN__
board = board_create(slug=f"smoke-{run}", name=f"Smoke test MDT {run}",
                     focus="Production-shape smoke test (synthetic)")
meeting_horizon_upkeep(weeks=2)
password = secrets.token_urlsafe(18)
chair = get_user_model().objects.create_user(
    username=f"smoke.chair.{run}", password=password, email=f"chair.{run}@smoke.invalid")
board_member_add(board=board, user=chair, specialty=Specialty.SPINE_SURGEON,
                 role=BoardMember.Role.CHAIR)
device = TOTPDevice.objects.create(user=chair, name="default", confirmed=True)
rooms = {}
for kind in ("ct_room", "interventional_radiologist"):
    resource = Resource.objects.create(code=f"smoke-{kind}-{run}".replace("_", "-"),
                                       name=f"Smoke {kind} {run}", kind=kind)
    OpeningHours.objects.bulk_create(
        OpeningHours(resource=resource, weekday=day, opens=clock(7), closes=clock(20))
        for day in range(7))
    rooms[kind] = str(resource.public_id)

def client(name, scopes, boards=None):
    out = io.StringIO()
    args = ["system_client", "create", "--name", name, "--scopes", scopes]
    call_command(*args, *(["--boards", boards] if boards else []), stdout=out)
    fields = dict(line.split(": ", 1) for line in out.getvalue().splitlines() if ": " in line)
    return {"id": fields["client_id"], "secret": fields["client_secret"]}

print("SETUP " + json.dumps({
    "board": board.slug,
    "chair": {"username": chair.username, "password": password, "totp_key": device.key},
    "his": client(f"Smoke HIS {run}",
                  "cases:read cases:write agenda:read bookings:read bookings:write", board.slug),
    "auditor": client(f"Smoke audit reader {run}", "audit:read"),
    "rooms": rooms,
}))
'''

# The weekly meeting the case lands on is more than a day away: the board's cut-off is at least
# 24 h before a meeting (R13) and a meeting starts at most 24 h early (start margin), so no
# meeting is both open to a new case and startable. The coordinator moves that one meeting to
# start in 30 minutes (boardsvc.services.meeting_move, a one-off move), as a board meeting early.
MOVE_MEETING = r'''
from datetime import timedelta
from django.utils import timezone
from boardsvc.models import Meeting
from boardsvc.services import meeting_move

meeting = Meeting.objects.get(public_id=__MEETING__)
moved = meeting_move(meeting=meeting, starts_at=timezone.now().replace(microsecond=0)
                     + timedelta(minutes=30), reason="Smoke test: the board meets early.",
                     principal=None)
print("MOVED " + moved.starts_at.isoformat())
'''


def manage_shell(script: str, marker: str, **values: str) -> str:
    """Run ``script`` in ``manage.py shell`` as a one-off command of the web service (its
    environment: production settings, the runtime role) and return the line after ``marker``.
    Each ``__NAME__`` in it becomes ``values[NAME]`` as a Python string literal."""
    for name, value in values.items():
        script = script.replace(f"__{name}__", json.dumps(value))
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - our own helper and script
        [*COMPOSE, "run", "web", "python", "manage.py", "shell", "-v0", "-c", script],
        capture_output=True, text=True, timeout=120, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith(marker + " ")]
    if result.returncode or not lines:
        raise SmokeFailure(f"manage.py shell failed (exit {result.returncode}):\n"
                           f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    say(f"operator  manage.py shell ({marker.lower()}) as the runtime role: ok "
        f"({time.monotonic() - started:.1f}s)")
    return lines[-1].removeprefix(marker + " ")


# --- the callers' side: HTTP through the proxy ----------------------------------------------------

class Caller:
    """One caller of the service (a hospital system or a person's browser) behind the TLS proxy.

    Cookies are kept by hand: they are ``Secure``, and the caller is on HTTPS as far as it and
    the service know, while the last hop to gunicorn is plain HTTP on loopback."""

    def __init__(self, name: str, *, base_url: str, host: str) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.host = host
        self.cookies: dict[str, str] = {}
        self.token = ""

    def call(self, method: str, path: str, *, expect: Collection[int],
             json_body: Any = None, form: Mapping[str, str] | None = None,
             basic: tuple[str, str] | None = None, idempotent: bool = False,
             quiet: bool = False) -> requests.Response:
        headers = {"Host": self.host, "X-Forwarded-Proto": "https", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if method != "GET" and "csrftoken" in self.cookies:
                # What the page's script sends (DRF's session CSRF check) and the browser's
                # Referer (Django's HTTPS referer check).
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
                headers["Referer"] = f"https://{self.host}{path}"
        if idempotent:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        response = requests.request(method, self.base_url + path, headers=headers,
                                    json=json_body, data=form, auth=basic, timeout=30,
                                    allow_redirects=False)
        for raw in response.raw.headers.getlist("Set-Cookie"):
            for morsel in SimpleCookie(raw).values():
                self.cookies[morsel.key] = morsel.value
        if not quiet or response.status_code not in expect:
            say(f"{self.name:<9} {method} {path} -> {response.status_code}")
        if response.status_code not in expect:
            raise SmokeFailure(f"{self.name}: {method} {path} answered {response.status_code}, "
                               f"expected {sorted(expect)}:\n{response.text[:3000]}")
        return response

    def get_token(self, client: Mapping[str, str], scope: str) -> None:
        body = self.call("POST", "/o/token/", expect={200}, basic=(client["id"], client["secret"]),
                         form={"grant_type": "client_credentials", "scope": scope}).json()
        granted = set(body.get("scope", "").split())
        if granted != set(scope.split()):
            raise SmokeFailure(f"{self.name}: token scopes {sorted(granted)}, asked {scope!r}")
        self.token = body["access_token"]


def poll(what: str, check: Callable[[], Any], *, timeout: float, every: float = 0.5) -> Any:
    """``check()``'s first truthy value, asked every ``every`` seconds for ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SmokeFailure(f"{what}: not within {timeout:.0f}s")
        time.sleep(every)


# --- the journey --------------------------------------------------------------------------------

def synthetic_case(board: str, run: str) -> dict[str, Any]:
    """A complete routine referral (synthetic: no real identifiers), shaped like
    tests/factories/cases.submission_payload's spine lesion, for one board."""
    return {
        "source_system": "smoke-his",
        "external_id": f"SMOKE-{run}",
        "patient": {"identifiers": [{"system": "urn:smoke:mrn", "value": f"SMOKE-{run}"}],
                    "birth_year": 1958, "sex": "female"},
        "requested_board": board,
        "referring_clinician": "Dr Smoke Referrer",
        "clinical_question": "Painful L2 lesion: cementoplasty?",
        "urgency": "routine",
        "primary_histology": "breast",
        "metastases_count": 3,
        "ecog": 1,
        "pain_vas": 7,
        "imaging_available": True,
        "lesions": [{
            "site": "vertebra", "vertebral_level": "L2", "max_diameter_mm": 30,
            "pattern": "lytic", "distance_neural_mm": 6, "distance_vascular_mm": 12,
            "sins_location": "mobile", "sins_pain": "mechanical", "sins_alignment": "normal",
            "sins_collapse": "under_50", "sins_posterolateral": "none",
        }],
    }


def sign_in_with_totp(chair: Caller, person: Mapping[str, str]) -> None:
    """The login form, then the TOTP step, as a browser posts them (CSRF token from the form)."""
    form_token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    page = chair.call("GET", "/accounts/login/", expect={200})
    found = form_token.search(page.text)
    if not found:
        raise SmokeFailure("the login page has no CSRF token field")
    chair.call("POST", "/accounts/login/", expect={302}, form={
        "username": person["username"], "password": person["password"],
        "csrfmiddlewaretoken": found[1]})
    # Password alone is not enough in production: the API refuses the half-signed-in session.
    refused = chair.call("GET", "/api/v1/me/", expect={403})
    if "two-factor" not in refused.text:
        raise SmokeFailure(f"the API refused the password-only session for another reason: "
                           f"{refused.text[:500]}")
    page = chair.call("GET", "/accounts/2fa/", expect={200})
    found = form_token.search(page.text)
    if not found:
        raise SmokeFailure("the two-factor page has no CSRF token field")
    code = f"{totp(bytes.fromhex(person['totp_key'])):06d}"
    chair.call("POST", "/accounts/2fa/", expect={302},
               form={"token": code, "csrfmiddlewaretoken": found[1]})
    me = chair.call("GET", "/api/v1/me/", expect={200}).json()
    if me.get("username") != person["username"]:
        raise SmokeFailure(f"signed in as {me!r}, not {person['username']}")


def decision_body(case: Mapping[str, Any], chair_username: str) -> dict[str, Any]:
    """The MDT's decision: a vertebroplasty of the lesion, with the purpose decision support
    gives it when it suggests one for the lesion (else the board's reason for departing)."""
    lesion = case["lesions"][0]["id"]
    suggested = [s for entry in (case.get("decision_support") or {}).get("lesions", [])
                 if entry["lesion"] == lesion for s in entry["suggestions"]
                 if s["procedure_type"] == PROCEDURE]
    procedure: dict[str, Any] = {"procedure_type": PROCEDURE, "intent": "palliative",
                                 "target_lesion": lesion}
    if suggested and suggested[0].get("purpose"):
        procedure["purpose"] = suggested[0]["purpose"]
    return {
        "outcome_text": "Smoke test decision: cementoplasty of the painful L2 lesion.",
        "outcome_category": "treatment", "intent": "palliative",
        "responsible_clinician": chair_username,
        "procedures": [procedure],
        "override_reason": "" if suggested else "Smoke test: the board chooses cementoplasty.",
    }


def drive(args: argparse.Namespace) -> None:
    run = args.run or uuid.uuid4().hex[:8]
    setup = json.loads(manage_shell(SETUP, "SETUP", RUN=run))
    his = Caller("his", base_url=args.base_url, host=args.host)
    chair = Caller("chair", base_url=args.base_url, host=args.host)
    auditor = Caller("auditor", base_url=args.base_url, host=args.host)

    # 1. The hospital system submits the case and marks it ready for MDT.
    his.get_token(setup["his"], "cases:read cases:write agenda:read bookings:read bookings:write")
    case = his.call("POST", "/api/v1/cases/", expect={201}, idempotent=True,
                    json_body=synthetic_case(setup["board"], run)).json()
    case_path = f"/api/v1/cases/{case['id']}/"
    his.call("POST", case_path + "transition/", expect={200}, idempotent=True,
             json_body={"to": "ready_for_mdt", "reason": "Imaging and scores complete."})

    # 2. The worker places it on the next meeting (Celery over Redis, through the outbox).
    waited = time.monotonic()
    poll("the worker placing the case on an agenda",
         lambda: his.call("GET", case_path, expect={200}, quiet=True).json()["status"] == "listed",
         timeout=args.timeout)
    say(f"worker    placed the case (status listed after {time.monotonic() - waited:.1f}s)")
    placement = his.call("GET", case_path + "placement/", expect={200}).json()["results"][0]
    item, meeting = placement["agenda_item"], placement["meeting"]
    if placement["board"] != setup["board"] or not item:
        raise SmokeFailure(f"the case was not placed on the board's agenda: {placement}")
    manage_shell(MOVE_MEETING, "MOVED", MEETING=meeting)

    # 3. The chair signs in with the second factor, opens the meeting and records the decision.
    sign_in_with_totp(chair, setup["chair"])
    chair.call("POST", f"/api/v1/meetings/{meeting}/start/", expect={200})
    full_case = chair.call("GET", case_path, expect={200}).json()
    decision = chair.call("POST", f"/api/v1/agenda-items/{item}/decision/", expect={201},
                          idempotent=True,
                          json_body=decision_body(full_case, setup["chair"]["username"])).json()
    plan = decision["plan"]
    if not plan:
        raise SmokeFailure(f"the decision made no treatment plan: {decision}")
    say(f"decided   {PROCEDURE} (followed decision support: {decision['followed_suggestions']}, "
        f"quorum met: {decision['quorum_met']})")

    # 4. The hospital system books the decided procedure on a free slot of the plan's board.
    board = his.call("GET", f"/api/v1/plans/{plan}/board/?view=week", expect={200}).json()
    if board["procedure_type"] != PROCEDURE:
        raise SmokeFailure(f"the plan's board is for {board['procedure_type']}, not {PROCEDURE}")
    free = [s for s in board["slots"] if s["verdict"] in ("preferred", "allowed")
            and s["resource"] == setup["rooms"]["ct_room"]]
    if not free:
        raise SmokeFailure(f"no free slot on the plan's board: {json.dumps(board)[:2000]}")
    booking = his.call("POST", "/api/v1/bookings/", expect={201}, idempotent=True, json_body={
        "procedure": board["procedure"], "resource": free[0]["resource"],
        "start": free[0]["start"]}).json()
    read = his.call("GET", f"/api/v1/bookings/{booking['id']}/", expect={200}).json()
    listed = his.call("GET", f"/api/v1/bookings/?plan={plan}", expect={200}).json()
    if (read["status"] != "booked" or read["procedure"] != board["procedure"]
            or read["resource"] != setup["rooms"]["ct_room"]
            or [p["id"] for p in read["staff"]] != [setup["rooms"]["interventional_radiologist"]]
            or booking["id"] not in {b["id"] for b in listed["results"]}):
        raise SmokeFailure(f"the booking does not read back as made: {read}, {listed}")
    say(f"booked    {PROCEDURE} at {read['start']} in {read['resource_name']} with "
        f"{read['staff'][0]['name']} ({read['status']})")

    # 4b. A repair run re-plans the booking on the solver service (its own worker, queue
    # "solver"): the request only queues it; the run finishes with a verdict and, when it found
    # a slot, its result names the booking it replaces. Nothing is applied.
    queued = his.call("POST", f"/api/v1/plans/{plan}/solver-runs/", expect={202},
                      idempotent=True, json_body={"horizon_days": 14, "time_limit_s": 5,
                                                  "replan": [booking["id"]]}).json()
    waited = time.monotonic()
    finished = poll(
        "the solver service finishing the repair run",
        lambda: (body := his.call("GET", f"/api/v1/solver-runs/{queued['id']}/", expect={200},
                                  quiet=True).json())["status"] not in ("queued", "running")
        and body, timeout=args.timeout)
    if finished["status"] != "finished" or finished["outcome"] not in (
            "optimal", "feasible", "infeasible"):
        raise SmokeFailure(f"the repair run did not finish with a verdict: {finished}")
    replaced = {b.get("replaces", {}).get("booking") for b in finished["result"]["bookings"]}
    if finished["result"]["bookings"] and replaced != {booking["id"]}:
        raise SmokeFailure(f"the repair does not replace the booking it was asked for: {finished}")
    say(f"solver    repair run {finished['outcome']} after {time.monotonic() - waited:.1f}s "
        f"(kind {finished['kind']}, {finished['progress'].get('solutions', 0)} schedules)")

    # 5. The audit trail has the journey's rows, and the runtime role cannot wipe them.
    auditor.get_token(setup["auditor"], "audit:read")
    events = auditor.call("GET", f"/api/v1/audit-events/?patient={case['patient']['id']}"
                          "&page_size=200", expect={200}).json()
    kinds = {(e["object_type"], e["action"]) for e in events["results"]}
    for needed in (("case", "create"), ("decision", "create"), ("booking", "create")):
        if needed not in kinds:
            raise SmokeFailure(f"no audit row for {needed} of the case; rows: {sorted(kinds)}")
    say(f"audit     {events['count']} rows for the case's patient, {len(kinds)} kinds")
    runtime_role_cannot_truncate(args)


def runtime_role_cannot_truncate(args: argparse.Namespace) -> None:
    """psql with the web service's DATABASE_URL: the role the service runs as is neither a
    superuser nor the audit table's owner, and TRUNCATE of the audit table is refused."""
    shown = subprocess.run([*COMPOSE, "show", "web"], capture_output=True, text=True,  # noqa: S603
                           check=True)
    url = urlsplit(json.loads(shown.stdout)["environment"]["DATABASE_URL"])
    # The password goes in the environment, not on a command line others can list.
    env = {**os.environ, "PGPASSWORD": unquote(url.password or "")}
    without_password = urlunsplit(url._replace(netloc=f"{url.username}@{url.hostname}:{url.port}"))
    psql = [str(Path(args.pgbin) / "psql"), without_password, "-X", "-v", "ON_ERROR_STOP=1",
            "-tA", "-c"]
    who = subprocess.run(  # noqa: S603 - psql from PGBIN with the runtime role's URL
        [*psql, "SELECT current_user, rolsuper, (SELECT tableowner FROM pg_tables "
                "WHERE tablename = 'core_auditevent') FROM pg_roles WHERE rolname = current_user"],
        capture_output=True, text=True, timeout=30, check=False, env=env)
    role, superuser, owner = [*who.stdout.strip().split("|"), "", "", ""][:3]
    if who.returncode or superuser != "f" or owner in ("", role):
        raise SmokeFailure(f"the runtime role is not a plain role that owns nothing: "
                           f"{who.stdout.strip()!r} {who.stderr.strip()}")
    result = subprocess.run(  # noqa: S603
        [*psql, "TRUNCATE core_auditevent"], capture_output=True, text=True, timeout=30,
        check=False, env=env)
    if result.returncode == 0:
        raise SmokeFailure(f"the runtime role {role} could TRUNCATE core_auditevent")
    if "permission denied" not in result.stderr and "must be owner" not in result.stderr:
        raise SmokeFailure(f"TRUNCATE failed for another reason than privileges: {result.stderr}")
    say(f"runtime   psql as {role} (not superuser; {owner} owns the table): TRUNCATE "
        f"core_auditevent -> refused ({result.stderr.strip()})")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="gunicorn, e.g. http://127.0.0.1:18000")
    parser.add_argument("--host", required=True, help="the public host name the proxy sends")
    parser.add_argument("--pgbin", required=True, help="PostgreSQL's bin directory (psql)")
    parser.add_argument("--run", default="", help="suffix for this run's names (default: random)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for the worker")
    args = parser.parse_args(argv)
    try:
        drive(args)
    except (SmokeFailure, requests.RequestException, subprocess.SubprocessError) as exc:
        print(f"SMOKE FAILED: {exc}", file=sys.stderr)
        return 1
    except (KeyError, IndexError, ValueError) as exc:  # a body without what the API documents
        print(f"SMOKE FAILED: a response lacked {exc!r}", file=sys.stderr)
        return 1
    say("smoke drive: one case from submission to booking, all steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
