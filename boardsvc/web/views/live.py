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
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from boardsvc import selectors, services
from boardsvc.domain import agenda as agenda_rules
from boardsvc.domain import decisions as decision_rules
from boardsvc.domain import outcome as outcome_rules
from boardsvc.models import AgendaItem, Decision, Meeting
from boardsvc.web import queries
from boardsvc.web.forms import COMBINE, DecisionForm, suggestion_token
from core.access import principal_from_request
from core.errors import RuleError, StaleVersion
from core.web.errors import add_rule_error
from core.web.pages import render_page

from .common import agenda_cards, require_manager, visible_meeting
from .presenter import follow_chair, live_room_context

# A refused decision lands on the form field it names; every plan item is one field here.
_DECISION_FIELDS = {"procedures": "procedure"}


def _decision_form(card: dict[str, Any], data: Any = None,
                   initial: dict[str, Any] | None = None, *, meeting: Meeting | None = None,
                   recording: bool = False) -> DecisionForm:
    """The decision form for one case card: per lesion its alternatives as one choice (a
    combination proposed together as one option), the add-ons as checkboxes, nothing chosen
    in advance; the board's outcome template marks the mandatory fields."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    add_ons: list[tuple[str, str]] = []
    for row in card["c"]["lesions"]:
        by_key: dict[str, tuple[str, str]] = {}
        for s in row["suggestions"]:
            key = s.get("key") or s["procedure_type"]
            token = suggestion_token(lesion=row["public_id"], procedure_type=s["procedure_type"],
                                     intent=s.get("intent", ""),
                                     purpose=s.get("purpose") or s.get("embolization_purpose")
                                     or "", key=key, prepares=s.get("prepares", ""))
            purpose = f" ({s['purpose_label'].lower()})" if s.get("purpose_label") else ""
            by_key.setdefault(key, (token, f"{s['procedure_label']}{purpose} ({s['rule_id']})"))
        grouped = decision_rules.lesion_choices(
            [{**s, "key": s.get("key") or s["procedure_type"]} for s in row["suggestions"]])

        def option(choice: decision_rules.Choice,
                   by_key: dict[str, tuple[str, str]] = by_key) -> tuple[str, str]:
            parts = [by_key[k] for k in choice.keys]
            value = COMBINE.join(token for token, _label in parts)
            if not choice.combination:
                return value, parts[0][1]
            return value, _("Accept the combination: %(steps)s") % {
                "steps": _(" then ").join(label for _token, label in parts)}

        if grouped.alternatives:
            groups.append((row["label"], [option(c) for c in grouped.alternatives]))
        for choice in grouped.add_ons:
            value, label = option(choice)
            add_ons.append((value, f"{label} · {row['label']}"))
    lesions = [(row["public_id"], row["label"]) for row in card["c"]["lesions"]]
    meeting = meeting or card["item"].meeting
    clinicians = [(m.user.get_username(), m.user.get_full_name() or m.user.get_username())
                  for m in queries.board_members(meeting=meeting)]
    return DecisionForm(data, suggestions=add_ons, lesions=lesions, groups=groups,
                        clinicians=clinicians, initial=initial, recording=recording,
                        required=outcome_rules.template_required(meeting.board.outcome_template),
                        shown=outcome_rules.template_fields(meeting.board.outcome_template))


def _decision_initial(decision: Decision | None) -> dict[str, Any]:
    """An amendment starts from the recorded decision; a new one from nothing."""
    if decision is None:
        return {}
    return {"outcome_text": decision.outcome_text, "version": decision.version,
            "override_reason": decision.override_reason,
            "outcome_category": decision.outcome_category, "intent": decision.intent,
            "follow_up": decision.follow_up,
            "responsible_clinician": (decision.responsible_clinician.get_username()
                                      if decision.responsible_clinician_id else "")}


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
        form = _decision_form(current, initial=_decision_initial(current["decision"]),
                              meeting=meeting, recording=current["decision"] is None)
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
        **live_room_context(request, meeting, current),
    }


@login_required
@require_GET
def live(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Live meeting mode: one case at a time, attendance, quorum, the decision form."""
    meeting = visible_meeting(request, public_id)
    context = _live_context(request, meeting, request.GET.get("item"))
    # The chair's navigation moves the room screen (boardsvc.services.meeting_present).
    follow_chair(request, meeting, context["current"])
    return render_page(request, "boardsvc/live.html", context, section="meetings")


def _back_to_live(meeting: Meeting, item: str | None = None) -> HttpResponse:
    url = reverse("boardsvc_web:live", args=[meeting.public_id])
    return redirect(f"{url}?item={item}#current" if item else url)


