"""``/worklist/``: the coordinator's worklist: decided plans waiting to be booked, bookings a
closure or an absence fell on (to re-plan), and the timing-rule violations to resolve.

Each plan shows its pathway clocks (time left, due time) and its running timing-rule deadlines
(R9, R10, R11 from a case event; the R1 window from a booked pre-operative embolization to its
surgery), with due times in the zone of the case's board (the site's when none is known).
Plans with a rule deadline due within 48 h (or missed) come first, then what breaches first:
the order is the database's (scheduling.web.queries.plans_waiting)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases.labels import code_label
from core.access import principal_from_request
from core.audit import audit_record_many
from core.timezones import local_time
from core.web.pages import render_page
from scheduling import selectors
from scheduling.domain import pathway as pathway_rules
from scheduling.domain.pathway import ClockReading, RuleDeadlineReading
from scheduling.selectors import closures, pathway
from scheduling.web import queries
from scheduling.web.views.closures import by_plan
from scheduling.web.views.common import require_coordinator

PAGE_SIZE = 20


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    """Decided plans waiting to be booked, and rule violations to resolve."""
    require_coordinator(request)
    principal = principal_from_request(request)
    now = timezone.now()
    targets = pathway.clock_targets()
    rules = selectors.rule_specs()
    plans = Paginator(queries.plans_waiting(principal=principal, now=now, targets=targets,
                                            rules=rules),
                      PAGE_SIZE).get_page(request.GET.get("page"))
    violations = Paginator(queries.violations_open(principal=principal), PAGE_SIZE).get_page(
        request.GET.get("vpage"))
    # Bookings a closure or an absence added later fell on: they wait for a repair. Paged by
    # plan (in order of each plan's first such booking), so "Re-plan these" takes all of a
    # plan's at once.
    in_closed_time = closures.bookings_in_closed_time(principal=principal, now=now)
    closed = Paginator(in_closed_time.order_by().values("plan_id").annotate(
        first=Min("start")).order_by("first", "plan_id"), PAGE_SIZE).get_page(
        request.GET.get("cpage"))
    closed_bookings = list(in_closed_time.filter(plan_id__in=[r["plan_id"] for r in closed]))
    # One audit row per plan and per violation shown (docs/security.md, S8), one INSERT each: no N+1.
    shown_violations = list(violations)
    audit_record_many(principal=principal, action="list", object_type="booking",
                      path=request.path,
                      objects=[(b.public_id, b.plan.case.patient.public_id)
                               for b in closed_bookings])
    audit_record_many(principal=principal, action="list", object_type="plan", path=request.path,
                      objects=[(p.public_id, p.case.patient.public_id) for p in plans])
    audit_record_many(principal=principal, action="list", object_type="violation",
                      path=request.path,
                      objects=[(v.public_id, v.plan.case.patient.public_id)
                               for v in shown_violations])
    names = {t.code: t.name for t in targets}
    rows = []
    for plan in plans.object_list:
        booked = {b.procedure_id for b in plan.bookings.all()}
        zone = pathway.board_zone(plan)
        rows.append({
            "plan": plan, "pseudonym": str(plan.case.patient.public_id)[:8],
            "histology": code_label("Histology", plan.case.primary_histology),
            "urgency": plan.case.urgency, "urgency_label": code_label("Urgency", plan.case.urgency),
            "procedures": [{"p": p, "label": code_label("ProcedureType", p.procedure_type),
                            "booked": p.pk in booked} for p in plan.procedures.all()],
            "clocks": [_clock_cell(r, names, zone) for r in pathway.readings(plan, targets=targets,
                                                                             now=now)
                       if r.running],
            "deadlines": [_deadline_cell(d, zone) for d in pathway.rule_deadline_readings(
                plan, rules=rules, now=now)],
            "zone": zone,
        })
    return render_page(request, "scheduling/worklist.html", {
        "plans": plans, "rows": rows, "violations": violations,
        "closed": closed, "closed_plans": by_plan(closed_bookings),
    }, section="worklist")


def _clock_cell(reading: ClockReading, names: dict[str, str], zone: str) -> dict[str, object]:
    """One running clock as the worklist shows it: id, name, days left (or overdue), the due
    time in the board's zone, and its state for the badge."""
    due = reading.due_at
    days = pathway_rules.whole_days(reading.time_left) if reading.time_left is not None else 0
    return {
        "clock": reading.clock_id, "name": names.get(reading.code, ""),
        "state": reading.state.value, "breached": reading.breached,
        "days_left": days, "days_over": -days,
        "due": local_time(due, zone) if due else "",
    }


def _deadline_cell(reading: RuleDeadlineReading, zone: str) -> dict[str, object]:
    """One running rule deadline: the rule id, hours (or days) left or hours since it was
    missed, the due time in the board's zone, and the rule's rationale for the tooltip."""
    hours = pathway_rules.whole_hours(reading.time_left)
    return {
        "rule": reading.rule_id, "code": reading.code, "severity": reading.severity,
        "missed": reading.missed, "soon": reading.soon,
        "hours_left": hours, "hours_over": -hours,
        "days_left": pathway_rules.whole_days(reading.time_left),
        "in_days": hours >= 72,
        "due": local_time(reading.due_at, zone),
        "rationale": reading.rationale, "source": reading.source,
    }
