"""``/worklist/``: the coordinator's worklist: decided plans waiting to be booked (what breaches
first comes first, with the time left on each pathway clock, in the site's zone), and the
timing-rule violations to resolve."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import formats, timezone
from django.views.decorators.http import require_GET

from cases.labels import code_label
from core.access import principal_from_request
from core.audit import audit_record_many
from core.timezones import zone_info, zone_name
from core.web.pages import render_page
from scheduling.domain import pathway as pathway_rules
from scheduling.domain.pathway import ClockReading
from scheduling.selectors import pathway
from scheduling.web import queries
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
    plans = Paginator(queries.plans_waiting(principal=principal, now=now, targets=targets),
                      PAGE_SIZE).get_page(request.GET.get("page"))
    violations = Paginator(queries.violations_open(principal=principal), PAGE_SIZE).get_page(
        request.GET.get("vpage"))
    # One audit row per plan and per violation shown (docs/security.md, S8), one INSERT each: no N+1.
    shown_violations = list(violations)
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
        rows.append({
            "plan": plan, "pseudonym": str(plan.case.patient.public_id)[:8],
            "histology": code_label("Histology", plan.case.primary_histology),
            "urgency": plan.case.urgency, "urgency_label": code_label("Urgency", plan.case.urgency),
            "procedures": [{"p": p, "label": code_label("ProcedureType", p.procedure_type),
                            "booked": p.pk in booked} for p in plan.procedures.all()],
            "clocks": [_clock_cell(r, names) for r in pathway.readings(plan, targets=targets,
                                                                       now=now)
                       if r.running],
        })
    return render_page(request, "scheduling/worklist.html", {
        "plans": plans, "rows": rows, "violations": violations, "zone": zone_name(None),
    }, section="worklist")


def _clock_cell(reading: ClockReading, names: dict[str, str]) -> dict[str, object]:
    """One running clock as the worklist shows it: id, name, days left (or overdue), the due
    time in the site's zone, and its state for the badge."""
    due = reading.due_at
    days = pathway_rules.whole_days(reading.time_left) if reading.time_left is not None else 0
    return {
        "clock": reading.clock_id, "name": names.get(reading.code, ""),
        "state": reading.state.value, "breached": reading.breached,
        "days_left": days, "days_over": -days,
        "due": formats.date_format(timezone.localtime(due, zone_info()),
                                   "SHORT_DATETIME_FORMAT") if due else "",
    }

