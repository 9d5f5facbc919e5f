"""``/plans/{id}/book/``: book a plan's procedures: pick a procedure, see free slots per
suitable room (earliest first when a clock runs), see the rule check for a chosen slot, then
confirm (scheduling.services.booking_create)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.domain.codes import ProcedureType
from cases.labels import code_label
from cases.models import PlannedProcedure, TreatmentPlan
from core.access import principal_from_request
from core.audit import audit_record
from core.dates import (
    RULE_AMBIGUOUS,
    RULE_WINDOW,
    DateLimitError,
    LocalTimeError,
    check_instant,
    local_to_aware,
    parse_day,
)
from core.errors import RuleError
from core.timezones import site_timezone
from core.web.pages import render_page
from scheduling import selectors, services
from scheduling.domain.errors import HardRuleViolation
from scheduling.domain.types import BookingStatus, Interval
from scheduling.labels import staff_kind_label
from scheduling.models import Booking, Resource
from scheduling.services import staffing
from scheduling.web import course_queries, queries
from scheduling.web.forms import OCCURRENCES, local_time_message, occurrence_choices
from scheduling.web.views.common import (
    SLOT_STEP,
    SLOTS_PER_RESOURCE,
    plan_for,
    require_coordinator,
)

SLOT_DAYS = 7


def _parse_day(raw: str, default: date) -> tuple[date, str]:
    """The week's first day from ``?day=``: the default when absent or malformed, and an error
    (the default shown instead) when outside the date window (core.dates)."""
    if not raw:
        return default, ""
    try:
        return parse_day(raw), ""
    except DateLimitError as exc:
        if exc.rule == RULE_WINDOW:
            return default, exc.message
        return default, ""


def _parse_start(raw: str, zone: ZoneInfo, occurrence: str) -> tuple[datetime | None, str,
                                                                      list[dict[str, str]]]:
    """The chosen start (``?start=``). The slot buttons send it with its UTC offset; a local
    time without one is read in the room's zone, but never shifted: one that does not exist
    (DST gap) or is ambiguous (DST overlap, unless ``occurrence`` says which) is an error, and
    for an ambiguous one the two instants are offered as choices. Returns (start, error,
    choices)."""
    if not raw:
        return None, "", []
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None, _("Not a date and time: %(value)s.") % {"value": raw[:40]}, []
    if parsed.tzinfo is None:
        try:
            parsed = local_to_aware(parsed.date(), parsed.time(), zone,
                                    fold=OCCURRENCES.get(occurrence))
        except LocalTimeError as exc:
            choices = []
            if exc.rule == RULE_AMBIGUOUS:
                choices = [{"value": moment.isoformat(), "label": label}
                           for moment, (_key, label) in zip(exc.options,
                                                            occurrence_choices(exc), strict=True)]
            return None, local_time_message(exc), choices
    try:
        return check_instant(parsed), "", []
    except DateLimitError as exc:
        return None, exc.message, []


@login_required
@require_http_methods(["GET", "POST"])
def plan_book(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Book a plan's procedures: pick a procedure, see free slots per suitable resource, see
    the rule check for a chosen slot, then confirm (scheduling.services.booking_create)."""
    require_coordinator(request)
    principal = principal_from_request(request)
    plan = plan_for(request, public_id)
    audit_record(principal=principal, action="read", object_type="plan",
                 object_id=plan.public_id, patient_pseudonym=plan.case.patient.public_id,
                 path=request.path)
    procedures = list(plan.procedures.all().order_by("sequence"))
    # A radiotherapy course is shown by its first fraction (moving or cancelling it acts on the
    # course) and how many fractions are booked.
    booked: dict[int, Booking] = {}
    fractions: dict[int, int] = {}
    for b in selectors.booking_list(principal=principal, plan=plan.public_id):
        if b.status != BookingStatus.CANCELLED:
            booked.setdefault(b.procedure_id, b)
            fractions[b.procedure_id] = fractions.get(b.procedure_id, 0) + 1
    params = request.POST if request.method == "POST" else request.GET
    chosen = next((p for p in procedures if str(p.public_id) == params.get("procedure")), None)
    if chosen is None:
        chosen = next((p for p in procedures if p.pk not in booked), None)
    tz_name = site_timezone()
    # A running clock (R9-R11) or an MSCC emergency: open on today, earliest slots first.
    urgent = (course_queries.urgency(plan=plan, procedure=chosen, tz=tz_name)
              if chosen is not None else None)
    first_day = timezone.localdate() + (timedelta(0) if urgent else timedelta(days=1))
    day, day_error = _parse_day(params.get("day", ""), first_day)
    context: dict[str, Any] = {
        "plan": plan, "pseudonym": str(plan.case.patient.public_id)[:8],
        "procedures": [{"p": p, "label": code_label("ProcedureType", p.procedure_type),
                        "booking": booked.get(p.pk),
                        "fractions": fractions.get(p.pk, 0) if p.fractions else 0}
                       for p in procedures],
        "chosen": chosen, "day": day, "prev_day": day - timedelta(days=SLOT_DAYS),
        "next_day": day + timedelta(days=SLOT_DAYS),
        "date_errors": [{"field": "day", "message": day_error}] if day_error else [],
    }
    status = 400 if day_error else 200
    if chosen is None:
        return render_page(request, "scheduling/book.html", context, status=status,
                           section="worklist")
    context["chosen_label"] = code_label("ProcedureType", chosen.procedure_type)
    context["course_size"] = (course_queries.course_size(chosen)
                              if chosen.procedure_type == ProcedureType.RADIOTHERAPY else 0)
    entry = selectors.catalogue_entry(chosen.procedure_type)
    duration = timedelta(minutes=entry.duration_minutes)
    context["duration_minutes"] = entry.duration_minutes
    resources = queries.suitable_resources(procedure_type=chosen.procedure_type)
    if resources:
        tz_name = resources[0].timezone
    zone = ZoneInfo(tz_name)
    window_from = datetime.combine(day, time.min, tzinfo=zone)
    window_to = window_from + timedelta(days=SLOT_DAYS)
    # Today's slots start from now: a start already past would be a retrospective booking.
    window_from = max(window_from, course_queries.first_start_today(timezone.now()))
    groups = []
    for resource in resources:
        starts = queries.candidate_starts(
            selectors.resource_free_slots(resource=resource,
                                          procedure_type=chosen.procedure_type,
                                          date_from=window_from, date_to=window_to),
            duration=duration, step=SLOT_STEP, limit=SLOTS_PER_RESOURCE * SLOT_DAYS,
        ) if window_from < window_to else []
        by_day: dict[date, list[datetime]] = {}
        for moment in starts:
            bucket = by_day.setdefault(moment.astimezone(zone).date(), [])
            if len(bucket) < SLOTS_PER_RESOURCE:
                bucket.append(moment)
        groups.append({"resource": resource,
                       "days": [{"day": d, "starts": v} for d, v in sorted(by_day.items())]})
    context["slot_groups"] = groups
    context["tz_name"] = tz_name
    if urgent is not None:
        urgent["starts"] = course_queries.earliest_starts(groups=groups, due=urgent["due"],
                                                          tz=tz_name)
        context["urgent"] = urgent
    resource = next((r for r in resources if str(r.public_id) == params.get("resource")), None)
    start, start_error, occurrences = _parse_start(params.get("start", ""), zone,
                                                   params.get("occurrence", ""))
    if start_error:
        context["date_errors"].append({"field": "start", "message": start_error})
        context.update(occurrences=occurrences, chosen_resource=resource)
        status = 400
    if resource is not None and start is not None:
        end = start + duration
        context.update(resource=resource, start=start.astimezone(UTC), end=end,
                       start_in_past=start < timezone.now(),
                       preview=queries.booking_preview(procedure=chosen, resource=resource,
                                                       start=start, end=end),
                       staff=_staff_context(chosen.procedure_type, Interval(start, end),
                                            params))
        if request.method == "POST" and params.get("confirm") == "1" and not day_error:
            return _confirm(request, plan, chosen, resource, start, context)
    elif request.method == "POST" and not start_error:
        messages.error(request, _("Choose a resource and a free start time first."))
    return render_page(request, "scheduling/book.html", context, status=status,
                       section="worklist")


