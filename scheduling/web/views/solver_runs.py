"""Solver runs on the coordinator's pages (issue 14): ``/plans/{id}/solver-runs/`` lists a plan's
runs and starts one (the solver works on a worker of the ``solver`` queue, never in the
request); ``/solver-runs/{id}/`` shows a run, its progress refreshed every second while it works
(htmx polls the status fragment; without script, reload the page), and once finished its
proposal in the site's zone with the soft rules it still breaks; ``apply/`` books it through the
booking service, all or nothing, unless its inputs changed meanwhile (the run is then discarded
and the page says why). scheduling.services.solver_runs does the work.

Every view is the coordinators' (403 otherwise) and writes one audit row with the patient's
pseudonym.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.labels import code_label
from core.access import principal_from_request
from core.audit import audit_record_many
from core.dates import DateLimitError, LocalTimeError, check_date, check_instant, local_to_aware
from core.errors import RuleError
from core.web.pages import render_page
from scheduling import selectors, services
from scheduling.domain.types import CHANGEABLE_STATUSES
from scheduling.models import SolverRun
from scheduling.selectors import board as board_selectors
from scheduling.web.views.common import plan_for, require_coordinator

HORIZON_DAYS = 28
TIME_LIMIT_S = 10.0
WAITLIST_TIME_LIMIT_S = 30.0
WAITLIST_MAX_PLANS = 200
WORKING = (SolverRun.Status.QUEUED, SolverRun.Status.RUNNING)


def _audit(request: HttpRequest, run_or_plan: Any, *, action: str, object_type: str) -> None:
    """One row naming the patient of the plan, or every patient of a waiting-list run."""
    if isinstance(run_or_plan, SolverRun):
        patients = selectors.solver_run_patients(run_or_plan)
    else:
        patients = [str(run_or_plan.case.patient.public_id)]
    audit_record_many(principal=principal_from_request(request), action=action,
                      object_type=object_type,
                      objects=[(run_or_plan.public_id, p) for p in patients], path=request.path)


@login_required
@require_POST
def waitlist_run_start(request: HttpRequest) -> HttpResponse:
    """POST (from the worklist): plan the whole waiting list in one run, then open its page."""
    require_coordinator(request)
    try:
        run = services.solver_run_start_waitlist(
            principal=principal_from_request(request), horizon_days=HORIZON_DAYS,
            time_limit_s=WAITLIST_TIME_LIMIT_S, max_plans=WAITLIST_MAX_PLANS)
    except RuleError as exc:
        messages.error(request, exc.message)
        return redirect("scheduling_web:worklist")
    _audit(request, run, action="create", object_type="solver_run")
    return redirect("scheduling_web:solver_run", public_id=run.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def plan_solver_runs(request: HttpRequest, public_id: Any) -> HttpResponse:
    """GET: the plan's runs, newest first; POST: start one and open its page."""
    require_coordinator(request)
    plan = plan_for(request, public_id)
    if request.method == "POST":
        try:
            run = services.solver_run_start(plan=plan, principal=principal_from_request(request),
                                            horizon_days=HORIZON_DAYS, time_limit_s=TIME_LIMIT_S,
                                            replan=request.POST.getlist("replan"),
                                            not_before=_day_start(request.POST.get("not_before")))
        except RuleError as exc:
            messages.error(request, exc.message)
            return redirect("scheduling_web:plan_solver_runs", public_id=plan.public_id)
        _audit(request, run, action="create", object_type="solver_run")
        return redirect("scheduling_web:solver_run", public_id=run.public_id)
    principal = principal_from_request(request)
    runs = list(selectors.solver_run_list(principal=principal, plan=plan.public_id)[:20])
    tz = ZoneInfo(board_selectors.site_zone())
    movable = [{"id": str(b.public_id), "start": b.start.astimezone(tz), "room": b.resource.name,
                "procedure": code_label("ProcedureType", b.procedure.procedure_type)}
               for b in selectors.booking_list(principal=principal, plan=plan.public_id)
               if b.status in CHANGEABLE_STATUSES and b.fraction_number is None]
    _audit(request, plan, action="list", object_type="plan_solver_runs")
    return render_page(request, "scheduling/solver_runs.html", {
        "plan": plan, "runs": runs, "pseudonym": str(plan.case.patient.public_id)[:8],
        "movable": movable,
        "horizon_days": HORIZON_DAYS, "time_limit_s": int(TIME_LIMIT_S),
        "tz": board_selectors.site_zone()}, section="worklist")


