"""Single-plan proposal latency and repair latency (issue 14, benchmark 3). Not a test: prints
figures and writes JSON; record them in docs/benchmarks.md.

In process (no broker, no HTTP), on a scratch database (SQLite by default, or DATABASE_URL):

1. Rooms of every kind the catalogue needs (two angio suites, a hybrid CT-angio room, a CT, two
   operating rooms, a linac, an MRI) open on weekdays, and a week of other patients' bookings
   made through the booking service until the rooms are about ``--occupancy`` full.
2. **Proposal**: for ``--plans`` plans of the seeds' shapes (pre-operative embolization then
   surgery; embolization then ablation; vertebroplasty; radiotherapy then embolization), the
   time of ``plan_proposal_make`` (build the problem from the database, solve, check the soft
   rules) over a 14-day horizon: p50, p95, max. Target: p95 under 300 ms.
3. **Repair**: each plan's proposal is booked; then, one plan at a time, the room of its first
   booking closes for that day and a repair run re-plans that booking alone
   (``solver_run_start`` then ``solver_run_execute``, what the worker runs): p50, p95, max.
   Target: under 2 s.

    .venv/bin/python bench/proposal_latency.py [--plans 30] [--occupancy 0.6] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._django import django_bench_setup  # noqa: E402

SHAPES = (
    ({"procedure_type": "embolization", "purpose": "pre_operative"}, "surgery"),
    ("embolization", "rfa"),
    ("vertebroplasty",),
    ("radiotherapy", "embolization"),
)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)


def _summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50_ms": round(statistics.median(values), 1),
            "p95_ms": _pct(values, 0.95), "max_ms": round(max(values), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", type=int, default=30)
    parser.add_argument("--occupancy", type=float, default=0.6)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    django_bench_setup()

    import time_machine

    from core.errors import RuleError
    from scheduling import services
    from scheduling.demo import seed_rules_and_catalogue
    from scheduling.models import Booking, ResourceException, SolverRun
    from tests.factories.cases import CaseFactory
    from tests.factories.scheduling import MONDAY, ROME, ResourceFactory, at, plan_with

    seed_rules_and_catalogue()
    rooms = [ResourceFactory(code=code, name=name, kind=kind) for code, name, kind in (
        ("angio-1", "Angio 1", "angio_suite"), ("angio-2", "Angio 2", "angio_suite"),
        ("hybrid-1", "Hybrid CT-angio", "hybrid_ct_angio"), ("ct-1", "CT", "ct_room"),
        ("or-1", "Theatre 1", "operating_room"), ("or-2", "Theatre 2", "operating_room"),
        ("linac-1", "Linac", "linac"), ("mri-1", "MRI", "mri"))]
    # The clock stands on the Sunday before the factories' Monday (7 January 2030).
    eve = datetime.combine(MONDAY - timedelta(days=1), datetime.min.time(), tzinfo=ROME)
    with time_machine.travel(eve.astimezone(UTC) + timedelta(hours=12), tick=True):
        filler = {"angio_suite": "embolization", "hybrid_ct_angio": "rfa", "ct_room":
                  "follow_up_ct", "operating_room": "surgery", "linac": "follow_up_ct",
                  "mri": "follow_up_mri"}
        made = 0
        began = time.perf_counter()
        for room in rooms:
            kind = filler[room.kind] if room.kind != "linac" else None
            if kind is None:
                continue
            for day in range(5):
                hour = 7
                while hour < 20 and (hour - 7) / 13 < args.occupancy:
                    _plan, (procedure,) = plan_with(kind, case=CaseFactory())
                    try:
                        outcome = services.booking_create(procedure=procedure, resource=room,
                                                          start=at(day, hour), principal=None)
                        hour = max(hour + 1, outcome.booking.end.astimezone(ROME).hour + 1)
                        made += 1
                    except Exception:  # a rule or the room refused that hour: try the next
                        hour += 1
        fill_s = time.perf_counter() - began
        print(f"a week of other patients' bookings: {made} in {fill_s:.1f} s", flush=True)

        plans = [plan_with(*SHAPES[k % len(SHAPES)], case=CaseFactory())[0]
                 for k in range(args.plans)]
        proposal_ms: list[float] = []
        statuses: dict[str, int] = {}
        refused: dict[str, int] = {}
        booked = []
        for plan in plans:  # propose, then book it, as a coordinator would, plan after plan
            t0 = time.perf_counter()
            proposal = services.plan_proposal_make(plan=plan, horizon_days=14, time_limit=5.0)
            proposal_ms.append((time.perf_counter() - t0) * 1000)
            statuses[proposal.status] = statuses.get(proposal.status, 0) + 1
            if not proposal.bookings:
                continue
            try:
                services.plan_proposal_apply(plan=plan, proposal=proposal, principal=None)
            except RuleError as exc:
                refused[exc.rule] = refused.get(exc.rule, 0) + 1
                continue
            booked.append(plan)
        print(f"proposal: {_summary(proposal_ms)} statuses={statuses} booked={len(booked)} "
              f"refused={refused}", flush=True)

        repair_ms: list[float] = []
        repair_outcomes: dict[str, int] = {}
        for plan in booked:
            first = Booking.objects.filter(plan=plan).exclude(status="cancelled").order_by(
                "start").select_related("resource").first()
            if first is None or first.fraction_number is not None:
                continue
            local = first.start.astimezone(ROME).date()
            day = datetime.combine(local, datetime.min.time(), tzinfo=ROME)
            ResourceException.objects.create(resource=first.resource, start=day,
                                             end=day + timedelta(days=1), kind="closure",
                                             reason="bench: room closed")
            t0 = time.perf_counter()
            # The test settings run Celery eagerly: the outbox's publish after commit runs the
            # worker's task (solver_run_execute) inside this call; the second call is then the
            # no-op a redelivery would be. Either way the time is queue-to-result.
            run = services.solver_run_start(plan=plan, principal=None, horizon_days=14,
                                            time_limit_s=5.0, replan=[str(first.public_id)])
            services.solver_run_execute(run_id=run.pk)
            repair_ms.append((time.perf_counter() - t0) * 1000)
            stored = SolverRun.objects.get(pk=run.pk)
            key = f"{stored.status}/{stored.outcome}"
            repair_outcomes[key] = repair_outcomes.get(key, 0) + 1
        print(f"repair: {_summary(repair_ms) if repair_ms else 'none'} "
              f"outcomes={repair_outcomes}", flush=True)

    result = {
        "when": datetime.now(UTC).isoformat(), "python": platform.python_version(),
        "cores": os.cpu_count(), "load_average": os.getloadavg(),
        "database": os.environ.get("DATABASE_URL", "").split("://", 1)[0],
        "week_bookings": made, "plans": args.plans,
        "proposal": _summary(proposal_ms), "proposal_statuses": statuses,
        "booked_plans": len(booked), "refused_on_booking": refused,
        "repair": _summary(repair_ms) if repair_ms else None,
        "repair_outcomes": repair_outcomes,
        "targets": {"proposal_p95_ms": 300, "repair_ms": 2000},
    }
    out = Path(args.out or ROOT / "artifacts" / "bench" /
               f"proposal_latency_{datetime.now(UTC):%Y%m%dT%H%M%S}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
