"""``/plans/{id}/board/``: the booking board (issue 13): the rooms that can take one of the plan's
procedures, day by day, with their opening hours, closures and bookings, and every free start
marked with what the timing rules make of it before anything is clicked. A start that is not
refused links to the plan booking page's rule check and confirm (the same preview and
scheduling.services.booking_create); a refused one is not a link.

The page is a CSS grid (scheduling/static/scheduling/board.css): each lane is one resource on
one day, each row a quarter hour; items are placed by classes (``r-N`` row, ``h-N`` height),
never by style attributes (the CSP forbids them).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.labels import code_label
from core.access import principal_from_request
from core.audit import audit_record
from core.dates import DateLimitError, parse_day
from core.errors import RuleError
from core.web.pages import render_page
from scheduling.domain.board import SlotStatus
from scheduling.selectors import board as board_selectors
from scheduling.web.views.common import plan_for, require_coordinator

QUARTER = 15  # minutes per grid row
MAX_ROWS = 96  # a whole day (board.css defines r-1..r-97 and h-1..h-96)

STATUS_TEXT = {
    SlotStatus.PREFERRED: gettext_lazy("preferred"),
    SlotStatus.ALLOWED: gettext_lazy("allowed"),
    SlotStatus.WARNING: gettext_lazy("allowed with a warning"),
    SlotStatus.REFUSED: gettext_lazy("refused"),
}
STATUS_ICON = {SlotStatus.PREFERRED: "★", SlotStatus.ALLOWED: "✓", SlotStatus.WARNING: "⚠",
               SlotStatus.REFUSED: "✕"}
SEVERITY_TEXT = {"hard": gettext_lazy("hard: refused"), "soft": gettext_lazy("soft: warned")}
LEGEND_TEXT = {
    SlotStatus.PREFERRED: gettext_lazy("inside the preferred window of every rule that binds it"),
    SlotStatus.ALLOWED: gettext_lazy("no rule is broken (the rules named prefer another time)"),
    SlotStatus.WARNING: gettext_lazy("allowed, but a soft rule is broken: it will be recorded"),
    SlotStatus.REFUSED: gettext_lazy("a hard rule is broken: the booking would be refused"),
}


def _minutes(moment: datetime, zone: ZoneInfo, day: date) -> int:
    """Minutes since ``day``'s midnight (local), clipped to the day."""
    local = moment.astimezone(zone)
    if local.date() < day:
        return 0
    if local.date() > day:
        return 24 * 60
    return local.hour * 60 + local.minute


