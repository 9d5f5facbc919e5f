"""Live meeting mode: one case at a time, the meeting clock (start, close), attendance at the
door and quorum (R15), outcomes (standard of care, defer) and the decision form.

A refusal of an action button (start too early, attendance after closing, defer without a
reason) is shown as a message on the page the chair returns to; the decision form shows it on
the field it names, and a lost race (someone else decided or amended first) re-renders the
case with the current decision (409).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from boardsvc import selectors, services
from boardsvc.models import AgendaItem, Decision, Meeting
from boardsvc.web import queries
from boardsvc.web.forms import AttendanceForm, DecisionForm, suggestion_token
from core.access import principal_from_request
from core.errors import RuleError, StaleVersion
from core.web.errors import add_rule_error
from core.web.pages import render_page

from .common import agenda_cards, require_manager, visible_meeting

# A refused decision lands on the form field it names; every plan item is one field here.
_DECISION_FIELDS = {"procedures": "procedure"}


def _decision_form(card: dict[str, Any], data: Any = None,
                   initial: dict[str, Any] | None = None) -> DecisionForm:
    suggestions: list[tuple[str, str]] = []
    for row in card["c"]["lesions"]:
        for s in row["suggestions"]:
            token = suggestion_token(lesion=row["public_id"], procedure_type=s["procedure_type"],
                                     intent=s.get("intent", ""),
                                     purpose=s.get("purpose") or s.get("embolization_purpose")
                                     or "", key=s.get("key", ""), prepares=s.get("prepares", ""))
            purpose = f" ({s['purpose_label'].lower()})" if s.get("purpose_label") else ""
            label = f"{s['procedure_label']}{purpose} · {row['label']} ({s['rule_id']})"
            if (token, label) not in suggestions:
                suggestions.append((token, label))
    lesions = [(row["public_id"], row["label"]) for row in card["c"]["lesions"]]
    return DecisionForm(data, suggestions=suggestions, lesions=lesions, initial=initial)


def _live_context(request: HttpRequest, meeting: Meeting, item_id: str | None,
                  form: DecisionForm | None = None) -> dict[str, Any]:
    principal = principal_from_request(request)
    cards = agenda_cards(request, meeting)
    index = 0
    for i, card in enumerate(cards):
        if str(card["item"].public_id) == item_id:
            index = i
            break
    else:
        # Open on the first case still waiting for the board.
        index = next((i for i, c in enumerate(cards)
                      if c["item"].outcome == AgendaItem.Outcome.PENDING), 0)
    current = cards[index] if cards else None
    if current is not None and form is None:
        decision: Decision | None = current["decision"]
        initial: dict[str, Any] = {}
        if decision is not None:
            initial = {"outcome_text": decision.outcome_text, "version": decision.version,
                       "override_reason": decision.override_reason}
        else:
            initial = {"procedure": [token for token, _label in
                                     _decision_form(current).fields["procedure"].choices]}
        form = _decision_form(current, initial=initial)
    now = timezone.now()
    attendance = list(selectors.attendance_for_meeting(meeting=meeting))
    present_ids = {a.user_id for a in attendance if a.left_at is None}
    members = queries.board_members(meeting=meeting)
    return {
        "meeting": meeting, "cards": cards, "current": current, "index": index,
        "previous": cards[index - 1] if current is not None and index > 0 else None,
        "next": cards[index + 1] if current is not None and index + 1 < len(cards) else None,
        "form": form, "suggested_types": " ".join(
            token for token, _label in (form.fields["procedure"].choices if form else [])),
        "quorum": selectors.meeting_quorum_at(meeting=meeting, at=now),
        "attendance": attendance, "present_ids": present_ids, "members": members,
        "manages": selectors.principal_manages_board(principal=principal,
                                                     board_id=meeting.board_id),
        "in_session": meeting.status == Meeting.Status.IN_SESSION,
        "pending_count": sum(1 for c in cards if c["item"].outcome == AgendaItem.Outcome.PENDING),
        "start_window": selectors.meeting_start_window(meeting=meeting, now=now),
    }


@login_required
@require_GET
def live(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Live meeting mode: one case at a time, attendance, quorum, the decision form."""
    meeting = visible_meeting(request, public_id)
    return render_page(request, "boardsvc/live.html",
                       _live_context(request, meeting, request.GET.get("item")),
                       section="meetings")


def _back_to_live(meeting: Meeting, item: str | None = None) -> HttpResponse:
    url = reverse("boardsvc_web:live", args=[meeting.public_id])
    return redirect(f"{url}?item={item}#current" if item else url)


