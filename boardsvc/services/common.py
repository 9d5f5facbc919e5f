"""What several board services share: the clock, who hears of a board's problems, how a
board's local times read (in the active language), and the names of the follow-up tasks they
enqueue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from boardsvc.domain import placement as placement_rules
from boardsvc.models import Board, BoardMember
from core import timezones
from core.access import GROUP_COORDINATOR

User = get_user_model()

# The task that places a closed or cancelled meeting's rolled-forward items (boardsvc.tasks).
TASK_ROLL_FORWARD = "boardsvc.tasks.meeting_roll_forward"


def now_or(now: datetime | None) -> datetime:
    """``now`` when a caller (a test, a task replaying a moment) passes one, else the clock."""
    return now if now is not None else timezone.now()


def coordinators(board: Board | None) -> list[Any]:
    """People told about placement problems: group coordinators and the board's coordinators."""
    q = Q(groups__name=GROUP_COORDINATOR)
    if board is not None:
        q |= Q(board_memberships__board=board, board_memberships__role=BoardMember.Role.COORDINATOR,
               board_memberships__active=True)
    return list(User.objects.filter(q, is_active=True).distinct().order_by("pk"))


def board_people(board: Board, roles: Sequence[str]) -> list[Any]:
    """Active users holding one of ``roles`` on ``board``."""
    return list(User.objects.filter(
        is_active=True, board_memberships__board=board, board_memberships__active=True,
        board_memberships__role__in=list(roles)).distinct().order_by("pk"))


def oncall_window(board: Board) -> placement_rules.OncallWindow:
    """The local hours in which the board holds ad-hoc (emergency) meetings."""
    return placement_rules.OncallWindow(tz_name=board.timezone, start=board.oncall_start,
                                        end=board.oncall_end)


def local_label(moment: datetime, board: Board) -> str:
    """A moment as the board's people read it, in the active language: "Tue 24 Nov 2026 14:00
    Europe/Rome" in English, "mar 24 nov 2026 14:00 Europe/Rome" in Italian.

    Call it where the text is rendered (inside a notification's callable, under the
    recipient's language), not when the notice is put together."""
    return timezones.local_label(moment, board.timezone)