def _staff_context(procedure_type: str, interval: Interval, params: Any) -> dict[str, Any]:
    """The people section of the rule check: per needed kind a choice ("the first free one" by
    default, who that is, and each person free or busy), and the kinds the site keeps no
    calendar for (said, not skipped silently)."""
    preview = staffing.staff_preview(procedure_type=procedure_type, interval=interval)
    return {
        "kinds": [{
            "kind": k.kind, "label": staff_kind_label(k.kind), "field": f"staff_{k.kind}",
            "proposed": k.proposed, "selected": params.get(f"staff_{k.kind}", ""),
            "options": [{"person": o.person, "free": o.free} for o in k.options],
        } for k in preview.kinds],
        "without_calendar": [staff_kind_label(k) for k in preview.without_calendar],
    }


def _named_staff(request: HttpRequest) -> list[Resource]:
    """The people chosen on the confirm form (``staff_<kind>``; blank: the first free one)."""
    ids = [v for k, v in request.POST.items() if k.startswith("staff_") and v]
    found = selectors.resources_by_public_ids(ids[:5]) if ids else []
    if len(found) != len(set(ids)):
        raise RuleError(_("One of the people chosen does not exist."), field="staff",
                        rule="does_not_exist")
    return found


def _confirm(request: HttpRequest, plan: TreatmentPlan, procedure: PlannedProcedure,
             resource: Resource, start: datetime, context: dict[str, Any]) -> HttpResponse:
    principal = principal_from_request(request)
    try:
        outcome = services.booking_create(
            procedure=procedure, resource=resource, start=start, principal=principal,
            override_reason=request.POST.get("override_reason", ""),
            retrospective_reason=request.POST.get("retrospective_reason", ""),
            staff=_named_staff(request))
    except RuleError as exc:
        # The page has no form to put the error on: a hard rule lists what it refuses, any
        # other refusal is shown above the confirm button (with its field, to open the
        # retrospective reason when that is what is missing).
        if isinstance(exc, HardRuleViolation):
            context["refused"] = [{"rule_id": v.rule_id, "message": v.message}
                                  for v in exc.violations]
        else:
            context.update(error=exc.message, error_field=exc.field)
        return render_page(request, "scheduling/book.html", context, status=exc.status,
                           section="worklist")
    label = code_label("ProcedureType", procedure.procedure_type)
    messages.success(request, _("%(procedure)s booked.") % {"procedure": label})
    for warning in outcome.warnings:
        messages.warning(request, f"{warning.rule_id}: {warning.message}")
    return redirect(reverse("scheduling_web:plan_book", args=[plan.public_id]))

