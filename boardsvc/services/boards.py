"""Boards, their members and holidays; which boards take a case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction

from boardsvc.domain import clock as clock_rules
from boardsvc.domain import placement as placement_rules
from boardsvc.domain import recurrence
from boardsvc.domain.quorum import validate_requirements
from boardsvc.models import Board, BoardMember, Holiday
from cases.models import Case
from core.timezones import zone_name


@transaction.atomic
def board_create(
    *,
    slug: str,
    name: str,
    focus: str = "",
    timezone_name: str = "",
    histologies: Sequence[str] = (),
    recurrence_weekday: int = 1,
    recurrence_time: time = time(14, 0),
    default_duration_minutes: int = 90,
    capacity_minutes: int = 90,
    cutoff_hours: int = recurrence.CUTOFF_HOURS_DEFAULT,
    standard_case_minutes: int = placement_rules.STANDARD_MINUTES_DEFAULT,
    complex_case_minutes: int = placement_rules.COMPLEX_MINUTES_DEFAULT,
    quorum_requirements: list[list[str]] | None = None,
    oncall_start: time = placement_rules.ONCALL_START_DEFAULT,
    oncall_end: time = placement_rules.ONCALL_END_DEFAULT,
    start_margin_minutes: int = clock_rules.START_MARGIN_DEFAULT_MINUTES,
) -> Board:
    """Create a board. Raises django ValidationError for an unknown zone, a cut-off outside
    24-72 h (R13), minutes per case outside 2-15 (R14), malformed quorum groups (R15) or a
    start margin outside 0-1440 minutes. ``oncall_start``/``oncall_end`` bound ad-hoc
    meetings (local time; equal means around the clock)."""
    timezone_name = zone_name(timezone_name)
    try:
        ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"timezone": ["Unknown time zone."]}) from None
    board = Board(
        slug=slug, name=name, focus=focus, timezone=timezone_name, histologies=list(histologies),
        recurrence_weekday=recurrence_weekday, recurrence_time=recurrence_time,
        default_duration_minutes=default_duration_minutes, capacity_minutes=capacity_minutes,
        cutoff_hours=cutoff_hours, standard_case_minutes=standard_case_minutes,
        complex_case_minutes=complex_case_minutes, oncall_start=oncall_start,
        oncall_end=oncall_end, start_margin_minutes=start_margin_minutes,
    )
    if quorum_requirements is not None:
        try:
            board.quorum_requirements = validate_requirements(quorum_requirements)
        except ValueError as exc:
            raise ValidationError({"quorum_requirements": [str(exc)]}) from None
    errors: dict[str, list[str]] = {}
    if not recurrence.CUTOFF_HOURS_MIN <= cutoff_hours <= recurrence.CUTOFF_HOURS_MAX:
        errors["cutoff_hours"] = ["The submission cut-off must be 24-72 hours (R13)."]
    for field_name, value in (("standard_case_minutes", standard_case_minutes),
                              ("complex_case_minutes", complex_case_minutes)):
        if not placement_rules.CASE_MINUTES_MIN <= value <= placement_rules.CASE_MINUTES_MAX:
            errors[field_name] = ["Minutes per case must be 2-15 (R14)."]
    if not 0 <= start_margin_minutes <= clock_rules.START_MARGIN_MAX_MINUTES:
        errors["start_margin_minutes"] = ["The start margin must be 0-1440 minutes."]
    if errors:
        raise ValidationError(errors)
    board.full_clean()
    board.save()
    return board


@transaction.atomic
def board_member_add(
    *, board: Board, user: Any, specialty: str, role: str = BoardMember.Role.MEMBER
) -> BoardMember:
    """Add (or re-activate and update) a member. Idempotent per (board, user)."""
    member, _ = BoardMember.objects.update_or_create(
        board=board, user=user, defaults={"specialty": specialty, "role": role, "active": True}
    )
    return member


def holiday_add(*, day: date, name: str, board: Board | None = None) -> Holiday:
    """Declare a holiday (site-wide when ``board`` is None). Idempotent per date and board."""
    holiday, _ = Holiday.objects.get_or_create(date=day, board=board, defaults={"name": name})
    return holiday


def boards_for_case(case: Case) -> list[Board]:
    """The boards a case goes to, best first: the requested board if the referral names one;
    else boards that list its primary histology explicitly, then catch-all boards."""
    boards = list(Board.objects.filter(active=True).order_by("slug"))
    if case.requested_board:
        return [b for b in boards if b.slug == case.requested_board]
    explicit = [b for b in boards if case.primary_histology in (b.histologies or [])]
    catch_all = [b for b in boards if not b.histologies]
    return explicit or catch_all
