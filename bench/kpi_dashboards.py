"""Benchmark: server time of the KPI dashboard endpoints on a large synthetic data set.

Builds (bulk inserts, synthetic data only) 50,000 cases and 200,000 bookings at ``--scale 1``
over the last year: four boards meeting weekly (60 % of the cases on the measured board), an
agenda item per case (a fifth deferred first and discussed the week after), decisions, one plan
per decided case with four procedures, four bookings per case on 40 rooms open Monday to Friday
07:00-20:00, violations, attendance. Then times each KPI endpoint (``/api/v1/boards/<id>/kpi/
<section>/``) and the whole page (``/kpi/``) in-process for a 365-day and a 90-day period, and
prints the median and worst of ``--repeat`` runs with the query count.

Runs on a throw-away SQLite file by default, or on PostgreSQL when DATABASE_URL is set (point
it at a new, empty scratch database: the audit table is append-only, so it cannot be flushed).
PostgreSQL is what production runs and what the target is about; on SQLite the waits use the
sorted-column percentile fallback and datetime arithmetic is slower. Not a test. Usage:

    .venv/bin/python bench/kpi_dashboards.py [--scale 1.0] [--repeat 5]

Target (issue 13): each dashboard under 500 ms server time at scale 1.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._django import django_bench_setup  # noqa: E402  (after the path is set)

CASES = 50_000
BOOKINGS_PER_CASE = 4
ROOMS = 40
BATCH = 5000


def build(scale: float, now: datetime) -> str:
    """Insert the data set; returns the measured board's public id."""
    from django.contrib.auth import get_user_model

    from boardsvc.models import AgendaItem, Attendance, Decision, Meeting
    from cases.models import Case, Patient, PlannedProcedure, TreatmentPlan
    from scheduling.models import Booking, OpeningHours, Resource, ResourceException, Violation
    from tests.factories.boardsvc import BoardFactory

    rng = random.Random(13)
    n_cases = max(200, int(CASES * scale))
    boards = [BoardFactory(slug=f"bench-kpi-{i}", timezone="Europe/Rome") for i in range(4)]
    weeks = 54
    first_week = now - timedelta(weeks=weeks)
    meetings: dict[int, list[Meeting]] = {}
    for b in boards:
        rows = [Meeting(board=b, kind=Meeting.Kind.REGULAR, starts_at=first_week + timedelta(
                    weeks=w, hours=b.pk), ends_at=first_week + timedelta(weeks=w, hours=b.pk + 1.5),
                    cutoff_at=first_week + timedelta(weeks=w, hours=b.pk - 24),
                    occurrence_date=(first_week + timedelta(weeks=w)).date(), capacity_minutes=600,
                    status=Meeting.Status.CLOSED) for w in range(weeks)]
        meetings[b.pk] = Meeting.objects.bulk_create(rows)
    users = [get_user_model().objects.create(username=f"bench-kpi-u{i}") for i in range(12)]
    specialties = ["radiologist", "neurosurgeon", "radiation_oncologist",
                   "interventional_radiologist", "medical_oncologist", "pathologist"]
    Attendance.objects.bulk_create([
        Attendance(meeting=m, user=users[(i + m.pk) % len(users)], specialty=specialties[i],
                   arrived_at=m.starts_at)
        for ms in meetings.values() for m in ms for i in range(len(specialties))
        if rng.random() < 0.85])

    resources = Resource.objects.bulk_create([
        Resource(code=f"bench-room-{i}", name=f"Bench room {i}", kind="angio_suite",
                 timezone="Europe/Rome") for i in range(ROOMS)])
    OpeningHours.objects.bulk_create([
        OpeningHours(resource=r, weekday=d, opens="07:00", closes="20:00")
        for r in resources for d in range(5)])
    ResourceException.objects.bulk_create([
        ResourceException(resource=r, kind="closure", start=first_week + timedelta(days=7 * k),
                          end=first_week + timedelta(days=7 * k, hours=8))
        for r in resources for k in range(0, weeks, 9)])

    started = time.perf_counter()
    submitted = Case._meta.get_field("submitted_at")
    submitted.auto_now_add = False  # the bench sets past submission times
    patients = Patient.objects.bulk_create([Patient(birth_year=1950 + i % 40, sex="female")
                                            for i in range(n_cases)], batch_size=BATCH)
    case_rows, board_of = [], []
    for _i, patient in enumerate(patients):
        b = boards[0] if rng.random() < 0.6 else rng.choice(boards[1:])
        board_of.append(b)
        case_rows.append(Case(
            patient=patient, requested_board=b.slug, referring_clinician="Dr Bench",
            clinical_question="Synthetic", primary_histology="breast", metastases_count=2,
            ecog=1, pain_vas=5, status="discussed",
            submitted_at=first_week + timedelta(minutes=rng.randrange(0, weeks * 7 * 1440 - 20000))))
    cases = Case.objects.bulk_create(case_rows, batch_size=BATCH)
    submitted.auto_now_add = True
    print(f"{'cases':<40} {len(cases)} in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    outcomes = ["discussed"] * 14 + ["standard_of_care", "deferred", "rolled_forward",
                                     "withdrawn", "deferred", "discussed"]
    items, discussed = [], []
    for case, b in zip(cases, board_of, strict=True):
        week = min(weeks - 1, int((case.submitted_at - first_week).days // 7) + 1)
        outcome = rng.choice(outcomes)
        items.append(AgendaItem(meeting=meetings[b.pk][week], case=case, allotted_minutes=5,
                                outcome=outcome, position=0))
        if outcome == "deferred" and week + 1 < weeks:
            items.append(AgendaItem(meeting=meetings[b.pk][week + 1], case=case,
                                    allotted_minutes=5, outcome="discussed", position=1))
    items = AgendaItem.objects.bulk_create(items, batch_size=BATCH)
    meeting_start = {m.pk: m.starts_at for ms in meetings.values() for m in ms}
    decisions = []
    for item in items:
        if item.outcome == "discussed":
            decisions.append(Decision(agenda_item=item, meeting_id=item.meeting_id,
                                      case_id=item.case_id, quorum_met=rng.random() < 0.9,
                                      recorded_at=meeting_start[item.meeting_id] +
                                      timedelta(minutes=30)))
            discussed.append(item)
    Decision.objects.bulk_create(decisions, batch_size=BATCH)
    print(f"{'agenda items, decisions':<40} {len(items)}, {len(decisions)} in "
          f"{time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    plans = TreatmentPlan.objects.bulk_create(
        [TreatmentPlan(case=case, summary="Synthetic") for case in cases], batch_size=BATCH)
    procedures = PlannedProcedure.objects.bulk_create(
        [PlannedProcedure(plan=plan, sequence=s + 1, procedure_type="embolization",
                          intent="palliative")
         for plan in plans for s in range(BOOKINGS_PER_CASE)], batch_size=BATCH)
    decided_at = {item.case_id: meeting_start[item.meeting_id] for item in discussed}
    # Bookings fill 30-minute slots, room by room, in order of the case's decision: never
    # overlapping, so the database's overlap guard accepts them.
    slot = [0] * ROOMS
    bookings = []
    plan_of_case = {p.case_id: p for p in plans}
    case_by_id = {c.pk: c for c in cases}
    by_plan: dict[int, list[PlannedProcedure]] = {}
    for proc in procedures:
        by_plan.setdefault(proc.plan_id, []).append(proc)
    day0 = first_week.replace(hour=6, minute=0, second=0, microsecond=0)  # 07:00 Rome
    for case_id in sorted(case_by_id, key=lambda c: decided_at.get(c, case_by_id[c].submitted_at)):
        plan = plan_of_case[case_id]
        anchor = decided_at.get(case_id, case_by_id[case_id].submitted_at)
        for proc in by_plan[plan.pk]:
            room = rng.randrange(ROOMS)
            target = anchor + timedelta(days=rng.randrange(3, 60))
            index = max(slot[room], int((target - day0).days) * 26)
            day, within = divmod(index, 26)
            while (day0 + timedelta(days=day)).weekday() >= 5:
                day, within = day + 1, 0
            slot[room] = day * 26 + within + 1
            start = day0 + timedelta(days=day, minutes=30 * within)
            bookings.append(Booking(procedure=proc, plan=plan, patient_id=case_by_id[case_id]
                                    .patient_id, resource=resources[room], start=start,
                                    end=start + timedelta(minutes=30),
                                    status="done" if start < now else "booked"))
    Booking.objects.bulk_create(bookings, batch_size=BATCH)
    violations = [Violation(plan=plan, rule_code="bench", rule_id=rng.choice(["R1", "R4", "R9"]),
                            severity=rng.choice(["hard", "soft"]), bookings_key=str(plan.pk),
                            status=rng.choice(["open", "acknowledged", "resolved"]),
                            first_seen_at=plan_anchor, last_seen_at=plan_anchor)
                  for plan in plans[::5]
                  for plan_anchor in [decided_at.get(plan.case_id, now - timedelta(days=30))]]
    Violation.objects.bulk_create(violations, batch_size=BATCH)
    print(f"{'plans, procedures, bookings, violations':<40} {len(plans)}, {len(procedures)}, "
          f"{len(bookings)}, {len(violations)} in {time.perf_counter() - started:.1f} s")
    return str(boards[0].public_id)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of 50,000 cases / 200,000 bookings")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    django_bench_setup()
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.access import GROUP_COORDINATOR
    from tests.factories.core import UserFactory

    print(f"KPI dashboards benchmark on {connection.vendor}, scale {args.scale}, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    now = datetime.now(UTC).replace(microsecond=0)
    board = build(args.scale, now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    coordinator = UserFactory(username="bench-kpi-coord")
    coordinator.groups.add(Group.objects.get_or_create(name=GROUP_COORDINATOR)[0])
    client = Client()
    client.force_login(coordinator)

    today = now.date()
    for days in (365, 90):
        period = {"from": (today - timedelta(days=days - 1)).isoformat(),
                  "to": today.isoformat()}
        targets = [(f"GET /api/v1/boards/<id>/kpi/{s}/", f"/api/v1/boards/{board}/kpi/{s}/",
                    period)
                   for s in ("activity", "waits", "utilisation", "attendance", "violations")]
        targets.append(("GET /kpi/ (whole page)", "/kpi/", {"board": board, **period}))
        print(f"-- period of {days} days ({period['from']} to {period['to']})")
        for name, url, params in targets:
            times, queries = [], 0
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    response = client.get(url, params)
                    times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.content[:300]
                queries = len(ctx.captured_queries)
            print(f"{name:<44} median={statistics.median(times):8.1f} ms  "
                  f"max={max(times):8.1f} ms  queries={queries}")


if __name__ == "__main__":
    main()
