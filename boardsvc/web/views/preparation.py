"""The meeting's preparation list (/meetings/<id>/preparation/): what radiology and pathology
must review before the board, by whom, and what is done.

Anyone who sees the meeting reads the list (who the patient is shown as on the agenda, each
display audited). The chair and coordinators build the list and assign reviews; the assignee
marks a review done (htmx swaps the one row; plain posts work without JavaScript). Writes go
through boardsvc.services.preparation.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from boardsvc import selectors
from boardsvc.models import Meeting, PreparationTask
from boardsvc.services.preparation import (
    preparation_list_build,
    preparation_task_assign,
    preparation_task_set_done,
)
from boardsvc.web import preparation_queries as queries
from cases import selectors as case_selectors
from core.access import Principal, principal_from_request
from core.audit import audit_record_many
from core.errors import RuleError
from core.web.errors import rule_errors_as_message
from core.web.pages import render_page

from .common import require_manager, visible_meeting


def _page_url(meeting: Meeting) -> str:
    return reverse("boardsvc_web:preparation", kwargs={"public_id": meeting.public_id})


def _rows(request: HttpRequest, principal: Principal, meeting: Meeting,
          tasks: list[PreparationTask]) -> list[dict[str, Any]]:
    """One row per task, with who the patient is (audited: one read and, for those entitled,
    one identify row per case shown, each in one INSERT)."""
    cases = {task.agenda_item.case_id: task.agenda_item.case for task in tasks}
    identities = case_selectors.patient_identity(principal, list(cases.values()),
                                                 path=request.path)
    audit_record_many(principal=principal, action="read", object_type="case", path=request.path,
                      objects=[(case.public_id, case.patient.public_id)
                               for case in cases.values()])
    user_id = principal.user.pk if principal.is_user else None
    return [{
        "task": task,
        "item": task.agenda_item,
        "case": task.agenda_item.case,
        "pseudonym": str(task.agenda_item.case.patient.public_id)[:8],
        "identity": identities.get(task.agenda_item.case_id),
        "mine": task.assignee_id is not None and task.assignee_id == user_id,
    } for task in tasks]


def _context(request: HttpRequest, meeting: Meeting, principal: Principal) -> dict[str, Any]:
    manages = selectors.principal_manages_board(principal=principal, board_id=meeting.board_id)
    return {"meeting": meeting, "manages": manages,
            "people": queries.assignable_people(meeting=meeting) if manages else []}


@login_required
@require_GET
def preparation(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The list; ``?mine=1`` shows only the caller's reviews."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    mine = request.GET.get("mine") == "1" and principal.is_user
    tasks = queries.preparation_tasks(meeting=meeting,
                                      assignee=principal.user if mine else None)
    rows = _rows(request, principal, meeting, tasks)
    context = _context(request, meeting, principal)
    context.update({
        "rows": rows, "mine": mine,
        "pending_count": sum(1 for r in rows if r["task"].status == PreparationTask.Status.PENDING),
        "done_count": sum(1 for r in rows if r["task"].status == PreparationTask.Status.DONE),
        "unassigned_count": sum(1 for r in rows if r["task"].assignee_id is None),
    })
    return render_page(request, "boardsvc/preparation.html", context, section="meetings")


@login_required
@require_POST
@rule_errors_as_message
def preparation_build(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Add the reviews the agenda needs now (idempotent); the chair and coordinators only."""
    meeting = visible_meeting(request, public_id)
    require_manager(principal_from_request(request), meeting)
    created = preparation_list_build(meeting=meeting)
    messages.success(request, _("Preparation list updated: %(count)d new review(s).")
                     % {"count": len(created)})
    return redirect(_page_url(meeting))


def _task(meeting: Meeting, task_id: Any) -> PreparationTask:
    try:
        return queries.preparation_task_of(meeting=meeting, public_id=task_id)
    except PreparationTask.DoesNotExist:
        raise Http404 from None


def _respond(request: HttpRequest, meeting: Meeting, principal: Principal,
             task: PreparationTask, error: RuleError | None = None) -> HttpResponse:
    """htmx: the task's row again (with the refusal, if any); otherwise back to the page."""
    if getattr(request, "htmx", False):
        task = _task(meeting, task.public_id)
        context = _context(request, meeting, principal)
        context.update({"row": _rows(request, principal, meeting, [task])[0],
                        "error": error.message if error else ""})
        return render_page(request, "boardsvc/_preparation_row.html", context,
                           status=error.status if error else 200, section="meetings")
    if error is not None:
        messages.error(request, error.message)
    return redirect(f"{_page_url(meeting)}#task-{task.public_id}")


@login_required
@require_POST
def preparation_done(request: HttpRequest, public_id: Any, task_id: Any) -> HttpResponse:
    """Mark a review done (``done=1``) or back to do (``done=0``)."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    task = _task(meeting, task_id)
    try:
        preparation_task_set_done(principal=principal, task=task,
                                  done=request.POST.get("done") == "1")
    except RuleError as exc:  # shown on the row itself (htmx) or as a message
        return _respond(request, meeting, principal, task, exc)
    return _respond(request, meeting, principal, task)


@login_required
@require_POST
def preparation_assign(request: HttpRequest, public_id: Any, task_id: Any) -> HttpResponse:
    """Give a review to a member of the board (``assignee``: a user id, blank for nobody)."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    require_manager(principal, meeting)
    task = _task(meeting, task_id)
    raw = request.POST.get("assignee", "").strip()
    try:
        if raw and not raw.isdigit():
            raise RuleError(_("Choose a member of the board."), field="assignee",
                            rule="invalid")
        preparation_task_assign(principal=principal, task=task,
                                assignee_id=int(raw) if raw else None)
    except RuleError as exc:
        return _respond(request, meeting, principal, task, exc)
    return _respond(request, meeting, principal, task)
