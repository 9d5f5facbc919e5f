"""The meeting's preparation list: what radiology and pathology must review before the board.

One PreparationTask per agenda item and kind (unique in the database):

- **radiology** for each item still to be discussed whose case has imaging studies;
- **pathology** for each such item whose primary histology is not established ("other" or an
  unknown primary), so the board is not asked to decide on a guess.

Building the list is idempotent (a second run adds only what is new) and assigns each new task
to the board's radiologist or pathologist when the board has one. The chair and coordinators
reassign; the assignee (or a manager) marks a task done, or back to do. Every refusal is a
BoardRuleError naming the field and the rule.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from boardsvc.domain.errors import BoardRuleError
from boardsvc.models import AgendaItem, BoardMember, Meeting, PreparationTask
from boardsvc.selectors import principal_manages_board
from cases.domain.codes import Histology
from cases.models import ImagingStudy
from core.access import Principal

User = get_user_model()

FORBIDDEN = 403
# Histologies the board cannot act on without a pathologist's review.
PATHOLOGY_HISTOLOGIES = frozenset({Histology.OTHER.value, Histology.UNKNOWN_PRIMARY.value})
_SPECIALTY_FOR_KIND = {
    PreparationTask.Kind.RADIOLOGY: "radiologist",
    PreparationTask.Kind.PATHOLOGY: "pathologist",
}


def preparation_kinds(*, histology: str, has_imaging: bool) -> list[str]:
    """The reviews an agenda item needs (the rule above), radiology first."""
    kinds = []
    if has_imaging:
        kinds.append(PreparationTask.Kind.RADIOLOGY.value)
    if histology in PATHOLOGY_HISTOLOGIES:
        kinds.append(PreparationTask.Kind.PATHOLOGY.value)
    return kinds


def _default_assignees(meeting: Meeting) -> dict[str, Any]:
    """The board's first active radiologist and pathologist (by membership), if any."""
    out: dict[str, Any] = {}
    rows = (BoardMember.objects.filter(board_id=meeting.board_id, active=True,
                                       specialty__in=list(_SPECIALTY_FOR_KIND.values()),
                                       user__is_active=True)
            .select_related("user").order_by("pk"))
    for member in rows:
        for kind, specialty in _SPECIALTY_FOR_KIND.items():
            if member.specialty == specialty:
                out.setdefault(kind.value, member.user)
    return out


@transaction.atomic
def preparation_list_build(*, meeting: Meeting) -> list[PreparationTask]:
    """Create the missing tasks of ``meeting``'s pending discussion items; returns the new ones.

    The meeting row is locked so two builders never race; the unique (item, kind) constraint
    backs it. Items already discussed, deferred or rolled forward get no new task."""
    Meeting.objects.select_for_update(of=("self",)).filter(pk=meeting.pk).first()
    items = list(AgendaItem.objects.filter(meeting=meeting, outcome=AgendaItem.Outcome.PENDING)
                 .select_related("case").order_by("position", "pk"))
    case_ids = [item.case_id for item in items]
    with_imaging = set(ImagingStudy.objects.filter(case_id__in=case_ids)
                       .values_list("case_id", flat=True).distinct())
    existing = set(PreparationTask.objects.filter(agenda_item__in=items)
                   .values_list("agenda_item_id", "kind"))
    assignees = _default_assignees(meeting)
    new = [
        PreparationTask(agenda_item=item, kind=kind, assignee=assignees.get(kind))
        for item in items
        for kind in preparation_kinds(histology=item.case.primary_histology,
                                      has_imaging=item.case_id in with_imaging)
        if (item.pk, kind) not in existing
    ]
    PreparationTask.objects.bulk_create(new)
    return new


def _locked(task: PreparationTask) -> PreparationTask:
    return (PreparationTask.objects.select_for_update(of=("self",))
            .select_related("agenda_item__meeting").get(pk=task.pk))


@transaction.atomic
def preparation_task_assign(*, principal: Principal, task: PreparationTask,
                            assignee_id: int | None) -> PreparationTask:
    """Give the task to an active member of the meeting's board (None: nobody). Only those who
    manage the board (chair, board coordinators, coordinators, administrators) assign."""
    task = _locked(task)
    board_id = task.agenda_item.meeting.board_id
    if not principal_manages_board(principal=principal, board_id=board_id):
        raise BoardRuleError(_("Only the chair and the coordinators assign preparation."),
                             field="assignee", rule="not_manager", status=FORBIDDEN)
    assignee = None
    if assignee_id is not None:
        assignee = User.objects.filter(
            pk=assignee_id, is_active=True, board_memberships__board_id=board_id,
            board_memberships__active=True).first()
        if assignee is None:
            raise BoardRuleError(_("Assign the review to a member of this board."),
                                 field="assignee", rule="not_board_member")
    task.assignee = assignee
    task.save(update_fields=["assignee"])
    return task


@transaction.atomic
def preparation_task_set_done(*, principal: Principal, task: PreparationTask,
                              done: bool, note: str | None = None) -> PreparationTask:
    """Mark the task done (who and when are recorded) or back to do. The assignee does this;
    so may those who manage the board (a colleague covering)."""
    task = _locked(task)
    is_assignee = principal.is_user and task.assignee_id == principal.user.pk
    if not is_assignee and not principal_manages_board(
            principal=principal, board_id=task.agenda_item.meeting.board_id):
        raise BoardRuleError(_("Only the person the review is assigned to marks it done."),
                             field="status", rule="not_assignee", status=FORBIDDEN)
    if note is not None:
        if len(note) > 300:
            raise BoardRuleError(_("At most 300 characters."), field="note", rule="max_length")
        task.note = note
    if done:
        task.status = PreparationTask.Status.DONE
        task.done_at = timezone.now()
        task.done_by = principal.user if principal.is_user else None
    else:
        task.status = PreparationTask.Status.PENDING
        task.done_at = None
        task.done_by = None
    task.save(update_fields=["status", "done_at", "done_by", "note"])
    return task
