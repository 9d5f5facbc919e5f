"""Coordinator pages: the booking worklist, the booking page (free slots, the rule check shown
before confirming) and the treatment timeline (SVG).

Views parse, authorise (coordinators book; members may read a visible plan's timeline), call
one scheduling service or selector, and render. Writes go through scheduling.services only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from cases.domain.codes import ProcedureType
from cases.models import PlannedProcedure, TreatmentPlan
from cases.web.labels import code_label
from core.access import Principal, principal_from_request
from core.audit import audit_record, audit_record_many
from core.dates import (
    RULE_AMBIGUOUS,
    RULE_WINDOW,
    DateLimitError,
    LocalTimeError,
    check_instant,
    check_range,
    local_to_aware,
    parse_day,
    timeline_max_days,
)
from core.timezones import site_timezone, zone_info, zone_name
from core.web.pages import render_page
from scheduling import courses, selectors, services
from scheduling.domain.errors import HardRuleViolation, SchedulingError
from scheduling.models import Booking, Resource, Violation
from scheduling.web import course_queries, queries
from scheduling.web.forms import (
    OCCURRENCES,
    BookingCancelForm,
    BookingMoveForm,
    ViolationAcknowledgeForm,
    local_time_message,
    occurrence_choices,
)

PAGE_SIZE = 20
SLOT_DAYS = 7
SLOT_STEP = timedelta(hours=1)
SLOTS_PER_RESOURCE = 12  # start times offered per room and day


def _require_coordinator(request: HttpRequest) -> None:
    if not principal_from_request(request).is_coordinator:
        raise PermissionDenied


def _plan(request: HttpRequest, public_id: Any) -> TreatmentPlan:
    # plan_get applies the case scope and answers 404 outside it.
    return selectors.plan_get(principal=principal_from_request(request), public_id=public_id)


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    """Decided plans waiting to be booked, and rule violations to resolve."""
    _require_coordinator(request)
    principal = principal_from_request(request)
    plans = Paginator(queries.plans_waiting(principal=principal), PAGE_SIZE).get_page(
        request.GET.get("page"))
    violations = Paginator(queries.violations_open(principal=principal), PAGE_SIZE).get_page(
        request.GET.get("vpage"))
    # One audit row per plan and per violation shown (S8), one INSERT each: no N+1.
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
    _require_coordinator(request)
    principal = principal_from_request(request)
    plan = _plan(request, public_id)
    audit_record(principal=principal, action="read", object_type="plan",
                 object_id=plan.public_id, patient_pseudonym=plan.case.patient.public_id,
                 path=request.path)
    procedures = list(plan.procedures.all().order_by("sequence"))
    # A radiotherapy course is shown by its first fraction (moving or cancelling it acts on the
    # course) and how many fractions are booked.
    booked: dict[int, Booking] = {}
    fractions: dict[int, int] = {}
    for b in selectors.booking_list(principal=principal, plan=plan.public_id):
        if b.status != "cancelled":
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
                                                       start=start, end=end))
        if request.method == "POST" and params.get("confirm") == "1" and not day_error:
            return _confirm(request, plan, chosen, resource, start, context)
    elif request.method == "POST" and not start_error:
        messages.error(request, _("Choose a resource and a free start time first."))
    return render_page(request, "scheduling/book.html", context, status=status,
                       section="worklist")


def _confirm(request: HttpRequest, plan: TreatmentPlan, procedure: PlannedProcedure,
             resource: Resource, start: datetime, context: dict[str, Any]) -> HttpResponse:
    principal = principal_from_request(request)
    try:
        outcome = services.booking_create(
            procedure=procedure, resource=resource, start=start, principal=principal,
            override_reason=request.POST.get("override_reason", ""),
            retrospective_reason=request.POST.get("retrospective_reason", ""))
    except HardRuleViolation as exc:
        context["refused"] = [{"rule_id": v.rule_id, "message": v.message}
                              for v in exc.violations]
        return render_page(request, "scheduling/book.html", context, status=409,
                           section="worklist")
    except SchedulingError as exc:
        context["error"] = exc.message
        context["error_field"] = exc.field
        conflict = exc.rule in ("slot_taken", "one_active_booking_per_procedure",
                                "same_session")
        return render_page(request, "scheduling/book.html", context,
                           status=409 if conflict else 400, section="worklist")
    label = code_label("ProcedureType", procedure.procedure_type)
    messages.success(request, _("%(procedure)s booked.") % {"procedure": label})
    for warning in outcome.warnings:
        messages.warning(request, f"{warning.rule_id}: {warning.message}")
    return redirect(reverse("scheduling_web:plan_book", args=[plan.public_id]))


# --- timeline -----------------------------------------------------------------------------------

WIDTH = 1100
GUTTER = 230
ROW = 84
TOP = 46


def _x(moment: datetime, lo: datetime, hi: datetime) -> float:
    span = (hi - lo).total_seconds() or 1.0
    ratio = (moment - lo).total_seconds() / span
    return round(GUTTER + max(0.0, min(1.0, ratio)) * (WIDTH - GUTTER - 20), 1)


def _lanes(windows: list[dict[str, Any]], *, y: int, lo: datetime,
           hi: datetime) -> list[dict[str, Any]]:
    """One thin lane per rule window inside the procedure's row, so overlapping windows of
    different rules stay readable (each labelled with its rule id)."""
    ordered = sorted(windows, key=lambda w: (w["rule_id"], w["severity"], w["start"]))
    lane = (ROW - 12) / max(1, len(ordered))
    out = []
    for index, window in enumerate(ordered):
        x = _x(window["start"], lo, hi)
        top = round(y + 6 + index * lane, 1)
        out.append({**window, "x": x, "w": max(3.0, _x(window["end"], lo, hi) - x),
                    "y": top, "h": round(max(4.0, lane - 2), 1),
                    "text_y": round(top + min(lane, 16) - 4, 1)})
    return out


MAX_TICKS = 31


def _timeline_days(request: HttpRequest) -> tuple[dict[str, date], list[dict[str, str]]]:
    """``?from=`` / ``?to=`` as dates in the window, at most BOARDSVC_TIMELINE_MAX_DAYS apart;
    on any error, no days (the default range) and the errors naming each field."""
    days: dict[str, date] = {}
    errors: list[dict[str, str]] = []
    for name in ("from", "to"):
        raw = request.GET.get(name, "")
        if not raw:
            continue
        try:
            days[name] = parse_day(raw)
        except DateLimitError as exc:
            errors.append({"field": name, "message": exc.message})
    if not errors and "from" in days and "to" in days:
        try:
            check_range(days["from"], days["to"], max_days=timeline_max_days())
        except DateLimitError as exc:
            errors.append({"field": "to", "message": exc.message})
    return ({} if errors else days), errors


@login_required
@require_GET
def timeline(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The plan's bookings over time as SVG: each rule's allowed window shaded, violations red.

    ``?from=`` and ``?to=`` (dates) choose the days drawn, inside the date window and at most
    BOARDSVC_TIMELINE_MAX_DAYS long; otherwise the error is shown (400) with the default range.
    """
    principal = principal_from_request(request)
    plan = _plan(request, public_id)
    days, date_errors = _timeline_days(request)
    data = queries.timeline(plan=plan, first_day=days.get("from"), last_day=days.get("to"),
                            max_days=timeline_max_days())
    lo, hi = data["lo"], data["hi"]
    tz_name = site_timezone()
    for row in data["rows"]:
        if row["bookings"]:
            tz_name = row["bookings"][0].resource.timezone
            break
    zone = ZoneInfo(tz_name)
    rows = []
    for index, row in enumerate(data["rows"]):
        y = TOP + index * ROW
        rows.append({
            "y": y, "label_y": y + ROW / 2 + 5,
            "label": code_label("ProcedureType", row["procedure"].procedure_type),
            "windows": _lanes(row["windows"], y=y, lo=lo, hi=hi),
            "bars": [
                {"booking": b, "x": _x(b.start, lo, hi),
                 "w": max(6.0, _x(b.end, lo, hi) - _x(b.start, lo, hi)),
                 "y": y + 16, "h": ROW - 32, "violated": b.public_id in row["violated"],
                 "visible": b.end > lo and b.start < hi,
                 "resource": b.resource.name} for b in row["bookings"]],
        })
    ticks = []
    day = lo.astimezone(zone).date() + timedelta(days=1)
    step = timedelta(days=max(1, -(-(hi - lo).days // MAX_TICKS)))  # readable labels
    while True:
        moment = datetime.combine(day, time.min, tzinfo=zone)
        if moment >= hi:
            break
        ticks.append({"x": _x(moment, lo, hi), "day": day})
        day += step
    height = TOP + max(1, len(rows)) * ROW + 10
    violations = [
        {"rule_id": v.rule_id, "severity": str(v.severity), "message": v.message,
         "rationale": data["texts"][v.rule_code].rationale if v.rule_code in data["texts"] else "",
         "source": data["texts"][v.rule_code].source if v.rule_code in data["texts"] else ""}
        for v in data["violations"]
    ]
    audit_record(principal=principal, action="read", object_type="plan",
                 object_id=plan.public_id, patient_pseudonym=plan.case.patient.public_id,
                 path=request.path)
    return render_page(request, "scheduling/timeline.html", {
        "plan": plan, "pseudonym": str(plan.case.patient.public_id)[:8], "rows": rows,
        "ticks": ticks, "width": WIDTH, "height": height, "gutter": GUTTER, "tz_name": tz_name,
        "violations": violations, "top": TOP, "date_errors": date_errors,
        "verdicts": data["verdicts"], "not_applicable": data["not_applicable"],
        "skipped": data["skipped"],
        "range_from": lo.astimezone(zone).date(), "range_to": (hi - timedelta(seconds=1))
        .astimezone(zone).date(), "clamped": data["clamped"],
        "max_days": timeline_max_days(),
    }, status=400 if date_errors else 200,
        section="worklist" if principal.is_coordinator else "cases")


# --- violations -----------------------------------------------------------------------------------


def _violation_context(request: HttpRequest, violation: Violation,
                       form: ViolationAcknowledgeForm) -> dict[str, Any]:
    bookings = queries.violation_bookings(violation=violation)
    return {
        "violation": violation, "form": form,
        "pseudonym": str(violation.plan.case.patient.public_id)[:8],
        "bookings": [{"b": b, "label": code_label("ProcedureType", b.procedure.procedure_type),
                      "changeable": b.status in CHANGEABLE} for b in bookings],
        "can_acknowledge": violation.severity == "soft"
        and violation.status == Violation.Status.OPEN,
    }


@login_required
@require_http_methods(["GET", "POST"])
def violation_acknowledge(request: HttpRequest, public_id: Any) -> HttpResponse:
    """One timing-rule violation: what is wrong, why the rule exists, the bookings involved
    (with move and cancel links) and, for an open soft violation, accepting it with a reason
    (scheduling.services.violation_acknowledge). A hard violation cannot be accepted: the page
    says so and offers the moves that resolve it."""
    _require_coordinator(request)
    principal = principal_from_request(request)
    try:
        violation = queries.violation_get(principal=principal, public_id=public_id)
    except Violation.DoesNotExist:
        raise Http404 from None
    form = ViolationAcknowledgeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.violation_acknowledge(violation=violation, principal=principal,
                                               reason=form.cleaned_data["reason"])
            except ValueError:
                # The service refuses hard and resolved violations (someone else may have
                # resolved it meanwhile): say so on the page rather than failing.
                form.add_error(None, _("Only an open soft violation can be accepted. "
                                       "It may have been resolved in the meantime."))
                status = 409
            else:
                messages.success(request, _("%(rule)s accepted with your reason.")
                                 % {"rule": violation.rule_id})
                return redirect(reverse("scheduling_web:worklist"))
        else:
            status = 400
        violation = queries.violation_get(principal=principal, public_id=public_id)
    audit_record(principal=principal, action="read", object_type="violation",
                 object_id=violation.public_id,
                 patient_pseudonym=violation.plan.case.patient.public_id, path=request.path)
    return render_page(request, "scheduling/violation.html",
                       _violation_context(request, violation, form), status=status,
                       section="worklist")


# --- moving and cancelling a booking --------------------------------------------------------------

CHANGEABLE = ("proposed", "booked")
STALE_MESSAGE = gettext_lazy("This booking was changed by someone else while you were looking at it. "
                             "Its current time is shown below; check it and try again.")


def _booking(request: HttpRequest, public_id: Any) -> Booking:
    # booking_get applies the case scope and answers 404 outside it.
    return selectors.booking_get(principal=principal_from_request(request), public_id=public_id)


def _booking_context(booking: Booking) -> dict[str, Any]:
    # A radiotherapy fraction is moved and cancelled with its course (scheduling.courses): the
    # pages list the fractions not yet done.
    course = ([b for b in courses.course_fractions(booking) if b.status in courses.CHANGEABLE]
              if booking.fraction_number is not None else [])
    return {
        "booking": booking, "plan": booking.plan, "course": course,
        "pseudonym": str(booking.patient.public_id)[:8],
        "label": code_label("ProcedureType", booking.procedure.procedure_type),
        "changeable": booking.status in CHANGEABLE,
        "tz_name": zone_name(booking.resource.timezone),
    }


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
    _require_coordinator(request)
    principal = principal_from_request(request)
    booking = _booking(request, public_id)
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
            except services.StaleVersion:
                booking = _booking(request, public_id)
                context.update(_booking_context(booking), stale=STALE_MESSAGE,
                               form=_move_form(booking), preview=None)
                status = 409
            except HardRuleViolation as exc:
                context["refused"] = [{"rule_id": v.rule_id, "severity": "hard",
                                       "message": v.message} for v in exc.violations]
                status = 409
            except SchedulingError as exc:
                form.add_error(exc.field if exc.field in form.fields and exc.field != "start"
                               else None, exc.message)
                status = 409 if exc.rule in ("slot_taken", "status", "same_session") else 400
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
    _audit_booking_read(request, principal, context["booking"])
    return render_page(request, "scheduling/booking_move.html", context, status=status,
                       section="worklist")


def _audit_booking_read(request: HttpRequest, principal: Principal, booking: Booking) -> None:
    """The move and cancel pages show a booking and its patient: one read row (S8)."""
    audit_record(principal=principal, action="read", object_type="booking",
                 object_id=booking.public_id, patient_pseudonym=booking.patient.public_id,
                 path=request.path)


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
    _require_coordinator(request)
    principal = principal_from_request(request)
    booking = _booking(request, public_id)
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
            except services.StaleVersion:
                booking = _booking(request, public_id)
                context.update(_booking_context(booking), stale=STALE_MESSAGE)
                form = BookingCancelForm(initial={"version": booking.version,
                                                  "reason": form.cleaned_data["reason"]})
                status = 409
            except HardRuleViolation as exc:
                context["refused"] = [{"rule_id": v.rule_id, "severity": "hard",
                                       "message": v.message} for v in exc.violations]
                status = 409
            except SchedulingError as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                messages.success(request, _("%(procedure)s cancelled; the slot is free again.")
                                 % {"procedure": context["label"]})
                return redirect(reverse("scheduling_web:timeline", args=[booking.plan.public_id]))
    context["form"] = form
    _audit_booking_read(request, principal, context["booking"])
    return render_page(request, "scheduling/booking_cancel.html", context, status=status,
                       section="worklist")
