"""``/plans/{id}/board/``: the booking board (issue 13): the rooms that can take one of the plan's
procedures, day by day, with their opening hours, closures and bookings, and every free start
marked with what the timing rules make of it before anything is clicked. A start that is not
refused links to the plan booking page's rule check and confirm (the same preview and
scheduling.services.booking_create); a refused one is not a link.

The page is a CSS grid (scheduling/static/scheduling/board.css): each lane is one resource on
one day, each row a quarter hour; items are placed by classes (``r-N`` row, ``h-N`` height),
never by style attributes (the CSP forbids them).

Above the grid, "Best starts for <procedure>": the chosen procedure's five best starts in the
days shown, from the grid's own verdicts (scheduling.domain.board.best_starts).

The plan's own changeable bookings (proposed or booked) can be moved from the board: each has a
plain "Move" link to ``/bookings/{id}/move/``, and carries ``draggable``, ``data-move-url`` and
``data-version``; every start carries the move page's "Check the rules" parameters
(``data-move-day``, ``data-move-time`` in the room's zone, ``data-move-resource``).
scheduling/static/scheduling/board.js (a served script, no inline handlers) turns a drop, or
Enter on a start after picking the booking up with the keyboard, into that GET: the same preview
and service as a manual move. A refused start says why and goes nowhere.

Each booking card names the people booked with it (operator, anaesthesia team: read in one
query for the rooms shown, scheduling.selectors.board.board_people).

The week view shows ``ROOMS_PER_PAGE`` rooms at a time (``?rooms=2`` is the second page), with
plain links to the other rooms; the day view shows every room. The verdicts and the "Best
starts" are still computed over every room (the selector reads them all); only the lanes drawn,
the people and the patients identified are the page's. Items are grouped by (room, day) once, so
drawing costs what is shown, not rooms × days × items.

Viewers entitled to know who a patient is (cases.selectors.may_identify) see the patient of
every booking shown identified, audited in one insert per request naming every patient shown
(cases.selectors.patient_identity); others see the pseudonym.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases import selectors as case_selectors
from cases.labels import code_label
from core.access import principal_from_request
from core.audit import audit_record
from core.dates import DateLimitError, parse_day
from core.errors import RuleError
from core.timezones import zone_info
from core.web.localized import localized_name
from core.web.pages import render_page
from scheduling.domain.board import SlotStatus, best_starts
from scheduling.domain.plan_solver import PlanProposal, ProposedBooking
from scheduling.domain.types import CHANGEABLE_STATUSES
from scheduling.labels import staff_kind_label
from scheduling.selectors import board as board_selectors
from scheduling.services import proposals
from scheduling.web.board_html import lanes_html
from scheduling.web.views.common import plan_for, require_coordinator

QUARTER = 15  # minutes per grid row
MAX_ROWS = 96  # a whole day (board.css defines r-1..r-97 and h-1..h-96)
DAY_MINUTES = 24 * 60
#: Rooms per page in the week view (``?rooms=N``); the day view shows every room.
ROOMS_PER_PAGE = 8

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


def _day_spans(start: datetime, end: datetime, *, zone: ZoneInfo, lo: datetime,
               hi: datetime) -> list[tuple[date, int, int]]:
    """The part of [start, end) inside [lo, hi) on each local day it touches, as (day, first
    minute, last minute) since that day's midnight. A booking from 23:00 to 01:00 gives the end
    of one day and the start of the next; one that began before ``lo`` starts at 00:00."""
    a, b = max(start, lo).astimezone(zone), min(end, hi).astimezone(zone)
    spans: list[tuple[date, int, int]] = []
    day = a.date()
    while a < b:
        first = a.hour * 60 + a.minute if day == a.date() else 0
        last = DAY_MINUTES if b.date() > day else b.hour * 60 + b.minute + (b.second > 0)
        if last > first:
            spans.append((day, first, last))
        if b.date() <= day:
            break
        day += timedelta(days=1)
    return spans


def _row_range(board: board_selectors.PlanBoard, zone: ZoneInfo) -> tuple[int, int]:
    """First and last minute of the day shown (whole hours): opening hours, and bookings inside
    the window (the part of a booking that began the day before too); 07:00-20:00 when there is
    nothing. The same for every page of rooms."""
    first, last = DAY_MINUTES, 0
    items: list[tuple[datetime, datetime]] = [
        (p.start, p.end) for periods in board.open_periods.values() for p in periods]
    items += [(b.start, b.end) for b in board.bookings]
    for start, end in items:
        for _day, a, b in _day_spans(start, end, zone=zone, lo=board.lo, hi=board.hi):
            first, last = min(first, a), max(last, b)
    if last <= first:
        return 7 * 60, 20 * 60
    first = first // 60 * 60
    last = -(-last // 60) * 60
    return first, max(last, first + 60)


def _place(a: int, b: int, *, first: int, last: int) -> dict[str, int] | None:
    """The grid row (1 is the first quarter shown) and height of minutes [a, b) of a day, or
    None when that part is outside the rows shown."""
    a, b = max(a, first), min(b, last)
    if b <= a:
        return None
    row = (a - first) // QUARTER + 1
    height = max(1, -(-(b - first) // QUARTER) + 1 - row)
    return {"row": min(row, MAX_ROWS), "height": min(height, MAX_ROWS + 1 - row)}


def rooms_page(resources: list[Any], *, view: str, raw: str | None) -> dict[str, Any]:
    """Which rooms the page draws: all of them in the day view; ``ROOMS_PER_PAGE`` of them in
    the week view, page ``raw`` (``?rooms=``, 1 when absent). RuleError naming ``rooms`` for a
    page that is not a whole number from 1 to the number of pages."""
    count = len(resources)
    size = count if view != "week" else ROOMS_PER_PAGE
    pages = max(1, -(-count // size)) if size else 1
    number = 1
    if raw not in (None, ""):
        try:
            number = int(str(raw))
        except ValueError:
            number = 0
        if not 1 <= number <= pages:
            raise RuleError(_("Use a page of rooms from 1 to %(n)d.") % {"n": pages},
                            field="rooms", rule="range")
    first = (number - 1) * size
    shown = resources[first:first + size] if size else []
    return {"number": number, "pages": pages, "count": count, "resources": shown,
            "first": first + 1 if shown else 0, "last": first + len(shown),
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < pages else None,
            "links": [{"number": k + 1, "first": resources[k * size].code,
                       "last": resources[min(count, (k + 1) * size) - 1].code,
                       "current": k + 1 == number} for k in range(pages)] if pages > 1 else []}


def page_of_room(resources: list[Any], resource_pk: int, *, view: str) -> int:
    """The page of rooms (``rooms_page``) that shows the room ``resource_pk`` (1 if none)."""
    if view != "week":
        return 1
    index = next((k for k, r in enumerate(resources) if r.pk == resource_pk), 0)
    return index // ROOMS_PER_PAGE + 1


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


def _slot_href(slot: Any, *, board: board_selectors.PlanBoard, plan_book_url: str,
               zone: ZoneInfo) -> str:
    """The plan booking page's rule check for a start that is not refused ("" when refused)."""
    if slot.verdict.status == SlotStatus.REFUSED:
        return ""
    return plan_book_url + "?" + urlencode({
        "procedure": str(board.chosen.public_id) if board.chosen else "",
        "day": slot.start.astimezone(zone).date().isoformat(),
        "resource": str(slot.resource.public_id),
        "start": slot.start.astimezone(zone).isoformat()}) + "#check"


