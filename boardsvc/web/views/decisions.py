"""The printable decision summary: outcome, plan, suggestions seen, quorum, history."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from boardsvc import selectors
from boardsvc.models import Decision
from cases.labels import code_label
from core.access import principal_from_request
from core.audit import audit_record_many
from core.web.pages import render_page


@login_required
@require_GET
def decision_summary(request: HttpRequest, public_id: Any) -> HttpResponse:
    """A printable decision summary: outcome, plan, suggestions seen, quorum, history."""
    principal = principal_from_request(request)
    try:
        decision = selectors.decision_get_visible(principal=principal, public_id=public_id)
    except Decision.DoesNotExist:
        raise Http404 from None
    audit_record_many(principal=principal, action="read", object_type="decision",
                      path=request.path,
                      objects=[(decision.public_id, decision.case.patient.public_id)])
    procedures = [
        {**p, "label": code_label("ProcedureType", p.get("procedure_type", "")),
         "intent_label": code_label("Intent", p.get("intent", ""))}
        for p in decision.procedures
    ]
    return render_page(request, "boardsvc/decision_summary.html", {
        "decision": decision, "procedures": procedures,
        "pseudonym": str(decision.case.patient.public_id)[:8],
        "histology": code_label("Histology", decision.case.primary_histology),
    }, section="meetings")