def _day_start(raw: str | None) -> datetime | None:
    """The form's "the patient can come from": a local date (its start in the site's zone),
    or the exact instant "Plan again" carries over from the run (ISO 8601 with an offset);
    None when blank. RuleError naming ``not_before`` when it is neither, or is outside the
    service's window."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        if "T" in text:
            moment = check_instant(datetime.fromisoformat(text))
        else:
            day = check_date(date.fromisoformat(text))  # first: year 1 would overflow
            moment = check_instant(local_to_aware(day, time.min, board_selectors.site_zone(),
                                                  fold=0))
    except (ValueError, LocalTimeError, DateLimitError):
        raise RuleError(_("The date the patient can come from is not a valid date."),
                        field="not_before", rule="invalid") from None
    return moment


def _proposal_rows(run: SolverRun, zone: ZoneInfo) -> list[dict[str, Any]]:
    items = run.result.get("bookings", [])
    procedures = (board_selectors.plan_procedures_by_public_id(run.plan) if run.plan
                  else board_selectors.procedures_by_public_id({i["procedure"] for i in items}))
    # Rooms and the people the run planned, in one query.
    rooms = board_selectors.resources_by_public_id(
        {i["resource"] for i in items} | {i["replaces"]["resource"] for i in items
                                          if "replaces" in i}
        | {pid for i in items for pid in i.get("staff", [])})
    rows = []
    for item in items:
        start, end = parse_datetime(item["start"]), parse_datetime(item["end"])
        procedure, room = procedures.get(item["procedure"]), rooms.get(item["resource"])
        was = item.get("replaces")
        was_start = parse_datetime(was["start"]) if was else None
        was_room = rooms.get(was["resource"]) if was else None
        rows.append({
            "patient": str(procedure.plan.case.patient.public_id)[:8]
            if procedure and run.plan is None else "",
            "was_start": was_start.astimezone(zone) if was_start else None,
            "was_room": (was_room.name if was_room else was["resource"]) if was else "",
            "procedure": code_label("ProcedureType", procedure.procedure_type)
            if procedure else item["procedure"],
            "fraction": item.get("fraction"),
            "room": room.name if room else item["resource"],
            "people": ", ".join(rooms[pid].name if pid in rooms else pid
                                for pid in item.get("staff", [])),
            "start": start.astimezone(zone) if start else None,
            "end": end.astimezone(zone) if end else None})
    return sorted(rows, key=lambda r: (r["start"] is None, r["start"]))


def _context(request: HttpRequest, run: SolverRun) -> dict[str, Any]:
    tz = board_selectors.site_zone()
    finished = run.status == SolverRun.Status.FINISHED
    # A proposal whose first booking has started cannot be booked: said before the click.
    passed = services.solver_run_passed_start(run, now=timezone.now()) if finished else None
    return {"run": run, "plan": run.plan, "working": run.status in WORKING,
            "passed": passed,
            # A run discarded because its first booking had started: that booking's time.
            "first_start": (services.solver_run_first_start(run)
                            if run.reason == SolverRun.Reason.PROPOSAL_PASSED else None),
            "pseudonym": str(run.plan.case.patient.public_id)[:8] if run.plan else "",
            "tz": tz,
            # Plans the waiting list left to their own boards, each with why.
            "skipped": [{"plan": plan_id, "reason": reason}
                        for plan_id, reason in sorted(run.result.get("skipped", {}).items())],
            "rows": _proposal_rows(run, ZoneInfo(tz)),
            "warnings": run.result.get("warnings", []),
            "can_apply": finished and passed is None and bool(run.result.get("bookings")),
            # A run that cannot be booked (out of date, inputs changed, failed) can be started
            # again as it was asked for: the same plan, or the waiting list, and a repair's
            # bookings.
            "can_rerun": passed is not None or run.status in (SolverRun.Status.DISCARDED,
                                                              SolverRun.Status.FAILED),
            "replan": [item["id"] for item in run.slipped],
            # The notice before a first booking (SCH-NOTICE) the worker built the run with,
            # stored on the run (the polling fragment reads no site parameter).
            "notice": run.notice,
            "not_before": parse_datetime(run.notice.get("not_before") or "")}


@login_required
def solver_run(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The run's page; for htmx (the page polling while the run works) its status fragment."""
    require_coordinator(request)
    run = selectors.solver_run_get(principal=principal_from_request(request),
                                   public_id=public_id)
    _audit(request, run, action="read", object_type="solver_run")
    context = _context(request, run)
    if request.htmx:
        return HttpResponse(render_to_string("scheduling/_solver_run_status.html", context,
                                             request=request))
    return render_page(request, "scheduling/solver_run.html", context, section="worklist")


@login_required
@require_POST
def solver_run_apply(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Book the run's proposal (all or nothing); a refusal re-shows the run with the reason."""
    require_coordinator(request)
    principal = principal_from_request(request)
    run = selectors.solver_run_get(principal=principal, public_id=public_id)
    try:
        created = services.solver_run_apply(run=run, principal=principal)
    except RuleError as exc:
        run.refresh_from_db()
        _audit(request, run, action="read", object_type="solver_run")
        context = _context(request, run)
        context["refusal"] = exc.message
        status = exc.status if 400 <= exc.status < 500 else 409
        return render_page(request, "scheduling/solver_run.html", context, status=status,
                           section="worklist")
    _audit(request, run, action="update", object_type="solver_run")
    if run.plan is None:
        messages.success(request, _("The waiting list is booked as proposed: %(n)d bookings.")
                         % {"n": len(created)})
        return redirect("scheduling_web:worklist")
    if run.kind == SolverRun.Kind.REPAIR:
        messages.success(request, _("The bookings are moved: %(n)d.") % {"n": len(created)})
    else:
        messages.success(request, _("The proposal is booked: %(n)d bookings, proposed.")
                         % {"n": len(created)})
    return redirect("scheduling_web:plan_board", public_id=run.plan.public_id)
