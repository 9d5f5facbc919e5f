"""``/kpi/``: the KPI dashboards for coordinators and service leads (board chairs and board
coordinators), and ``/kpi/<section>.csv``: each table as CSV.

Query parameters: ``board`` (public id; default: the first board the caller may read), ``from``
and ``to`` (ISO dates in the board's time zone, inclusive; default: the last 90 days). A bad
period re-renders the page with the error (400); the CSV answers 400 with the message. Only
aggregates are shown: one ``list`` audit row per page view, one ``export`` row per CSV.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from boardsvc.kpi.period import Period, kpi_period
from boardsvc.kpi.sections import SECTIONS, Section, kpi_section
from boardsvc.kpi.selectors import kpi_boards
from boardsvc.models import Board
from core.access import principal_from_request
from core.audit import audit_record
from core.dates import DateLimitError
from core.models import AuditEvent
from core.web.pages import render_page

DEFAULT_DAYS = 90
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A CSV cell; text a spreadsheet would run as a formula is quoted with a leading '."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _board(request: HttpRequest) -> tuple[Board, list[Board]]:
    boards = kpi_boards(principal=principal_from_request(request))
    if not boards:
        raise PermissionDenied
    wanted = request.GET.get("board", "")
    if not wanted:
        return boards[0], boards
    for board in boards:
        if str(board.public_id) == wanted:
            return board, boards
    raise Http404


def _period(request: HttpRequest, board: Board) -> Period:
    today = timezone.now().astimezone(ZoneInfo(board.timezone)).date()
    first = request.GET.get("from") or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    last = request.GET.get("to") or today.isoformat()
    return kpi_period(first=first, last=last, zone=board.timezone)


@login_required
@require_GET
def kpi_dashboard(request: HttpRequest) -> HttpResponse:
    board, boards = _board(request)
    context: dict[str, object] = {"boards": boards, "board": board,
                                  "from": request.GET.get("from", ""),
                                  "to": request.GET.get("to", "")}
    try:
        period = _period(request, board)
    except DateLimitError as exc:
        context["period_error"] = exc
        return render_page(request, "boardsvc/kpi.html", context, status=400, section="kpi")
    sections: list[Section] = [kpi_section(section=name, board=board, period=period)
                               for name in SECTIONS]
    audit_record(principal=principal_from_request(request), action=AuditEvent.Action.LIST,
                 object_type="kpi_dashboard", object_id=str(board.public_id), path=request.path,
                 detail={"from": period.first.isoformat(), "to": period.last.isoformat()})
    context.update({
        "from": period.first.isoformat(), "to": period.last.isoformat(), "period": period,
        "sections": [{"section": s, "charts": [c.drawn() for c in s.charts]} for s in sections],
        "computed_at": min(s.computed_at or timezone.now() for s in sections),
        "keep_minutes": -(-settings.BOARDSVC_KPI_CACHE_SECONDS // 60),
    })
    return render_page(request, "boardsvc/kpi.html", context, section="kpi")


@login_required
@require_GET
def kpi_export(request: HttpRequest, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404
    board, _boards = _board(request)
    try:
        period = _period(request, board)
    except DateLimitError as exc:
        return HttpResponseBadRequest(f"{exc.field}: {exc.rule}: {exc.message}",
                                      content_type="text/plain; charset=utf-8")
    found = kpi_section(section=section, board=board, period=period)
    audit_record(principal=principal_from_request(request), action=AuditEvent.Action.EXPORT,
                 object_type=f"kpi_{section}", object_id=str(board.public_id), path=request.path,
                 detail={"from": period.first.isoformat(), "to": period.last.isoformat()})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kpi-{board.slug}-{section}-{period.first}-{period.last}.csv"')
    writer = csv.writer(response)
    writer.writerow([str(c) for c in found.columns])
    for row in found.rows:
        writer.writerow([_cell(v) for v in row])
    return response