def _move_target(slot: Any) -> dict[str, str]:
    """Where a booking dropped on ``slot`` goes: the move page's "Check the rules" parameters
    (``day`` and ``time`` in the room's own zone, as BookingMoveForm reads them, and
    ``resource``). board.js adds the booking's ``version``."""
    local = slot.start.astimezone(zone_info(slot.resource.timezone))
    return {"day": local.date().isoformat(), "time": f"{local:%H:%M}",
            "resource": str(slot.resource.public_id)}


def _people(booking: board_selectors.BoardBooking) -> list[dict[str, str]]:
    return [{"name": localized_name(p), "kind": staff_kind_label(p.kind), "code": p.code}
            for p in booking.staff]


def board_lanes(board: board_selectors.PlanBoard, *, plan_book_url: str,
                identities: dict[int, Any] | None = None,
                resources: list[Any] | None = None) -> dict[str, Any]:
    """The board as lanes (day × resource) for ``resources`` (every room of the board when
    None), each with its placed items, and the hour axis.

    Opening hours, closures, bookings and starts are grouped by (room, local day) in one pass
    each, so drawing a lane costs its own items. ``identities`` ({case pk: PatientIdentity},
    from cases.selectors.patient_identity) names the patient of each booking for a viewer
    entitled to know; others see the pseudonym."""
    identities = identities or {}
    shown = board.resources if resources is None else resources
    shown_pks = {r.pk for r in shown}
    zone = ZoneInfo(board.tz)
    lo, hi = board.lo, board.hi
    first, last = _row_range(board, zone)
    rows = (last - first) // QUARTER
    label = code_label("ProcedureType", board.chosen.procedure_type) if board.chosen else ""
    labels: dict[str, str] = {}
    buckets: dict[tuple[int, date], list[dict[str, Any]]] = {}

    def put(resource_pk: int, start: datetime, end: datetime, item: dict[str, Any]) -> None:
        for day, a, b in _day_spans(start, end, zone=zone, lo=lo, hi=hi):
            if (place := _place(a, b, first=first, last=last)):
                buckets.setdefault((resource_pk, day), []).append({**item, **place})

    for resource_pk, periods in board.open_periods.items():
        if resource_pk in shown_pks:
            for period in periods:
                put(resource_pk, period.start, period.end, {"kind": "open"})
    for closure in board.closures:
        if closure.resource_id in shown_pks and closure.kind != "extra":
            put(closure.resource_id, closure.start, closure.end,
                {"kind": "closure", "text": closure.reason or closure.get_kind_display()})
    for booking in board.bookings:
        if booking.resource_id not in shown_pks:
            continue
        own = booking.plan_id == board.plan.pk
        movable = own and booking.status in CHANGEABLE_STATUSES
        if booking.procedure_type not in labels:
            labels[booking.procedure_type] = code_label("ProcedureType", booking.procedure_type)
        put(booking.resource_id, booking.start, booking.end, {
            "kind": "booking", "booking": booking, "pseudonym": str(booking.pseudonym)[:8],
            "identity": identities.get(booking.case_id),
            "procedure": labels[booking.procedure_type], "people": _people(booking),
            "own": own, "movable": movable,
            "move_url": (reverse("scheduling_web:booking_move", args=[booking.public_id])
                         if movable else ""),
            "start": booking.start, "end": booking.end})
    for slot in board.slots:
        if slot.resource.pk not in shown_pks:
            continue
        local = slot.start.astimezone(zone)
        minute = local.hour * 60 + local.minute
        place = _place(minute, minute + 30, first=first, last=last)
        if place is None:
            continue
        status = slot.verdict.status
        buckets.setdefault((slot.resource.pk, local.date()), []).append({
            "kind": "slot", "status": status.value, "icon": STATUS_ICON[status],
            "status_text": STATUS_TEXT[status], "rules": ", ".join(slot.verdict.rule_ids),
            "start": slot.start,
            "href": _slot_href(slot, board=board, plan_book_url=plan_book_url, zone=zone),
            "move": _move_target(slot), "label": _slot_label(slot, procedure=label, zone=zone),
            "data": f"{slot.resource.code}|{local:%Y-%m-%d %H:%M}|{status.value}", **place})
    lanes = [{"day": day, "resource": resource, "items": buckets.get((resource.pk, day), [])}
             for day in board.days for resource in shown]
    hours = [{"text": f"{m // 60:02d}:00", "row": (m - first) // QUARTER + 1, "height": 4}
             for m in range(first, last, 60)]
    return {"lanes": lanes, "hours": hours, "rows": rows, "first_minute": first,
            "last_minute": last}


def best_start_rows(board: board_selectors.PlanBoard, *, plan_book_url: str
                    ) -> list[dict[str, Any]]:
    """"Best starts for <procedure>": the chosen procedure's best starts in the days shown
    (scheduling.domain.board.best_starts over the board's own verdicts), each linking to the
    same rule check as its grid slot."""
    zone = ZoneInfo(board.tz)
    label = code_label("ProcedureType", board.chosen.procedure_type) if board.chosen else ""
    return [{
        "room": slot.resource, "start": slot.start.astimezone(zone),
        "status": slot.verdict.status.value, "icon": STATUS_ICON[slot.verdict.status],
        "status_text": STATUS_TEXT[slot.verdict.status],
        "rules": ", ".join(slot.verdict.rule_ids),
        "href": _slot_href(slot, board=board, plan_book_url=plan_book_url, zone=zone),
        "label": _slot_label(slot, procedure=label, zone=zone),
        "data": f"{slot.resource.code}|{slot.start.astimezone(zone):%Y-%m-%d %H:%M}"
                f"|{slot.verdict.status.value}",
    } for slot in best_starts(board.slots, start=lambda s: s.start,
                              verdict=lambda s: s.verdict)]


def _identities(request: HttpRequest, board: board_selectors.PlanBoard,
                resources: list[Any]) -> dict[int, Any]:
    """Who the patient of the plan and of every booking in ``resources`` (the rooms the page
    shows) is, for a viewer entitled to know (cases.selectors.may_identify): one query for the
    cases, one for the hospital numbers and one audit insert naming every patient shown; {}
    (nothing read, nothing audited) for anyone else."""
    principal = principal_from_request(request)
    if not case_selectors.may_identify(principal):
        return {}
    shown = {r.pk for r in resources}
    case_ids = {board.plan.case.pk}
    case_ids.update(b.case_id for b in board.bookings if b.resource_id in shown)
    cases = board_selectors.board_cases(case_ids)
    return case_selectors.patient_identity(principal, cases, path=request.path)


PROPOSAL_SALT = "scheduling.board.proposal"
PROPOSAL_MAX_AGE = 60 * 60  # seconds a signed proposal can be accepted
PROPOSAL_HORIZON_DAYS = 28
PROPOSAL_TIME_LIMIT = 5.0


def _board_page(request: HttpRequest, plan: Any, *, day: date | None, view: str,
                procedure: str, errors: list[dict[str, str]], status: int = 200,
                proposal: dict[str, Any] | None = None, rooms: str | None = None
                ) -> HttpResponse:
    """Render the board (shared by the page, the proposal and its refusals). ``rooms`` is the
    page of rooms of the week view; a proposal without one opens on the page of its first
    proposed room."""
    view = view or "day"
    day = day or timezone.localdate() + timedelta(days=1)
    try:
        days = board_selectors.parse_view(view)
    except RuleError as exc:
        errors.append({"field": "view", "message": exc.message})
        view, days = "day", 1
    try:
        board = board_selectors.plan_board(plan=plan, procedure=procedure, first_day=day,
                                           days=days, now=timezone.now())
    except RuleError as exc:
        errors.append({"field": exc.field or "procedure", "message": exc.message})
        board = board_selectors.plan_board(plan=plan, first_day=day, days=days,
                                           now=timezone.now())
    if proposal and rooms is None:
        by_id = {str(r.public_id): r for r in board.resources}
        room = next((by_id[i["resource_id"]] for i in proposal["items"]
                     if i["resource_id"] in by_id), None)  # items come earliest first
        if room is not None:
            rooms = str(page_of_room(board.resources, room.pk, view=view))
    try:
        page = rooms_page(board.resources, view=view, raw=rooms)
    except RuleError as exc:
        errors.append({"field": "rooms", "message": exc.message})
        page = rooms_page(board.resources, view=view, raw=None)
    shown = page["resources"]
    board_selectors.board_people(board, resource_ids=[r.pk for r in shown])
    book_url = reverse("scheduling_web:plan_book", args=[plan.public_id])
    step = timedelta(days=days)
    identities = _identities(request, board, shown)
    lanes = board_lanes(board, plan_book_url=book_url, identities=identities, resources=shown)
    if proposal:
        _place_proposal(lanes, board, proposal)
    lanes_html(lanes["lanes"], zone=ZoneInfo(board.tz))
    context: dict[str, Any] = {
        "plan": plan, "board": board, "pseudonym": str(plan.case.patient.public_id)[:8],
        "identity": identities.get(plan.case.pk),
        "best_starts": best_start_rows(board, plan_book_url=book_url),
        "view": view, "day": day, "prev_day": day - step, "next_day": day + step,
        "rooms": page,
        "errors": errors, "book_url": book_url, "proposal": proposal,
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
        **lanes,
    }
    if errors and status < 400:
        status = 400
    return render_page(request, "scheduling/board.html", context, status=status,
                       section="worklist")


@login_required
def plan_board(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The booking board of one plan (``?procedure=&day=&view=day|week``)."""
    require_coordinator(request)
    plan = _plan_read(request, public_id)
    errors: list[dict[str, str]] = []
    day = None
    if request.GET.get("day"):
        try:
            day = parse_day(request.GET["day"])
        except DateLimitError as exc:
            errors.append({"field": "day", "message": exc.message})
    return _board_page(request, plan, day=day, view=request.GET.get("view", ""),
                       procedure=request.GET.get("procedure", ""), errors=errors,
                       rooms=request.GET.get("rooms"))


def _plan_read(request: HttpRequest, public_id: Any) -> Any:
    principal = principal_from_request(request)
    plan = plan_for(request, public_id)
    audit_record(principal=principal, action="read", object_type="plan",
                 object_id=plan.public_id, patient_pseudonym=plan.case.patient.public_id,
                 path=request.path)
    return plan


# --- "Propose a plan" (issue 13) -----------------------------------------------------------
# The proposal travels from the propose request to the accept request as a token signed with
# django.core.signing (salted, bound to the plan, valid PROPOSAL_MAX_AGE): a tampered or
# foreign token is refused with 400. Signing only proves the server made the proposal; it is
# not trusted to still be valid: plan_proposal_apply books every item through booking_create
# inside one transaction, so every check (slot taken, opening hours, hard timing rules, one
# booking per procedure, plan active) runs again at accept time, all or nothing.


def _proposal_view(plan: Any, proposal: PlanProposal, tz: str) -> dict[str, Any]:
    """The proposal for the template (site zone) and its signed token."""
    zone = ZoneInfo(tz)
    procedures = board_selectors.plan_procedures_by_public_id(plan)
    # The rooms and the people the solver planned, in one read.
    rooms = board_selectors.resources_by_public_id(
        {b.resource_id for b in proposal.bookings}
        | {pid for b in proposal.bookings for pid in b.staff})
    items = []
    for b in sorted(proposal.bookings, key=lambda i: i.start):
        procedure = procedures.get(b.procedure_id)
        room = rooms.get(b.resource_id)
        people = [rooms[pid] for pid in b.staff if pid in rooms]
        items.append({
            "people": [{"name": localized_name(p), "kind": staff_kind_label(p.kind)}
                       for p in people],
            "procedure_id": b.procedure_id, "resource_id": b.resource_id,
            "procedure": code_label("ProcedureType", procedure.procedure_type)
            if procedure else b.procedure_id,
            "room": room.name if room else b.resource_id,
            "room_code": room.code if room else "",
            "start": b.start.astimezone(zone), "end": b.end.astimezone(zone),
            "data": (f"{room.code if room else ''}|{b.start.astimezone(zone):%Y-%m-%d %H:%M}"),
        })
    token = signing.dumps({
        "plan": str(plan.public_id),
        "bookings": [[b.procedure_id, b.resource_id, b.start.isoformat(), b.end.isoformat(),
                      b.fraction] for b in proposal.bookings],
        # The people of each item, in the same order (a list beside the 5-field items, so a
        # token signed before people were carried still reads the same way).
        "staff": [list(b.staff) for b in proposal.bookings],
    }, salt=PROPOSAL_SALT, compress=True)
    return {"status": proposal.status, "message": proposal.message, "items": items,
            "token": token, "tz": tz,
            "warnings": [{"rule_id": v.rule_id, "message": v.message}
                         for v in proposal.violations]}


def _place_proposal(lanes: dict[str, Any], board: board_selectors.PlanBoard,
                    proposal: dict[str, Any]) -> None:
    """Add the proposed starts to the lanes of their room and day (class board-proposed)."""
    zone = ZoneInfo(board.tz)
    by_lane = {(str(lane["resource"].public_id), lane["day"]): lane for lane in lanes["lanes"]}
    for item in proposal["items"]:
        for day, a, b in _day_spans(item["start"], item["end"], zone=zone, lo=board.lo,
                                    hi=board.hi):
            lane = by_lane.get((item["resource_id"], day))
            place = _place(a, b, first=lanes["first_minute"], last=lanes["last_minute"])
            if lane is None or place is None:
                continue
            lane["items"].append({
                "kind": "proposed", "text": item["procedure"], "start": item["start"],
                "end": item["end"], "data": item["data"], **place})


def _proposed_item(item: Sequence[Any], staff: Any) -> ProposedBooking:
    """One signed item, [procedure, room, start, end, fraction], with its people's public ids
    (one per kind the procedure needs)."""
    p, r, s, e, f = item
    if not isinstance(staff, list):
        raise TypeError("a proposal item's people are a list")
    return ProposedBooking(procedure_id=str(p), resource_id=str(r),
                           start=datetime.fromisoformat(s), end=datetime.fromisoformat(e),
                           fraction=f, staff=tuple(str(pid) for pid in staff))


def _proposal_from_token(plan: Any, token: str) -> PlanProposal:
    try:
        data = signing.loads(token, salt=PROPOSAL_SALT, max_age=PROPOSAL_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise RuleError(_("This proposal has expired: propose the plan again."),
                        field="proposal", rule="proposal_expired") from exc
    except signing.BadSignature as exc:
        raise RuleError(_("This proposal was not made by this server or was altered."),
                        field="proposal", rule="proposal_signature") from exc
    if not isinstance(data, dict) or data.get("plan") != str(plan.public_id):
        raise RuleError(_("This proposal belongs to another plan."), field="proposal",
                        rule="proposal_plan")
    try:
        people = data.get("staff")
        if people is None:  # signed before people were carried: booking_create chooses them
            people = [[] for _item in data["bookings"]]
        if len(people) != len(data["bookings"]):
            raise ValueError("one list of people per proposal item")
        items = tuple(_proposed_item(item, staff)
                      for item, staff in zip(data["bookings"], people, strict=True))
    except (KeyError, TypeError, ValueError) as exc:
        raise RuleError(_("This proposal is malformed."), field="proposal",
                        rule="proposal_signature") from exc
    return PlanProposal(status="feasible", bookings=items)


@login_required
@require_POST
def plan_board_propose(request: HttpRequest, public_id: Any) -> HttpResponse:
    """POST: a solver proposal for the plan's unbooked procedures, shown on the board (nothing
    is written; the proposal is carried to the accept button as a signed token)."""
    require_coordinator(request)
    plan = _plan_read(request, public_id)
    proposal = proposals.plan_proposal_make(plan=plan, horizon_days=PROPOSAL_HORIZON_DAYS,
                                            time_limit=PROPOSAL_TIME_LIMIT)
    audit_record(principal=principal_from_request(request), action="read",
                 object_type="plan_proposal", object_id=plan.public_id,
                 patient_pseudonym=plan.case.patient.public_id, path=request.path,
                 detail={"apply": False, "status": proposal.status})
    if not proposal.bookings:
        message = proposal.message or _("There is nothing to propose.")
        return _board_page(request, plan, day=None, view="day", procedure="",
                           errors=[{"field": "proposal", "message": message}], status=409)
    tz = board_selectors.site_zone()
    view = _proposal_view(plan, proposal, tz)
    first_day = min(i["start"] for i in view["items"]).date()
    return _board_page(request, plan, day=first_day, view="week", procedure="",
                       errors=[], proposal=view)


@login_required
@require_POST
def plan_board_accept(request: HttpRequest, public_id: Any) -> HttpResponse:
    """POST: book the signed proposal through plan_proposal_apply, all or nothing."""
    require_coordinator(request)
    plan = _plan_read(request, public_id)
    principal = principal_from_request(request)
    try:
        proposal = _proposal_from_token(plan, request.POST.get("proposal", ""))
    except RuleError as exc:
        return _board_page(request, plan, day=None, view="day", procedure="",
                           errors=[{"field": "proposal", "message": exc.message}], status=400)
    try:
        created = proposals.plan_proposal_apply(plan=plan, proposal=proposal,
                                                principal=principal)
    except RuleError as exc:
        # Re-show the proposal with the refusal next to the accept button (nothing was booked).
        tz = board_selectors.site_zone()
        view = _proposal_view(plan, proposal, tz)
        refused = next((i for i in view["items"]
                        if i["procedure_id"] == exc.extra.get("procedure")), None)
        view["refusal"] = {
            "procedure": refused["procedure"] if refused else "",
            "procedure_id": exc.extra.get("procedure", ""),
            "start": refused["start"] if refused else None,
            "rule": exc.rule, "message": exc.message}
        first_day = min(i["start"] for i in view["items"]).date()
        status = exc.status if 400 <= exc.status < 500 else 409
        return _board_page(request, plan, day=first_day, view="week", procedure="",
                           errors=[], proposal=view, status=status)
    messages.success(request, _("The whole plan is booked as proposed: %(n)d bookings.")
                     % {"n": len(created)})
    return redirect(reverse("scheduling_web:plan_board", args=[plan.public_id]))
