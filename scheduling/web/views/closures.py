"""``/resources/``: rooms and people, ``/resources/{id}/closures/``: close a room or mark a
person away (or add an extra session), and ``/resources/{id}/closures/{closure id}/``: the
bookings a closure falls on, each plan's with a button that re-plans them (a repair run), and
the closure's removal. Coordinators only; the bookings listed are audited as a disclosure."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.labels import code_label
from core.access import principal_from_request
from core.audit import audit_record_many
from core.errors import RuleError
from core.timezones import zone_name
from core.web.errors import add_rule_error
from core.web.pages import render_page
from scheduling import selectors, services
from scheduling.domain.catalogue import STAFF_KINDS
from scheduling.models import Booking, Resource, ResourceException
from scheduling.selectors import closures
from scheduling.web.forms import ClosureForm
from scheduling.web.views.common import require_coordinator

PAGE_SIZE = 50
# The bookings one closure's page lists; past this it says how many more there are.
SHOWN = 200
# What a closure is called on the pages, by kind (a person's closure is an absence).
KIND_LABELS = {"closure": gettext_lazy("Closed"), "maintenance": gettext_lazy("Maintenance"),
               "extra_session": gettext_lazy("Extra session")}
PERSON_LABELS = {**KIND_LABELS, "closure": gettext_lazy("Away")}


def kind_label(closure: ResourceException, resource: Resource) -> str:
    """What the closure of ``resource`` (its own, passed: no query) is called on the pages."""
    labels = PERSON_LABELS if resource.kind in STAFF_KINDS else KIND_LABELS
    return str(labels.get(closure.kind, closure.kind))


@login_required
@require_GET
def resources(request: HttpRequest) -> HttpResponse:
    """Rooms and people in use, with how many closures, absences or extra sessions are still to
    come for each (one query)."""
    require_coordinator(request)
    now = timezone.now()
    rows = selectors.resource_list().annotate(
        to_come=Count("exceptions", filter=Q(exceptions__end__gt=now)))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "scheduling/resources.html", {"page": page},
                       section="resources")


@login_required
@require_http_methods(["GET", "POST"])
def resource_closures(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The resource's closures not yet over, and the form that adds one; a closure added opens
    its own page, with the bookings it falls on."""
    require_coordinator(request)
    resource = selectors.resource_get(public_id=str(public_id))
    zone = zone_name(resource.timezone)
    form = ClosureForm(request.POST if request.method == "POST" else None, zone=zone)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                closure = services.closure_add(
                    resource=resource, kind=form.cleaned_data["kind"],
                    start=form.cleaned_data["start"], end=form.cleaned_data["end"],
                    reason=form.cleaned_data["reason"], principal=principal_from_request(request),
                    path=request.path)
            except RuleError as exc:
                add_rule_error(form, exc, ClosureForm.ALIASES)
            else:
                messages.success(request, _("Saved."))
                return redirect("scheduling_web:closure", public_id=resource.public_id,
                                closure_id=closure.public_id)
        status = 400
    page = Paginator(closures.closure_list(resource=resource, since=timezone.now()),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"closure": c, "label": kind_label(c, resource)} for c in page]
    return render_page(request, "scheduling/resource_closures.html", {
        "resource": resource, "form": form, "page": page, "rows": rows, "tz": zone,
    }, status=status, section="resources")


def _closure(resource: Resource, closure_id: Any) -> ResourceException:
    closure = closures.closure_get(resource=resource, public_id=closure_id)
    if closure is None:
        raise Http404("No such closure.")
    return closure


@login_required
@require_GET
def closure(request: HttpRequest, public_id: Any, closure_id: Any) -> HttpResponse:
    """A closure and the bookings it falls on, by plan: re-plan a plan's (a repair run that
    moves only them), or move a radiotherapy fraction with its course."""
    require_coordinator(request)
    principal = principal_from_request(request)
    resource = selectors.resource_get(public_id=str(public_id))
    found = _closure(resource, closure_id)
    now = timezone.now()
    found_bookings = closures.bookings_in(found, principal=principal, now=now)
    bookings = list(found_bookings[:SHOWN + 1])
    more = found_bookings.count() - SHOWN if len(bookings) > SHOWN else 0
    bookings = bookings[:SHOWN]
    audit_record_many(principal=principal, action="list", object_type="booking",
                      path=request.path,
                      objects=[(b.public_id, b.plan.case.patient.public_id) for b in bookings])
    return render_page(request, "scheduling/closure.html", {
        "resource": resource, "closure": found, "label": kind_label(found, resource),
        "plans": by_plan(bookings), "more": more,
        "over": found.end <= now, "tz": zone_name(resource.timezone),
    }, section="resources")


@login_required
@require_POST
def closure_remove(request: HttpRequest, public_id: Any, closure_id: Any) -> HttpResponse:
    require_coordinator(request)
    resource = selectors.resource_get(public_id=str(public_id))
    try:
        services.closure_remove(closure=_closure(resource, closure_id),
                                principal=principal_from_request(request), path=request.path)
    except RuleError as exc:
        messages.error(request, exc.message)
        return redirect("scheduling_web:closure", public_id=resource.public_id,
                        closure_id=closure_id)
    messages.success(request, _("Removed: that time is free again."))
    return redirect("scheduling_web:resource_closures", public_id=resource.public_id)


def by_plan(bookings: list[Booking]) -> list[dict[str, Any]]:
    """Bookings grouped by plan, in order of each plan's first: the ones a repair run can
    re-plan (``replan``) and the radiotherapy fractions, which move with their course."""
    plans: dict[int, dict[str, Any]] = {}
    for b in bookings:
        row = plans.setdefault(b.plan_id, {
            "plan": b.plan, "pseudonym": str(b.plan.case.patient.public_id)[:8],
            "bookings": [], "replan": []})
        row["bookings"].append({
            "booking": b, "label": code_label("ProcedureType", b.procedure.procedure_type),
            "fraction": b.fraction_number, "zone": zone_name(b.resource.timezone)})
        if b.fraction_number is None:
            row["replan"].append(str(b.public_id))
    return list(plans.values())
