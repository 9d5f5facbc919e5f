"""A meeting's agenda: one compact line per case (expandable to its card) with filter and
search, reorder (keyboard buttons, htmx), members' opinions saved in place (htmx), attendance
and apologies, late additions by hand (R13/R14) and the printable agenda."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from boardsvc import selectors, services
from boardsvc.models import AgendaItem, Meeting
from boardsvc.web import queries
from boardsvc.web.forms import LateAdditionForm, ReorderForm
from boardsvc.web.room_forms import OpinionForm
from cases import selectors as case_selectors
from cases.domain.codes import Urgency
from cases.labels import code_label
from cases.models import Case
from core.access import principal_from_request
from core.audit import audit_record_many
from core.errors import RuleError
from core.web.errors import rule_errors
from core.web.pages import render_page

from .attendance import attendance_panel_context
from .common import agenda_cards, require_manager, visible_meeting
from .presenter import opinion_context, with_opinions

_MOVED_OUTCOMES = (AgendaItem.Outcome.ROLLED_FORWARD, AgendaItem.Outcome.DEFERRED)


def _filter_cards(cards: list[dict[str, Any]], *, q: str, urgency: str,
                  outcome: str) -> list[dict[str, Any]]:
    needle = q.strip().lower()
    out = []
    for card in cards:
        c = card["c"]
        if urgency and c["urgency"] != urgency:
            continue
        if outcome and card["item"].outcome != outcome:
            continue
        if needle:
            haystack = " ".join([c["pseudonym"], c["histology"], c["question"],
                                 " ".join(row["label"] for row in c["lesions"])]).lower()
            if needle not in haystack:
                continue
        out.append(card)
    return out


@login_required
@require_GET
def agenda(request: HttpRequest, public_id: Any) -> HttpResponse:
    """A meeting's agenda as case cards, with filter and search (htmx swaps the list only)."""
    meeting = visible_meeting(request, public_id)
    q = request.GET.get("q", "")
    urgency = request.GET.get("urgency", "")
    outcome = request.GET.get("outcome", "")
    return _render_agenda(request, meeting, q=q, urgency=urgency, outcome=outcome)


def _render_agenda(request: HttpRequest, meeting: Meeting, *, q: str = "", urgency: str = "",
                   outcome: str = "", focus: tuple[str, str] | None = None,
                   status: int = 200) -> HttpResponse:
    all_cards = agenda_cards(request, meeting)
    if focus is not None:
        # After an htmx swap the focus returns to the button just pressed (or, at the top or
        # bottom of the list where that button is disabled, to the other one).
        last = len(all_cards) - 1
        for index, card in enumerate(all_cards):
            if str(card["item"].public_id) == focus[0]:
                direction = focus[1]
                if (direction == "up" and index == 0) or (direction == "down" and index == last):
                    direction = "down" if direction == "up" else "up"
                card["focus"] = direction
    cards = _filter_cards(all_cards, q=q, urgency=urgency, outcome=outcome)
    manages = selectors.principal_manages_board(principal=principal_from_request(request),
                                                board_id=meeting.board_id)
    editable = meeting.status in (Meeting.Status.PLANNED, Meeting.Status.FROZEN,
                                  Meeting.Status.IN_SESSION)
    moved = queries.moved_items(meeting=meeting) if any(
        c["item"].outcome in _MOVED_OUTCOMES for c in all_cards) else {}
    for card in all_cards:
        card["moved_to"] = moved.get(card["item"].pk)
    _room_cards(request, all_cards)
    context = {
        "meeting": meeting, "cards": cards, "q": q, "urgency": urgency, "outcome": outcome,
        "urgency_choices": [(v.value, code_label("Urgency", v.value)) for v in Urgency],
        "outcome_choices": AgendaItem.Outcome.choices,
        "manages": manages, "editable": editable,
        # Reordering a filtered list would be ambiguous: up/down only on the whole agenda.
        "reorderable": manages and editable and not (q or urgency or outcome)
        and len(all_cards) > 1,
        "last_position": len(all_cards),
        "moved_cards": [c for c in all_cards if c["item"].outcome in _MOVED_OUTCOMES],
        "pending_count": sum(1 for c in all_cards
                             if c["item"].outcome == AgendaItem.Outcome.PENDING),
        "start_window": selectors.meeting_start_window(meeting=meeting, now=timezone.now()),
        **opinion_context(request, meeting),
    }
    if not getattr(request, "htmx", False):
        context.update(attendance_panel_context(request, meeting), panel_back="agenda")
    template = ("boardsvc/_agenda_items.html" if getattr(request, "htmx", False)
                else "boardsvc/agenda.html")
    return render_page(request, template, context, status=status, section="meetings")


def _room_cards(request: HttpRequest, cards: list[dict[str, Any]]) -> None:
    """The compact agenda's extras: each case's opinions (and the viewer's own) and, for those
    entitled, who the patient is (audited by cases.selectors.patient_identity)."""
    with_opinions(request, cards)
    identities = case_selectors.patient_identity(
        principal_from_request(request), [card["item"].case for card in cards], path=request.path)
    for card in cards:
        card["identity"] = identities.get(card["item"].case_id)


