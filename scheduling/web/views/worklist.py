"""``/worklist/``: the coordinator's worklist: decided plans waiting to be booked, and the
timing-rule violations to resolve."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from cases.labels import code_label
from core.access import principal_from_request
from core.audit import audit_record_many
from core.web.pages import render_page
from scheduling.web import queries
from scheduling.web.views.common import require_coordinator

PAGE_SIZE = 20


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    """Decided plans waiting to be booked, and rule violations to resolve."""
    require_coordinator(request)
    principal = principal_from_request(request)
    plans = Paginator(queries.plans_waiting(principal=principal), PAGE_SIZE).get_page(
        request.GET.get("page"))
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
    rows = []
    for plan in plans.object_list:
        booked = {b.procedure_id for b in plan.bookings.all()}
        rows.append({
            "plan": plan, "pseudonym": str(plan.case.patient.public_id)[:8],
            "histology": code_label("Histology", plan.case.primary_histology),
            "urgency": plan.case.urgency, "urgency_label": code_label("Urgency", plan.case.urgency),
            "procedures": [{"p": p, "label": code_label("ProcedureType", p.procedure_type),
                            "booked": p.pk in booked} for p in plan.procedures.all()],
        })
    return render_page(request, "scheduling/worklist.html", {
        "plans": plans, "rows": rows, "violations": violations,
    }, section="worklist")

