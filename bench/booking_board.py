"""Benchmark: server time and query counts of the booking board (issue 13) on the large data set.

Builds the KPI benchmark's synthetic data set (``bench/kpi_dashboards.build``: 50,000 cases and
200,000 bookings on 40 angio suites at ``--scale 1``), then adds what the board needs:

- six operating theatres (Monday to Friday 07:00-20:00, Rome), where the surgery is booked;
- bookings over the coming two weeks on every room the measured plans can use (the 40 angio
  suites and the six theatres), so that about 70 % of the opening hours are taken, in blocks of
  one to three hours (synthetic procedures added to the data set's plans);
- the people booked with them (issue 13): one interventional radiologist per angio suite, a
  surgeon and an anaesthesia team per theatre (resources with working hours, Monday to Friday
  07:00-20:00), each booked with every block of their room (``--no-people`` leaves them out,
  as the first, "before" run of the benchmark had them);
- two measured plans, each an active plan with a pre-operative embolization that prepares a
  surgery (as tests/web/test_booking_board.py builds them): "nothing booked yet" (the board opens
  on the embolization: 40 angio suites) and "embolization booked, surgery to place" (booked
  through the plan booking page; the board opens on the surgery: six theatres).

Then measures, in process (Django test client logged in as a coordinator, no network), the median
and worst of ``--repeat`` runs with the query count of: the board page (``/plans/<id>/board/``,
day view, and week view: its first and last page of rooms), the board API (``GET /api/v1/plans/<id>/board/``, day and week), the
selector alone (``scheduling.selectors.board.plan_board``), and "Propose a plan"
(``POST /plans/<id>/board/propose/``, whose time includes the CP-SAT solver's), with the
proposal's parts timed apart (``plan_problem_build``, ``propose_plan`` and the solver's own wall
time). Prints a table and writes ``artifacts/bench/booking_board.json``.

Runs on a throw-away SQLite file by default, or on PostgreSQL when DATABASE_URL is set (a new,
empty scratch database: the audit table is append-only). Not a test. Usage:

    .venv/bin/python bench/booking_board.py [--scale 1.0] [--repeat 5] [--no-people]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._django import django_bench_setup  # noqa: E402  (after the path is set)

THEATRES = 6
FILL_DAYS = 14
#: Probability of starting a booking at a free half hour (otherwise a gap of one or two half
#: hours is left): with blocks of 2-6 half hours this takes about 70 % of the opening hours.
START_P = 0.47
BATCH = 5000
ZONE = ZoneInfo("Europe/Rome")


def _add_theatres() -> None:
    from scheduling.models import OpeningHours, Resource

    theatres = Resource.objects.bulk_create([
        Resource(code=f"bench-or-{i}", name=f"Bench theatre {i}", kind="operating_room",
                 timezone="Europe/Rome") for i in range(THEATRES)])
    OpeningHours.objects.bulk_create([
        OpeningHours(resource=r, weekday=d, opens="07:00", closes="20:00")
        for r in theatres for d in range(5)])


def _add_people() -> dict[int, list[Any]]:
    """One interventional radiologist per angio suite, a surgeon and an anaesthesia team per
    theatre, working Monday to Friday 07:00-20:00. Returns {room pk: the room's people}."""
    from scheduling.models import OpeningHours, Resource

    rooms = list(Resource.objects.filter(kind__in=["angio_suite", "operating_room"])
                 .order_by("code"))
    made: list[tuple[Any, Any]] = []
    for k, room in enumerate(rooms):
        kinds = ([("surgeon", "Surgeon"), ("anaesthetist", "Anaesthesia team")]
                 if room.kind == "operating_room" else [("interventional_radiologist", "IR")])
        for kind, label in kinds:
            made.append((room, Resource(code=f"bench-{kind[:5]}-{k}", name=f"{label} {k}",
                                        kind=kind, timezone="Europe/Rome")))
    people = Resource.objects.bulk_create([person for _room, person in made])
    OpeningHours.objects.bulk_create([
        OpeningHours(resource=person, weekday=d, opens="07:00", closes="20:00")
        for person in people for d in range(5)])
    out: dict[int, list[Any]] = {}
    for (room, _unsaved), person in zip(made, people, strict=True):
        out.setdefault(room.pk, []).append(person)
    return out


def _fill(first_day: date, rng: random.Random,
          people: dict[int, list[Any]] | None = None) -> dict[str, Any]:
    """Book ~70 % of the opening hours of every angio suite and theatre over FILL_DAYS days from
    ``first_day``, around the bookings the data set already has there. Returns the occupancy."""
    from cases.models import PlannedProcedure, TreatmentPlan
    from scheduling.models import Booking, BookingStaff, Resource

    rooms = list(Resource.objects.filter(kind__in=["angio_suite", "operating_room"])
                 .order_by("code"))
    lo = datetime.combine(first_day, datetime.min.time(), tzinfo=ZONE)
    hi = lo + timedelta(days=FILL_DAYS)
    taken: dict[int, list[tuple[datetime, datetime]]] = {}
    for b in Booking.objects.filter(resource__in=rooms, start__lt=hi, end__gt=lo).exclude(
            status="cancelled").values("resource_id", "start", "end"):
        taken.setdefault(b["resource_id"], []).append((b["start"], b["end"]))
    plans = list(TreatmentPlan.objects.filter(status="active").values_list(
        "pk", "case__patient_id")[:5000])
    next_seq: dict[int, int] = {}
    blocks: list[tuple[Any, datetime, datetime]] = []
    open_slots = used_before = used_slots = 0
    for room in rooms:
        busy = taken.get(room.pk, [])
        for k in range(FILL_DAYS):
            day = first_day + timedelta(days=k)
            if day.weekday() >= 5:
                continue
            opens = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(hours=7)
            half = [opens + timedelta(minutes=30 * i) for i in range(27)]  # 26 half hours
            free = [not any(s < half[i + 1] and e > half[i] for s, e in busy) for i in range(26)]
            used = free.count(False)
            open_slots += 26
            used_before += used
            target = rng.randint(17, 21)  # about 70 % of the day's 26 half hours
            i = 0
            while i < 26 and used < target:
                if not free[i]:
                    i += 1
                    continue
                if rng.random() < START_P:
                    n = min(rng.choice([2, 3, 4, 5, 6]), target - used)
                    run = 0
                    while run < n and i + run < 26 and free[i + run]:
                        run += 1
                    blocks.append((room, half[i], half[i + run]))
                    used += run
                    i += run
                else:
                    i += rng.choice([1, 2])
            used_slots += used
    procedures, bookings = [], []
    for index, (room, _start, _end) in enumerate(blocks):
        plan_id, _patient = plans[index % len(plans)]
        next_seq[plan_id] = next_seq.get(plan_id, 100) + 1
        kind = "surgery" if room.kind == "operating_room" else "embolization"
        procedures.append(PlannedProcedure(plan_id=plan_id, sequence=next_seq[plan_id],
                                           procedure_type=kind, intent="palliative"))
    procedures = PlannedProcedure.objects.bulk_create(procedures, batch_size=BATCH)
    patient_of = dict(plans)
    for proc, (room, start, end) in zip(procedures, blocks, strict=True):
        bookings.append(Booking(procedure=proc, plan_id=proc.plan_id,
                                patient_id=patient_of[proc.plan_id], resource=room,
                                start=start.astimezone(UTC), end=end.astimezone(UTC),
                                status="booked"))
    bookings = Booking.objects.bulk_create(bookings, batch_size=BATCH)
    staff = [BookingStaff(booking=b, resource=person, start=b.start, end=b.end)
             for b in bookings for person in (people or {}).get(b.resource_id, [])]
    BookingStaff.objects.bulk_create(staff, batch_size=BATCH)
    return {"rooms": len(rooms), "bookings_added": len(bookings), "people_booked": len(staff),
            "occupancy_before": round(used_before / open_slots, 3) if open_slots else 0.0,
            "occupancy": round(used_slots / open_slots, 3) if open_slots else 0.0}


def _measured_plan() -> tuple[Any, Any, Any]:
    from tests.factories.cases import CaseFactory
    from tests.factories.scheduling import plan_with
    from tests.support.scheduling import PREOP

    plan, (surgery, emb) = plan_with("surgery", PREOP, case=CaseFactory())
    emb.prepares = surgery
    emb.save(update_fields=["prepares"])
    return plan, emb, surgery


def _book_embolization(client: Any, plan: Any, emb: Any, day: date) -> str:
    """Book the embolization at the board's first start that is not refused (read from the
    board API). The row is inserted as set-up data, like the rest of the data set, so the
    measured requests do not depend on the outbox or a Celery broker."""
    from scheduling.models import Booking, Resource

    for offset in range(0, FILL_DAYS):
        body = client.get(f"/api/v1/plans/{plan.public_id}/board/", {
            "procedure": str(emb.public_id), "day": (day + timedelta(days=offset)).isoformat(),
            "view": "day"}).json()
        for slot in body["slots"]:
            if slot["verdict"] == "refused":
                continue
            Booking.objects.create(
                procedure=emb, plan=plan, patient_id=plan.case.patient_id,
                resource=Resource.objects.get(public_id=slot["resource"]),
                start=datetime.fromisoformat(slot["start"].replace("Z", "+00:00")),
                end=datetime.fromisoformat(slot["end"].replace("Z", "+00:00")),
                status="booked")
            return str(slot["start"])
    raise SystemExit("no free start for the embolization in the coming two weeks")


def _measure(name: str, repeat: int, call: Callable[[], Any],
             check: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, extra = [], 0, {}
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            result = call()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(ctx.captured_queries)
        if check is not None:
            extra = check(result) or {}
    row = {"name": name, "median_ms": round(statistics.median(times), 1),
           "max_ms": round(max(times), 1), "queries": queries, **extra}
    print(f"{name:<58} median={row['median_ms']:8.1f} ms  max={row['max_ms']:8.1f} ms  "
          f"queries={queries:3d}  " + "  ".join(f"{k}={v}" for k, v in extra.items()))
    return row


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return {"bytes": len(response.content)}


def _page_check(response: Any) -> dict[str, Any]:
    """The page's size, lanes, cards, and how many cards name their people."""
    assert response.status_code == 200, (response.status_code, response.content[:300])
    body = response.content.decode()
    return {"bytes": len(response.content), "lanes": body.count("data-lane="),
            "cards": body.count("data-booking="),
            "cards_with_people": body.count('class="board-people"')}


def _scenario(label: str, *, client: Any, plan: Any, day: date, repeat: int) -> list[Any]:
    from django.utils import timezone

    from scheduling import selectors
    from scheduling.domain.plan_solver import propose_plan
    from scheduling.selectors import board as board_selectors
    from scheduling.web.views.board import PROPOSAL_HORIZON_DAYS, PROPOSAL_TIME_LIMIT

    print(f"-- {label}")
    page = f"/plans/{plan.public_id}/board/"
    api = f"/api/v1/plans/{plan.public_id}/board/"
    rows = []
    for view, rooms in (("day", None), ("week", "1"), ("week", "last")):
        params = {"day": day.isoformat(), "view": view}
        if rooms == "last":
            body = client.get(page, params).content.decode()
            pages = re.findall(r'data-rooms-page="(\d+)"', body)
            if not pages:
                continue  # one page of rooms only
            rooms = max(pages, key=int)
        if rooms:
            params["rooms"] = rooms
        name = f"GET /plans/<id>/board/ ({view}{f', rooms={rooms}' if rooms else ''})"
        rows.append(_measure(name, repeat, lambda p=params: client.get(page, p), _page_check))
    for view in ("day", "week"):
        params = {"day": day.isoformat(), "view": view}

        def api_check(response: Any) -> dict[str, Any]:
            body = response.json()
            assert response.status_code == 200, body
            return {"bytes": len(response.content), "rooms": len(body["resources"]),
                    "bookings": len(body["bookings"]),
                    "with_people": sum(bool(b["staff"]) for b in body["bookings"]),
                    "slots": len(body["slots"]),
                    "refused": sum(s["verdict"] == "refused" for s in body["slots"])}

        rows.append(_measure(f"GET /api/v1/plans/<id>/board/ ({view})", repeat,
                             lambda p=params: client.get(api, p), api_check))
    for view, days in (("day", 1), ("week", 7)):
        rows.append(_measure(
            f"selector plan_board ({view})", repeat,
            lambda d=days: board_selectors.plan_board(plan=plan, first_day=day, days=d,
                                                      now=timezone.now()),
            lambda b: {"slots": len(b.slots), "bookings": len(b.bookings)}))
    rows.append(_measure("POST /plans/<id>/board/propose/", repeat,
                         lambda: client.post(f"{page}propose/"), _ok))
    problem_box: dict[str, Any] = {}

    def build() -> Any:
        problem_box["p"] = selectors.plan_problem_build(
            plan=plan, now=timezone.now(), horizon_days=PROPOSAL_HORIZON_DAYS)
        return problem_box["p"]

    rows.append(_measure("  of which plan_problem_build", repeat, build))
    rows.append(_measure(
        "  of which propose_plan (CP-SAT)", repeat,
        lambda: propose_plan(problem_box["p"], time_limit=PROPOSAL_TIME_LIMIT),
        lambda p: {"status": p.status, "solver_wall_ms": round(p.wall_time * 1000, 1),
                   "items": len(p.bookings)}))
    return rows


def _next_weekday(today: date) -> date:
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of 50,000 cases / 200,000 bookings")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-people", action="store_true",
                        help="book no people with the rooms (as the first run did)")
    parser.add_argument("--out", default=str(ROOT / "artifacts" / "bench" / "booking_board.json"))
    args = parser.parse_args()

    django_bench_setup()
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bench.kpi_dashboards import build
    from core.access import GROUP_COORDINATOR
    from scheduling.models import Booking
    from tests.factories.core import UserFactory

    print(f"Booking board benchmark on {connection.vendor}, scale {args.scale}, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    build(args.scale, now)
    _add_theatres()
    people = {} if args.no_people else _add_people()
    day = _next_weekday(timezone.localdate())
    fill = _fill(day, random.Random(1313), people)
    print(f"{'board fill (next 2 weeks)':<40} {fill}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    build_s = time.perf_counter() - started
    print(f"{'data set built in':<40} {build_s:.1f} s; {Booking.objects.count()} bookings")

    coordinator = UserFactory(username="bench-board-coord")
    coordinator.groups.add(Group.objects.get_or_create(name=GROUP_COORDINATOR)[0])
    client = Client()
    client.force_login(coordinator)

    fresh, _emb, _surgery = _measured_plan()
    booked, emb, _surgery = _measured_plan()
    booked_at = _book_embolization(client, booked, emb, day)
    print(f"{'embolization of the second plan booked at':<40} {booked_at}")

    results = {
        "nothing booked yet (board on the embolization)":
            _scenario("nothing booked yet (board on the embolization: 40 angio suites)",
                      client=client, plan=fresh, day=day, repeat=args.repeat),
        "embolization booked, surgery to place (board on the surgery)":
            _scenario("embolization booked, surgery to place (board on the surgery: "
                      f"{THEATRES} theatres)", client=client, plan=booked, day=day,
                      repeat=args.repeat),
    }
    if connection.vendor == "sqlite":
        version = connection.Database.sqlite_version
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "when": now.isoformat(), "database": connection.vendor, "database_version": version,
        "python": platform.python_version(), "cores": os.cpu_count(), "scale": args.scale,
        "repeat": args.repeat, "people": not args.no_people, "day": day.isoformat(),
        "build_seconds": round(build_s, 1),
        "bookings_total": Booking.objects.count(), "fill": fill, "results": results,
    }, indent=2, default=str))
    print(f"written {out}")


if __name__ == "__main__":
    main()