@login_required
@require_POST
def meeting_state(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Start or close the meeting (boardsvc.services.meeting_start / meeting_close).

    Closing is confirmed first: "close" without ``confirm`` shows what will roll forward to the
    next meeting and what stays undecided (boardsvc/meeting_finish.html); only the confirmed
    form closes the meeting.
    """
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    require_manager(principal, meeting)
    action = request.POST.get("action")
    try:
        if action == "start":
            services.meeting_start(meeting=meeting, principal=principal)
            messages.success(request, _("The meeting is in session."))
        elif action == "close" and request.POST.get("confirm") != "yes":
            if meeting.status != Meeting.Status.IN_SESSION:
                messages.error(request, _("Only a meeting in session can be finished."))
            else:
                return render_page(request, "boardsvc/meeting_finish.html",
                                   _finish_context(request, meeting), section="meetings")
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


def _finish_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    """What closing will do to each item still pending (the same pure rule the service
    applies: boardsvc.domain.agenda.close_outcomes), and what was decided."""
    cards = agenda_cards(request, meeting)
    pending = [c for c in cards if c["item"].outcome == AgendaItem.Outcome.PENDING]
    outcomes = agenda_rules.close_outcomes([
        agenda_rules.ItemInfo(item_id=c["item"].pk, position=c["item"].position,
                              priority=c["item"].priority, outcome=c["item"].outcome,
                              standard_of_care=c["item"].standard_of_care,
                              purpose=c["item"].purpose)
        for c in pending])
    roll = [c for c in pending
            if outcomes.get(c["item"].pk) == AgendaItem.Outcome.ROLLED_FORWARD]
    standard = [c for c in pending
                if outcomes.get(c["item"].pk) == AgendaItem.Outcome.STANDARD_OF_CARE]
    return {"meeting": meeting, "roll_forward": roll, "standard_of_care": standard,
            "undecided": [c for c in pending if c["decision"] is None],
            "decided": [c for c in cards if c["decision"] is not None],
            "back": request.POST.get("back", ""), "item": request.POST.get("item", "")}


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

    Posted by htmx (``HX-Request``), a refused form comes back alone to be swapped in place
    (boardsvc/_decision_form.html, with its 400/409 status: decision.js swaps those) and
    success navigates with ``HX-Redirect``; without JavaScript the whole page is re-rendered
    or redirected as before.
    """
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    require_manager(principal, meeting)
    item = _item(meeting, item_id)
    context = _live_context(request, meeting, str(item.public_id))
    current = context["current"]
    decision = current["decision"]
    form = _decision_form(current, data=request.POST, meeting=meeting,
                          recording=request.POST.get("version") in (None, ""))
    if not form.is_valid():
        return _refused(request, context, form, 400)
    data = form.cleaned_data
    stale = _("This decision was changed by someone else while you were editing. "
              "Review the current version below and apply your change again.")
    clinician = (selectors.active_user(username=data["responsible_clinician"])
                 if data.get("responsible_clinician") else None)
    structured = {"outcome_category": data.get("outcome_category") or "",
                  "intent": data.get("intent") or "", "follow_up": data.get("follow_up") or "",
                  "responsible_clinician": clinician}
    try:
        if data.get("version") is None:
            if decision is not None:
                raise services.StaleDecision(decision.version)
            services.decision_record(item=item, outcome_text=data["outcome_text"],
                                     procedures=form.procedures(), principal=principal,
                                     override_reason=data.get("override_reason", ""),
                                     **structured)
            messages.success(request, _("Decision recorded."))
        else:
            if decision is None:
                raise services.StaleDecision(0)
            services.decision_amend(
                decision=decision, expected_version=data["version"],
                reason=data.get("amend_reason") or _("Amended during the meeting."),
                principal=principal, outcome_text=data["outcome_text"],
                procedures=form.procedures() if form.plan_chosen() else None,
                override_reason=data.get("override_reason", ""), **structured)
            messages.success(request, _("Decision amended."))
    except StaleVersion:
        return _stale(request, meeting, item, stale)
    except RuleError as exc:
        if exc.rule == "already_decided":
            return _stale(request, meeting, item, stale)
        add_rule_error(form, exc, _DECISION_FIELDS)
        return _refused(request, context, form, exc.status if exc.status in (400, 409) else 400)
    nxt = context["next"]
    target = str(nxt["item"].public_id) if nxt else str(item.public_id)
    if request.htmx:
        url = reverse("boardsvc_web:live", args=[meeting.public_id])
        return HttpResponseClientRedirect(f"{url}?item={target}#current")
    return _back_to_live(meeting, target)


def _refused(request: HttpRequest, context: dict[str, Any], form: DecisionForm,
             status: int) -> HttpResponse:
    """The form again with its errors: alone for htmx (swapped in place), else the page."""
    form.annotate()
    context["form"] = form
    if request.htmx:
        return HttpResponse(render_to_string("boardsvc/_decision_form.html", context,
                                             request=request), status=status)
    return render_page(request, "boardsvc/live.html", context, status=status,
                       section="meetings")


def _stale(request: HttpRequest, meeting: Meeting, item: AgendaItem, message: str) -> HttpResponse:
    """Someone else decided or amended first: the case again, with the current decision."""
    if request.htmx:
        messages.error(request, message)
        url = reverse("boardsvc_web:live", args=[meeting.public_id])
        return HttpResponseClientRedirect(f"{url}?item={item.public_id}#current")
    context = _live_context(request, meeting, str(item.public_id))
    context["stale"] = message
    return render_page(request, "boardsvc/live.html", context, status=409, section="meetings")
