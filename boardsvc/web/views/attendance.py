"""Attendance in the meeting room, without reloading the page: one click per person at the
door, "all present", apologies with their stand-ins, and a member's own check-in.

Every action answers an htmx request with the attendance panel (quorum included), a refusal
shown at the top of the panel with its 4xx status (boardsvc/static/boardsvc/room.js lets htmx
swap it); without htmx it redirects back to live mode with a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from boardsvc import selectors, services
from boardsvc.models import Meeting
from boardsvc.web import queries
from boardsvc.web.forms import AttendanceForm
from boardsvc.web.room_forms import ApologyForm, CheckInForm
from core.access import Principal, principal_from_request
from core.errors import RuleError

from .common import require_manager, visible_meeting

_OPEN = (Meeting.Status.PLANNED, Meeting.Status.FROZEN, Meeting.Status.IN_SESSION)


def attendance_panel_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    """What the attendance panel shows: each member present or not (with apologies and
    stand-ins), the quorum now, and what the viewer may do (take attendance, check in)."""
    principal = principal_from_request(request)
    attendance = list(selectors.attendance_for_meeting(meeting=meeting))
    present = {a.user_id: a for a in attendance if a.left_at is None}
    apologies = selectors.apologies_for_meeting(meeting=meeting)
    by_user = {a.user_id: a for a in apologies}
    members = queries.board_members(meeting=meeting)
    member_ids = {m.user_id for m in members}
    rows = [{"member": m, "user": m.user, "present": present.get(m.user_id),
             "apology": by_user.get(m.user_id)} for m in members]
    # Stand-ins and guests: present people who are not members, and named stand-ins expected.
    guests = [a for a in present.values() if a.user_id not in member_ids]
    expected = [a for a in apologies if a.stand_in_id is not None
                and a.stand_in_id not in present]
    member_specialty = {m.user_id: m.specialty for m in members}
    me = principal.user if principal.is_user else None
    mine = next((row for row in rows if me is not None and row["user"].pk == me.pk), None)
    return {
        "meeting": meeting, "attendance_rows": rows, "guests": guests,
        "expected_stand_ins": [{"apology": a, "specialty": member_specialty.get(a.user_id, "")}
                               for a in expected],
        "quorum": selectors.meeting_quorum_at(meeting=meeting, at=timezone.now()),
        "present_count": len(present),
        "manages": selectors.principal_manages_board(principal=principal,
                                                     board_id=meeting.board_id),
        "attendance_open": meeting.status in _OPEN, "my_row": mine,
        "member_usernames": [m.user.get_username() for m in members],
    }


def _panel(request: HttpRequest, meeting: Meeting, *, error: str = "",
           status: int = 200) -> HttpResponse:
    context = attendance_panel_context(request, meeting)
    context["attendance_error"] = error
    return render(request, "boardsvc/_attendance_panel.html", context, status=status)


def _answer(request: HttpRequest, meeting: Meeting, error: RuleError | None = None,
            done: str = "") -> HttpResponse:
    """The panel for htmx (a refusal with its status), else back to the page with a message."""
    if getattr(request, "htmx", False):
        if error is not None:
            return _panel(request, meeting, error=error.message, status=error.status)
        return _panel(request, meeting)
    if error is not None:
        messages.error(request, error.message)
    elif done:
        messages.success(request, done)
    if request.POST.get("back") == "agenda":
        return redirect(reverse("boardsvc_web:agenda", args=[meeting.public_id]))
    url = reverse("boardsvc_web:live", args=[meeting.public_id])
    item = request.POST.get("item")
    return redirect(f"{url}?item={item}" if item else url)


def _person(username: str) -> Any:
    user = selectors.active_user(username=username)
    if user is None:
        raise RuleError(_("There is no such person."), field="username", rule="does_not_exist")
    return user


@login_required
@require_POST
def attendance(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Take attendance at the door: someone arrives (optionally as a stand-in covering a
    specialty) or leaves. Chairs and coordinators only."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    require_manager(principal, meeting)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        return _answer(request, meeting, RuleError(
            _("Choose a person and whether they arrive or leave."), field="action",
            rule="required"))
    try:
        user = _person(form.cleaned_data["username"])
        if form.cleaned_data["action"] == "arrive":
            services.attendance_arrive(meeting=meeting, user=user, principal=principal,
                                       specialty=form.cleaned_data.get("specialty") or "")
        else:
            services.attendance_leave(meeting=meeting, user=user, principal=principal)
    except RuleError as exc:
        return _answer(request, meeting, exc)
    return _answer(request, meeting)


@login_required
@require_POST
def attendance_all(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Everyone expected (every member without apologies) is present."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    require_manager(principal, meeting)
    try:
        services.attendance_all_present(meeting=meeting, principal=principal)
    except RuleError as exc:
        return _answer(request, meeting, exc)
    return _answer(request, meeting, done=_("Everyone expected is present."))


def _self_or_manager(principal: Principal, meeting: Meeting, user: Any) -> None:
    if not (principal.is_user and user.pk == principal.user.pk):
        require_manager(principal, meeting)


@login_required
@require_POST
def check_in(request: HttpRequest, public_id: Any) -> HttpResponse:
    """A member marks themself present, or leaving."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    if selectors.board_membership(board_id=meeting.board_id, user=request.user) is None:
        raise PermissionDenied
    form = CheckInForm(request.POST)
    if not form.is_valid():
        return _answer(request, meeting, RuleError(_("Say whether you arrive or leave."),
                                                   field="action", rule="required"))
    try:
        if form.cleaned_data["action"] == "arrive":
            services.attendance_arrive(meeting=meeting, user=request.user, principal=principal)
        else:
            services.attendance_leave(meeting=meeting, user=request.user, principal=principal)
    except RuleError as exc:
        return _answer(request, meeting, exc)
    return _answer(request, meeting)


@login_required
@require_POST
def apology(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Send (or withdraw) apologies, optionally naming a stand-in: a member for themself, the
    chair or a coordinator for anyone on the board."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    form = ApologyForm(request.POST)
    if not form.is_valid():
        field = next(iter(form.errors), "action")
        return _answer(request, meeting, RuleError(
            _("Check the apology: %(field)s.") % {"field": field}, field=field,
            rule="invalid"))
    data = form.cleaned_data
    try:
        user = _person(data["username"]) if data["username"] else request.user
        _self_or_manager(principal, meeting, user)
        if data["action"] == "withdraw":
            services.apology_withdraw(meeting=meeting, user=user, principal=principal)
        else:
            stand_in = None
            if data["stand_in"]:
                stand_in = selectors.active_user(username=data["stand_in"])
                if stand_in is None:
                    raise RuleError(_("There is no such person to stand in."),
                                    field="stand_in", rule="does_not_exist")
            services.apology_record(meeting=meeting, user=user, principal=principal,
                                    reason=data["reason"], stand_in=stand_in)
    except RuleError as exc:
        return _answer(request, meeting, exc)
    return _answer(request, meeting, done=_("Apologies recorded."))
