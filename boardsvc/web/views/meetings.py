"""Home (my next meetings), the meeting list and the month calendar."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from boardsvc import selectors
from boardsvc.models import Board, Meeting
from core.access import Principal, principal_from_request
from core.dates import DateLimitError, check_date
from core.web.pages import render_page

PAGE_SIZE = 20


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Home: my next meetings (members: their boards; coordinators: every board)."""
    principal = principal_from_request(request)
    upcoming = selectors.meeting_list_visible(
        principal=principal, starts_from=timezone.now() - timedelta(hours=4),
        status=[Meeting.Status.PLANNED, Meeting.Status.FROZEN, Meeting.Status.IN_SESSION],
    )[:6]
    return render_page(request, "boardsvc/dashboard.html", {"meetings": list(upcoming)},
                       section="home")


def _boards(principal: Principal) -> list[Board]:
    return list(selectors.board_list_visible(principal=principal))


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    """Meetings of my boards, upcoming (default) or past, filtered by board, paginated."""
    principal = principal_from_request(request)
    boards = _boards(principal)
    board = request.GET.get("board", "")
    when = request.GET.get("when", "upcoming")
    now = timezone.now()
    kwargs: dict[str, Any] = {"principal": principal}
    if board and board in {str(b.public_id) for b in boards}:
        kwargs["board"] = board
    else:
        board = ""
    if when == "past":
        queryset = selectors.meeting_list_visible(starts_to=now, **kwargs).order_by("-starts_at")
    else:
        queryset = selectors.meeting_list_visible(starts_from=now - timedelta(hours=4), **kwargs)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "boardsvc/meeting_list.html", {
        "page": page, "boards": boards, "board": board, "when": when,
    }, section="meetings")


@login_required
@require_GET
def meeting_calendar(request: HttpRequest) -> HttpResponse:
    """A month grid of meetings by board, each on its board's local date."""
    principal = principal_from_request(request)
    boards = _boards(principal)
    board = request.GET.get("board", "")
    if board not in {str(b.public_id) for b in boards}:
        board = ""
    today = timezone.localdate()
    month_error = ""
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        first = check_date(date(year, month, 1))  # the date window (core.dates)
    except DateLimitError as exc:
        first, month_error = today.replace(day=1), exc.message
    except ValueError:
        first = today.replace(day=1)
    last = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
    start = datetime.combine(first - timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    end = datetime.combine(last + timedelta(days=2), datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    meetings = selectors.meeting_list_visible(
        principal=principal, board=board or None, starts_from=start, starts_to=end)
    by_day: dict[date, list[Meeting]] = {}
    for meeting in meetings:
        local = timezone.localtime(meeting.starts_at, ZoneInfo(meeting.board.timezone))
        by_day.setdefault(local.date(), []).append(meeting)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append([{"day": d, "in_month": d.month == first.month, "today": d == today,
                       "meetings": by_day.get(d, [])} for d in week])
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    weekdays = [date(2024, 1, 1) + timedelta(days=i) for i in range(7)]  # a Monday
    return render_page(request, "boardsvc/meeting_calendar.html", {
        "weeks": weeks, "month": first, "boards": boards, "board": board,
        "previous": previous.strftime("%Y-%m"), "following": following.strftime("%Y-%m"),
        "weekdays": weekdays, "month_error": month_error,
    }, status=400 if month_error else 200, section="calendar")


