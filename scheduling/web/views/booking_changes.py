"""``/bookings/{id}/move/`` and ``/bookings/{id}/cancel/``: move or cancel a booking with the
version the page was built from (a booking changed meanwhile is reported, not overwritten)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cases.labels import code_label
from core.access import principal_from_request
from core.errors import RuleError, StaleVersion
from core.timezones import zone_info, zone_name
from core.web.errors import add_rule_error
from core.web.pages import render_page
from scheduling import selectors, services
from scheduling.domain.errors import HardRuleViolation
from scheduling.domain.types import CHANGEABLE_STATUSES, Severity
from scheduling.labels import staff_kind_label
from scheduling.models import Booking
from scheduling.web import queries
from scheduling.web.forms import BookingCancelForm, BookingMoveForm
from scheduling.web.views.common import (
    SLOT_STEP,
    SLOTS_PER_RESOURCE,
    audit_booking_read,
    booking_for,
    require_coordinator,
)

STALE_MESSAGE = gettext_lazy("This booking was changed by someone else while you were looking at it. "
                             "Its current time is shown below; check it and try again.")


def _booking_context(booking: Booking) -> dict[str, Any]:
    # A radiotherapy fraction is moved and cancelled with its course (scheduling.services
    # .courses): the pages list the fractions not yet done.
    course = selectors.course_pending(booking)
    return {
        "booking": booking, "plan": booking.plan, "course": course,
        "pseudonym": str(booking.patient.public_id)[:8],
        "label": code_label("ProcedureType", booking.procedure.procedure_type),
        "changeable": booking.status in CHANGEABLE_STATUSES,
        "tz_name": zone_name(booking.resource.timezone),
        "staff": [{"resource": s.resource, "kind_label": staff_kind_label(s.resource.kind)}
                  for s in booking.staff.select_related("resource").filter(active=True)],
    }


def _refused(exc: HardRuleViolation) -> list[dict[str, str]]:
    """The hard rules a refused change would break, listed on the page."""
    return [{"rule_id": v.rule_id, "severity": Severity.HARD, "message": v.message}
            for v in exc.violations]


def _move_form(booking: Booking, data: Any = None) -> BookingMoveForm:
    resources = queries.suitable_resources(procedure_type=booking.procedure.procedure_type)
    if booking.resource not in resources:
        resources = [booking.resource, *resources]
    local = timezone.localtime(booking.start, zone_info(booking.resource.timezone))
    initial = {"day": local.date(), "time": local.time().replace(second=0, microsecond=0),
               "resource": str(booking.resource.public_id), "version": booking.version}
    return BookingMoveForm(data, resources=resources, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def booking_move(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Move a booking: pick a new date, time and room; "Check the rules" (GET) shows the rule
    check before anything changes; "Move" (POST) calls scheduling.services.booking_move with the
    version the page was built from, so a booking changed meanwhile is reported, not
    overwritten."""
    require_coordinator(request)
    principal = principal_from_request(request)
    booking = booking_for(request, public_id)
    context = _booking_context(booking)
    checking = request.method == "GET" and "day" in request.GET
    form = _move_form(booking, request.POST if request.method == "POST" else
                      (request.GET if checking else None))
    context["form"] = form
    status = 200
    if (request.method == "POST" or checking) and form.is_valid() and context["changeable"]:
        resource = form.chosen_resource()
        start = form.start()
        end = start + (booking.end - booking.start)
        context.update(new_start=start, new_end=end, new_resource=resource,
                       preview=queries.move_preview(booking=booking, resource=resource,
                                                    start=start, end=end))
        if request.method == "POST":
            try:
                outcome = services.booking_move(
                    booking=booking, start=start, expected_version=form.cleaned_data["version"],
                    principal=principal, resource=resource,
                    override_reason=form.cleaned_data.get("override_reason") or "",
                    retrospective_reason=form.cleaned_data.get("retrospective_reason") or "")
            except StaleVersion:
                # Changed meanwhile: show it as it is now, to check and try again.
                booking = booking_for(request, public_id)
                context.update(_booking_context(booking), stale=STALE_MESSAGE,
                               form=_move_form(booking), preview=None)
                status = 409
            except RuleError as exc:
                status = _show_refusal(context, form, exc)
            else:
                messages.success(request, _("%(procedure)s moved.") % {"procedure":
                                                                       context["label"]})
                for warning in outcome.warnings:
                    messages.warning(request, f"{warning.rule_id}: {warning.message}")
                return redirect(reverse("scheduling_web:timeline", args=[booking.plan.public_id]))
    elif request.method == "POST":
        status = 409 if not context["changeable"] else 400
    if context["changeable"]:
        context["free"] = _free_starts(booking, form)
    audit_booking_read(request, principal, context["booking"])
    return render_page(request, "scheduling/booking_move.html", context, status=status,
                       section="worklist")


def _show_refusal(context: dict[str, Any], form: Any, exc: RuleError) -> int:
    """Show a refused change: a broken hard timing rule as the page's refusal panel, any other
    rule on the form field it names. Returns the status to render with."""
    if isinstance(exc, HardRuleViolation):
        context["refused"] = _refused(exc)
    else:
        add_rule_error(form, exc)
    return exc.status


def _free_starts(booking: Booking, form: BookingMoveForm) -> list[datetime]:
    """Free start times on the chosen day in the chosen room, as shortcuts for the form."""
    resource = booking.resource
    day = timezone.localtime(booking.start, zone_info(resource.timezone)).date()
    if form.is_bound and form.is_valid():
        resource, day = form.chosen_resource(), form.cleaned_data["day"]
    zone = zone_info(resource.timezone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    periods = selectors.resource_free_slots(
        resource=resource, procedure_type=booking.procedure.procedure_type, date_from=start,
        date_to=start + timedelta(days=1))
    return queries.candidate_starts(periods, duration=booking.end - booking.start,
                                    step=SLOT_STEP, limit=SLOTS_PER_RESOURCE)


@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Cancel a booking with a reason (scheduling.services.booking_cancel, with the version the
    page was built from). The slot is free again at once."""
    require_coordinator(request)
    principal = principal_from_request(request)
    booking = booking_for(request, public_id)
    context = _booking_context(booking)
    form = BookingCancelForm(request.POST if request.method == "POST" else None,
                             initial={"version": booking.version})
    status = 200
    if request.method == "POST":
        if not context["changeable"]:
            form.add_error(None, _("Only a proposed or booked booking can be cancelled."))
            status = 409
        elif not form.is_valid():
            status = 400
        else:
            try:
                services.booking_cancel(booking=booking, principal=principal,
                                        reason=form.cleaned_data["reason"],
                                        expected_version=form.cleaned_data["version"])
            except StaleVersion:
                # Changed meanwhile: show it as it is now, keeping the reason typed.
                booking = booking_for(request, public_id)
                context.update(_booking_context(booking), stale=STALE_MESSAGE)
                form = BookingCancelForm(initial={"version": booking.version,
                                                  "reason": form.cleaned_data["reason"]})
                status = 409
            except RuleError as exc:
                status = _show_refusal(context, form, exc)
            else:
                messages.success(request, _("%(procedure)s cancelled; the slot is free again.")
                                 % {"procedure": context["label"]})
                return redirect(reverse("scheduling_web:timeline", args=[booking.plan.public_id]))
    context["form"] = form
    audit_booking_read(request, principal, context["booking"])
    return render_page(request, "scheduling/booking_cancel.html", context, status=status,
                       section="worklist")