@login_required
@require_POST
def opinion_save(request: HttpRequest, public_id: Any, item_id: Any) -> HttpResponse:
    """A member saves their opinion or comment on one case (boardsvc.services.opinion_save);
    with htmx the item's opinions are swapped in place, a refusal shown there with its 4xx."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    try:
        item = selectors.agenda_item_on_meeting(meeting=meeting, public_id=item_id)
    except AgendaItem.DoesNotExist:
        raise Http404 from None
    if selectors.board_membership(board_id=meeting.board_id, user=request.user) is None:
        raise PermissionDenied
    form = OpinionForm(request.POST)
    error: RuleError | None = None
    if form.is_valid():
        try:
            services.opinion_save(item=item, author=request.user, text=form.cleaned_data["text"],
                                  kind=form.cleaned_data["kind"], principal=principal)
        except RuleError as exc:
            error = exc
    else:
        field = next(iter(form.errors))
        error = RuleError(_("Write the opinion or comment (at most 4000 characters).")
                          if field == "text" else _("Choose an opinion or a comment."),
                          field=field, rule="invalid")
    if not getattr(request, "htmx", False):
        if error is not None:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your opinion is saved."))
        url = reverse("boardsvc_web:agenda", args=[meeting.public_id])
        return redirect(f"{url}#order-{item.public_id}")
    card = {"item": item}
    with_opinions(request, [card])
    hlevel = request.POST.get("hlevel") if request.POST.get("hlevel") in ("2", "3", "4") else "3"
    return render(request, "boardsvc/_opinion_box.html", {
        "meeting": meeting, "item": item, "opinions": card["opinions"],
        "my_opinion": card["my_opinion"], "hlevel": int(hlevel),
        "opinion_error": error.message if error is not None else "",
        **opinion_context(request, meeting)}, status=error.status if error is not None else 200)


@login_required
@require_POST
def agenda_reorder(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Move one case a place up or down (boardsvc.services.agenda_reorder with the complete
    new order). Plain buttons, so the keyboard works; with htmx only the list is swapped and
    the focus returns to the button just pressed. A refusal is shown as a message on the
    agenda the user returns to."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    require_manager(principal, meeting)
    form = ReorderForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Name an agenda item and a direction (up or down)."))
    order = queries.agenda_order(meeting=meeting)
    item = str(form.cleaned_data["item"])
    if item not in order:
        raise Http404
    index = order.index(item)
    target = index - 1 if form.cleaned_data["direction"] == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
        try:
            services.agenda_reorder(meeting=meeting, item_public_ids=order, principal=principal)
        except RuleError as exc:
            messages.error(request, exc.message)
    if getattr(request, "htmx", False):
        return _render_agenda(request, meeting, focus=(item, form.cleaned_data["direction"]))
    url = reverse("boardsvc_web:agenda", args=[meeting.public_id])
    return redirect(f"{url}#order-{item}")


def _case_choice_label(case: Case) -> str:
    return " · ".join([str(case.patient.public_id)[:8],
                       code_label("Histology", case.primary_histology),
                       code_label("Urgency", case.urgency),
                       code_label("CaseStatus", case.status)])


@login_required
@require_http_methods(["GET", "POST"])
def agenda_add_late(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Add a case to this meeting by hand (boardsvc.services.agenda_item_add_late). After the
    cut-off (R13) only an urgent or emergency case may join, with a recorded reason, and only
    while there is room (R14); the service's refusal is shown on the field it names."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    require_manager(principal, meeting)
    candidates = {str(c.public_id): c for c in
                  queries.late_candidates(principal=principal, meeting=meeting)}
    form = LateAdditionForm(request.POST if request.method == "POST" else None,
                            cases=[(pid, _case_choice_label(c)) for pid, c in candidates.items()])
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            case = candidates[form.cleaned_data["case"]]
            with rule_errors(form) as outcome:
                item = services.agenda_item_add_late(meeting=meeting, case=case,
                                                     reason=form.cleaned_data["reason"],
                                                     principal=principal)
            if not outcome.refused:
                messages.success(request, _("Case %(patient)s added to the agenda.")
                                 % {"patient": str(case.patient.public_id)[:8]})
                url = reverse("boardsvc_web:agenda", args=[meeting.public_id])
                return redirect(f"{url}#order-{item.public_id}")
            status = outcome.status or 400
    # The form lists every candidate case (pseudonym, histology, urgency): one audit row each
    # (docs/security.md, S8).
    audit_record_many(principal=principal, action="list", object_type="case", path=request.path,
                      objects=[(c.public_id, c.patient.public_id) for c in candidates.values()])
    now = timezone.now()
    return render_page(request, "boardsvc/agenda_add.html", {
        "meeting": meeting, "form": form,
        "late": now >= meeting.cutoff_at or meeting.status == Meeting.Status.FROZEN,
        "open": meeting.status in (Meeting.Status.PLANNED, Meeting.Status.FROZEN)
        and meeting.starts_at > now,
    }, status=status, section="meetings")


@login_required
@require_GET
def agenda_print(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The printable agenda (agenda_print.html, print.css): the hospital header and the
    confidentiality marking on every page, page numbers, the expected members with their
    specialty, one compact block per case with room for the outcome; no controls."""
    meeting = visible_meeting(request, public_id)
    return render_page(request, "boardsvc/agenda_print.html", {
        "meeting": meeting, "cards": agenda_cards(request, meeting),
        "members": queries.board_members(meeting=meeting),
        "hospital": settings.BOARDSVC_HOSPITAL_NAME,
        "hospital_address": settings.BOARDSVC_HOSPITAL_ADDRESS,
    }, section="meetings")