def _row_range(board: board_selectors.PlanBoard, zone: ZoneInfo) -> tuple[int, int]:
    """First and last minute of the day shown (whole hours): opening hours, bookings and
    closures inside the window; 07:00-20:00 when there is nothing."""
    spans: list[tuple[int, int]] = []
    items: list[tuple[datetime, datetime]] = [
        (p.start, p.end) for periods in board.open_periods.values() for p in periods]
    items += [(b.start, b.end) for b in board.bookings]
    for start, end in items:
        day = start.astimezone(zone).date()
        spans.append((_minutes(start, zone, day), _minutes(end, zone, day)))
    if not spans:
        return 7 * 60, 20 * 60
    first = min(s for s, _e in spans) // 60 * 60
    last = -(-max(e for _s, e in spans) // 60) * 60
    return first, max(last, first + 60)


def _place(start: datetime, end: datetime, *, zone: ZoneInfo, day: date, first: int,
           last: int) -> dict[str, int] | None:
    """The grid row (1 is the first quarter shown) and height of [start, end) on ``day``, or
    None when it is not shown that day."""
    a = max(_minutes(start, zone, day), first)
    b = min(_minutes(end, zone, day), last)
    if start.astimezone(zone).date() > day or end.astimezone(zone).date() < day or b <= a:
        return None
    row = (a - first) // QUARTER + 1
    height = max(1, -(-(b - first) // QUARTER) + 1 - row)
    return {"row": min(row, MAX_ROWS), "height": min(height, MAX_ROWS + 1 - row)}


def _slot_label(slot: Any, *, procedure: str, zone: ZoneInfo) -> str:
    verdict = slot.verdict
    local = slot.start.astimezone(zone)
    text = _("%(procedure)s in %(room)s on %(day)s at %(time)s: %(verdict)s") % {
        "procedure": procedure, "room": slot.resource.name,
        "day": local.strftime("%a %d %b"), "time": local.strftime("%H:%M"),
        "verdict": STATUS_TEXT[verdict.status]}
    if verdict.rule_ids:
        text += f" ({', '.join(verdict.rule_ids)})"
    return text


def board_lanes(board: board_selectors.PlanBoard, *, plan_book_url: str) -> dict[str, Any]:
    """The board as lanes (day × resource), each with its placed items, and the hour axis."""
    zone = ZoneInfo(board.tz)
    first, last = _row_range(board, zone)
    rows = (last - first) // QUARTER
    label = code_label("ProcedureType", board.chosen.procedure_type) if board.chosen else ""
    lanes = []
    for day in board.days:
        for resource in board.resources:
            items: list[dict[str, Any]] = []
            for period in board.open_periods.get(resource.pk, []):
                if (place := _place(period.start, period.end, zone=zone, day=day, first=first,
                                    last=last)):
                    items.append({"kind": "open", **place})
            for closure in board.closures:
                if closure.resource_id != resource.pk or closure.kind == "extra":
                    continue
                if (place := _place(closure.start, closure.end, zone=zone, day=day,
                                    first=first, last=last)):
                    items.append({"kind": "closure", "text": closure.reason
                                  or closure.get_kind_display(), **place})
            for booking in board.bookings:
                if booking.resource_id != resource.pk:
                    continue
                if (place := _place(booking.start, booking.end, zone=zone, day=day,
                                    first=first, last=last)):
                    items.append({
                        "kind": "booking", "booking": booking,
                        "pseudonym": str(booking.patient.public_id)[:8],
                        "procedure": code_label("ProcedureType",
                                                booking.procedure.procedure_type),
                        "own": booking.plan_id == board.plan.pk,
                        "start": booking.start, "end": booking.end, **place})
            for slot in board.slots:
                if slot.resource.pk != resource.pk or slot.start.astimezone(zone).date() != day:
                    continue
                place = _place(slot.start, slot.start + timedelta(minutes=30), zone=zone,
                               day=day, first=first, last=last)
                if place is None:
                    continue
                status = slot.verdict.status
                href = ""
                if status != SlotStatus.REFUSED:
                    href = plan_book_url + "?" + urlencode({
                        "procedure": str(board.chosen.public_id) if board.chosen else "",
                        "day": slot.start.astimezone(zone).date().isoformat(),
                        "resource": str(resource.public_id),
                        "start": slot.start.astimezone(zone).isoformat()}) + "#check"
                items.append({
                    "kind": "slot", "status": status.value, "icon": STATUS_ICON[status],
                    "status_text": STATUS_TEXT[status], "rules": ", ".join(slot.verdict.rule_ids),
                    "start": slot.start, "href": href,
                    "label": _slot_label(slot, procedure=label, zone=zone),
                    "data": f"{resource.code}|{slot.start.astimezone(zone):%Y-%m-%d %H:%M}"
                            f"|{status.value}", **place})
            lanes.append({"day": day, "resource": resource, "items": items})
    hours = [{"text": f"{m // 60:02d}:00", "row": (m - first) // QUARTER + 1, "height": 4}
             for m in range(first, last, 60)]
    return {"lanes": lanes, "hours": hours, "rows": rows}


@login_required
def plan_board(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The booking board of one plan (``?procedure=&day=&view=day|week``)."""
    require_coordinator(request)
    principal = principal_from_request(request)
    plan = plan_for(request, public_id)
    audit_record(principal=principal, action="read", object_type="plan",
                 object_id=plan.public_id, patient_pseudonym=plan.case.patient.public_id,
                 path=request.path)
    errors: list[dict[str, str]] = []
    default_day = timezone.localdate() + timedelta(days=1)
    day = default_day
    if request.GET.get("day"):
        try:
            day = parse_day(request.GET["day"])
        except DateLimitError as exc:
            errors.append({"field": "day", "message": exc.message})
    view = request.GET.get("view", "") or "day"
    try:
        days = board_selectors.parse_view(view)
    except RuleError as exc:
        errors.append({"field": "view", "message": exc.message})
        view, days = "day", 1
    try:
        board = board_selectors.plan_board(plan=plan, procedure=request.GET.get("procedure", ""),
                                           first_day=day, days=days, now=timezone.now())
    except RuleError as exc:
        errors.append({"field": exc.field or "procedure", "message": exc.message})
        board = board_selectors.plan_board(plan=plan, first_day=day, days=days,
                                           now=timezone.now())
    book_url = reverse("scheduling_web:plan_book", args=[plan.public_id])
    step = timedelta(days=days)
    context: dict[str, Any] = {
        "plan": plan, "board": board, "pseudonym": str(plan.case.patient.public_id)[:8],
        "view": view, "day": day, "prev_day": day - step, "next_day": day + step,
        "errors": errors, "book_url": book_url,
        "procedures": [{
            **row, "label": code_label("ProcedureType", row["procedure"].procedure_type),
            "purpose": code_label("ProcedurePurpose", row["procedure"].purpose),
            "target": row["procedure"].target_lesion if row["procedure"].target_lesion_id
            else None,
        } for row in board.procedures],
        "chosen_label": (code_label("ProcedureType", board.chosen.procedure_type)
                         if board.chosen else ""),
        "legend": [{"status": s.value, "icon": STATUS_ICON[s], "text": STATUS_TEXT[s],
                    "meaning": LEGEND_TEXT[s]} for s in SlotStatus],
        "bands": [{"rule_id": b.rule_id, "severity": str(b.severity),
                   "severity_label": SEVERITY_TEXT.get(str(b.severity), str(b.severity)),
                   "rationale": board.rules.get(b.rule_code, {}).get("rationale", "")}
                  for b in board.bands],
        **board_lanes(board, plan_book_url=book_url),
    }
    return render_page(request, "scheduling/board.html", context,
                       status=400 if errors else 200, section="worklist")
