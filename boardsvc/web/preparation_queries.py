"""Reads of the preparation page (/meetings/<id>/preparation/), for a meeting the caller may
see (boardsvc.selectors.meeting_get_visible): its tasks and who they may go to."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model

from boardsvc.models import Meeting, PreparationTask


def preparation_tasks(*, meeting: Meeting, assignee: Any = None) -> list[PreparationTask]:
    """The meeting's tasks by agenda position then kind, with the item, case, patient, assignee
    and who marked it done loaded (one query). ``assignee``: only that person's (the index on
    assignee, status)."""
    queryset = (PreparationTask.objects.filter(agenda_item__meeting=meeting)
                .select_related("agenda_item__case__patient", "assignee", "done_by")
                .order_by("agenda_item__position", "agenda_item_id", "kind"))
    if assignee is not None:
        queryset = queryset.filter(assignee=assignee)
    return list(queryset)


def preparation_task_of(*, meeting: Meeting, public_id: Any) -> PreparationTask:
    """One task of the meeting (as preparation_tasks loads it); DoesNotExist otherwise."""
    try:
        UUID(str(public_id))
    except ValueError:
        raise PreparationTask.DoesNotExist from None
    return (PreparationTask.objects.filter(agenda_item__meeting=meeting)
            .select_related("agenda_item__case__patient", "assignee", "done_by")
            .get(public_id=public_id))


def assignable_people(*, meeting: Meeting) -> list[Any]:
    """Active members of the meeting's board, radiologists and pathologists first."""
    users = (get_user_model().objects.filter(
        is_active=True, board_memberships__board_id=meeting.board_id,
        board_memberships__active=True)
        .values_list("pk", "first_name", "last_name", "username",
                     "board_memberships__specialty").order_by("last_name", "username"))
    first = ("radiologist", "pathologist")
    rows = sorted({row[0]: row for row in users}.values(),
                  key=lambda row: (row[4] not in first, row[2], row[3]))
    return [{"id": pk, "name": f"{given} {family}".strip() or username, "specialty": specialty}
            for pk, given, family, username, specialty in rows]
