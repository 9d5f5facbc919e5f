"""``/violations/{id}/``: one timing-rule violation, what is wrong and why, the bookings
involved, and accepting an open soft violation with a reason."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.labels import code_label
from core.access import principal_from_request
from core.audit import audit_record
from core.web.pages import render_page
from scheduling import selectors, services
from scheduling.domain.errors import AcknowledgementRefused
from scheduling.domain.types import CHANGEABLE_STATUSES, Severity
from scheduling.models import Violation
from scheduling.web import queries
from scheduling.web.forms import ViolationAcknowledgeForm
from scheduling.web.views.common import require_coordinator


def _violation_context(request: HttpRequest, violation: Violation,
                       form: ViolationAcknowledgeForm) -> dict[str, Any]:
    bookings = queries.violation_bookings(violation=violation)
    return {
        "violation": violation, "form": form,
        "pseudonym": str(violation.plan.case.patient.public_id)[:8],
        "bookings": [{"b": b, "label": code_label("ProcedureType", b.procedure.procedure_type),
                      "changeable": b.status in CHANGEABLE_STATUSES} for b in bookings],
        "can_acknowledge": violation.severity == Severity.SOFT
        and violation.status == Violation.Status.OPEN,
    }


@login_required
@require_http_methods(["GET", "POST"])
def violation_acknowledge(request: HttpRequest, public_id: Any) -> HttpResponse:
    """One timing-rule violation: what is wrong, why the rule exists, the bookings involved
    (with move and cancel links) and, for an open soft violation, accepting it with a reason
    (scheduling.services.violation_acknowledge). A hard violation cannot be accepted: the page
    says so and offers the moves that resolve it."""
    require_coordinator(request)
    principal = principal_from_request(request)
    violation = selectors.violation_get(principal=principal, public_id=public_id)
    form = ViolationAcknowledgeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.violation_acknowledge(violation=violation, principal=principal,
                                               reason=form.cleaned_data["reason"])
            except AcknowledgementRefused:
                # The service refuses hard and resolved violations (someone else may have
                # resolved it meanwhile): say so on the page, in the reader's language.
                form.add_error(None, _("Only an open soft violation can be accepted. "
                                       "It may have been resolved in the meantime."))
                status = 409
            else:
                messages.success(request, _("%(rule)s accepted with your reason.")
                                 % {"rule": violation.rule_id})
                return redirect(reverse("scheduling_web:worklist"))
        else:
            status = 400
        violation = selectors.violation_get(principal=principal, public_id=public_id)
    audit_record(principal=principal, action="read", object_type="violation",
                 object_id=violation.public_id,
                 patient_pseudonym=violation.plan.case.patient.public_id, path=request.path)
    return render_page(request, "scheduling/violation.html",
                       _violation_context(request, violation, form), status=status,
                       section="worklist")