@login_required
@require_POST
def meeting_state(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Start or close the meeting (boardsvc.services.meeting_start / meeting_close)."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    require_manager(principal, meeting)
    action = request.POST.get("action")
    try:
        if action == "start":
            services.meeting_start(meeting=meeting, principal=principal)
            messages.success(request, _("The meeting is in session."))
        elif action == "close":
            services.meeting_close(meeting=meeting, principal=principal)
            messages.success(request, _("The meeting is closed; undiscussed cases move to the "
                                        "next meeting."))
            # The agenda shows where each undiscussed case went.
            url = reverse("boardsvc_web:agenda", args=[meeting.public_id])
            return redirect(f"{url}#moved")
        else:
            messages.error(request, _("Unknown action."))
    except RuleError as exc:
        messages.error(request, exc.message)
    if request.POST.get("back") == "agenda":
        return redirect(reverse("boardsvc_web:agenda", args=[meeting.public_id]))
    return _back_to_live(meeting, request.POST.get("item"))


@login_required
@require_POST
def attendance(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Take attendance at the door: someone arrives (optionally as a stand-in) or leaves."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    require_manager(principal, meeting)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person and whether they arrive or leave."))
        return _back_to_live(meeting, request.POST.get("item"))
    user = selectors.active_user(username=form.cleaned_data["username"])
    if user is None:
        messages.error(request, _("There is no such person."))
        return _back_to_live(meeting, request.POST.get("item"))
    try:
        if form.cleaned_data["action"] == "arrive":
            services.attendance_arrive(meeting=meeting, user=user, principal=principal,
                                       specialty=form.cleaned_data.get("specialty") or "")
        else:
            services.attendance_leave(meeting=meeting, user=user, principal=principal)
    except RuleError as exc:
        messages.error(request, exc.message)
    return _back_to_live(meeting, request.POST.get("item"))


def _item(meeting: Meeting, item_id: Any) -> AgendaItem:
    try:
        return selectors.agenda_item_on_meeting(meeting=meeting, public_id=item_id)
    except AgendaItem.DoesNotExist:
        raise Http404 from None


@login_required
@require_POST
def item_outcome(request: HttpRequest, public_id: Any, item_id: Any) -> HttpResponse:
    """Mark the case standard of care (listed, not discussed) or defer it with a reason."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    require_manager(principal, meeting)
    item = _item(meeting, item_id)
    action = request.POST.get("action")
    try:
        if action == "standard_of_care":
            services.agenda_item_set_standard_of_care(item=item, standard_of_care=True,
                                                      principal=principal)
            messages.success(request, _("Marked as standard of care."))
        elif action == "deferred":
            services.agenda_item_defer(item=item, reason=request.POST.get("reason", ""),
                                       principal=principal)
            messages.success(request, _("Case deferred to a later meeting."))
        else:
            messages.error(request, _("Unknown action."))
    except RuleError as exc:
        messages.error(request, exc.message)
    return _back_to_live(meeting, str(item.public_id))


@login_required
@require_POST
def decision_save(request: HttpRequest, public_id: Any, item_id: Any) -> HttpResponse:
    """Record (or amend) the decision on one case.

    Two people editing the same decision never overwrite each other: the form carries the
    version it was built from; the service's expected-version check (StaleDecision) or its
    "already decided" rule turns a lost race into a clear "changed by someone else" message.
    """
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    require_manager(principal, meeting)
    item = _item(meeting, item_id)
    context = _live_context(request, meeting, str(item.public_id))
    current = context["current"]
    form = _decision_form(current, data=request.POST)
    if not form.is_valid():
        context["form"] = form
        return render_page(request, "boardsvc/live.html", context, status=400,
                           section="meetings")
    data = form.cleaned_data
    stale = _("This decision was changed by someone else while you were editing. "
              "Review the current version below and apply your change again.")
    try:
        decision = current["decision"]
        if data.get("version") is None:
            if decision is not None:
                raise services.StaleDecision(decision.version)
            services.decision_record(item=item, outcome_text=data["outcome_text"],
                                     procedures=form.procedures(), principal=principal,
                                     override_reason=data.get("override_reason", ""))
            messages.success(request, _("Decision recorded."))
        else:
            if decision is None:
                raise services.StaleDecision(0)
            services.decision_amend(
                decision=decision, expected_version=data["version"],
                reason=data.get("amend_reason") or _("Amended during the meeting."),
                principal=principal, outcome_text=data["outcome_text"],
                procedures=form.procedures() if data.get("procedure") or
                data.get("extra_procedure_type") else None,
                override_reason=data.get("override_reason", ""))
            messages.success(request, _("Decision amended."))
    except StaleVersion:
        return _stale(request, meeting, item, stale)
    except RuleError as exc:
        if exc.rule == "already_decided":
            return _stale(request, meeting, item, stale)
        add_rule_error(form, exc, _DECISION_FIELDS)
        context["form"] = form
        return render_page(request, "boardsvc/live.html", context,
                           status=exc.status if exc.status in (400, 409) else 400,
                           section="meetings")
    nxt = context["next"]
    return _back_to_live(meeting, str(nxt["item"].public_id) if nxt else str(item.public_id))


def _stale(request: HttpRequest, meeting: Meeting, item: AgendaItem, message: str) -> HttpResponse:
    """Someone else decided or amended first: the case again, with the current decision."""
    context = _live_context(request, meeting, str(item.public_id))
    context["stale"] = message
    return render_page(request, "boardsvc/live.html", context, status=409, section="meetings")
