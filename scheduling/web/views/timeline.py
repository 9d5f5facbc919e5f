"""``/plans/{id}/timeline/``: the treatment timeline, one lane per procedure with its bookings
and their times, a "now" line, a legend for every mark, red only for bookings that break a rule,
and the rule windows only for the booking (``?booking=``) or procedure (``?procedure=``)
selected."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases.labels import code_label
from core.access import principal_from_request
from core.audit import audit_record
from core.dates import DateLimitError, check_range, parse_day, timeline_max_days
from core.timezones import site_timezone
from core.web.pages import render_page
from scheduling.web import queries
from scheduling.web.views.common import plan_for

WIDTH = 1100
GUTTER = 230
ROW = 96
TOP = 46
BAR_H = 34


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


def _now() -> datetime:
    """The moment the "now" line marks (one place, so tests can pin it)."""
    return timezone.now()


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
    """The plan's bookings over time as SVG: one lane per procedure, bookings with their times,
    a "now" line, red only for bookings that break a rule; ``?booking=`` (or ``?procedure=`` for
    one not booked yet) shades only the windows the rules give for that selection.

    ``?from=`` and ``?to=`` (dates) choose the days drawn, inside the date window and at most
    BOARDSVC_TIMELINE_MAX_DAYS long; otherwise the error is shown (400) with the default range.
    """
    principal = principal_from_request(request)
    plan = plan_for(request, public_id)
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
    # The selection: a booking (its procedure's windows) or a procedure not booked yet.
    chosen_booking = request.GET.get("booking", "")
    chosen_procedure = request.GET.get("procedure", "")
    rows = []
    for index, row in enumerate(data["rows"]):
        y = TOP + index * ROW
        procedure = row["procedure"]
        ids = {str(b.public_id) for b in row["bookings"]}
        selected = (chosen_booking in ids if chosen_booking
                    else bool(chosen_procedure) and chosen_procedure == str(procedure.public_id))
        bars = []
        for b in row["bookings"]:
            x = _x(b.start, lo, hi)
            bars.append({
                "booking": b, "x": x, "w": max(6.0, _x(b.end, lo, hi) - x),
                "y": y + 30, "h": BAR_H, "text_y": y + 30 + BAR_H + 16,
                "violated": b.public_id in row["violated"],
                "selected": chosen_booking == str(b.public_id),
                "visible": b.end > lo and b.start < hi, "resource": b.resource.name})
        rows.append({
            "y": y, "label_y": y + 36, "sub_y": y + 56, "procedure": procedure,
            "label": code_label("ProcedureType", procedure.procedure_type),
            "purpose": code_label("ProcedurePurpose", procedure.purpose)
            if procedure.purpose else "",
            "target": str(procedure.target_lesion) if procedure.target_lesion_id else "",
            "selected": selected,
            "windows": _lanes(row["windows"], y=y, lo=lo, hi=hi) if selected else [],
            "bars": bars,
        })
    now = _now()
    now_x = _x(now, lo, hi) if lo <= now < hi else None
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
    shown = [w for row in rows for w in row["windows"]]
    bars = [b for row in rows for b in row["bars"] if b["visible"]]
    legend = [{"kind": "booking", "text": _("Booking (start–end time below it)")}]
    if any(b["violated"] for b in bars):
        legend.append({"kind": "violation", "text": _("Booking that breaks a timing rule")})
    if any(b["selected"] for b in bars):
        legend.append({"kind": "selected", "text": _("Selected booking")})
    if any(w["severity"] == "hard" for w in shown):
        legend.append({"kind": "window-hard",
                       "text": _("Allowed window of a hard rule (labelled with the rule)")})
    if any(w["severity"] != "hard" for w in shown):
        legend.append({"kind": "window-soft",
                       "text": _("Preferred window of a soft rule (labelled with the rule)")})
    if now_x is not None:
        legend.append({"kind": "now", "text": _("Now")})
    if ticks:
        legend.append({"kind": "day", "text": _("Start of a day (midnight, %(zone)s)")
                       % {"zone": tz_name}})
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
        "max_days": timeline_max_days(), "now_x": now_x, "now": now, "legend": legend,
        "selection": any(row["selected"] for row in rows),
        "range_qs": "".join(f"{k}={v.isoformat()}&" for k, v in days.items()),
    }, status=400 if date_errors else 200,
        section="worklist" if principal.is_coordinator else "cases")

