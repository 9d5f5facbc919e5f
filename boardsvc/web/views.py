"""MDT member pages: my next meetings, meeting list and calendar, agenda, live meeting mode,
printable agenda and decision summary.

A view parses, authorises (core.access Principal; boardsvc.selectors scope meetings to the
member's boards, so another board's meeting is a 404), calls one service or selector, and
renders. Every write goes through boardsvc.services.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from boardsvc import selectors, services
from boardsvc.models import AgendaItem, Board, Decision, Meeting
from boardsvc.web import queries
from boardsvc.web.forms import (
    AttendanceForm,
    DecisionForm,
    LateAdditionForm,
    ReorderForm,
    suggestion_token,
)
from cases import selectors as case_selectors
from cases.models import Case
from cases.web.labels import code_label
from cases.web.present import case_summary
from core.access import Principal, principal_from_request
from core.audit import audit_record_many
from core.dates import DateLimitError, check_date
from core.web.pages import render_page

PAGE_SIZE = 20
_SEVERITY_LABELS = {"hard": "hard rule", "soft": "soft rule"}


def _meeting(request: HttpRequest, public_id: Any) -> Meeting:
    try:
        return selectors.meeting_get_visible(principal=principal_from_request(request),
                                             public_id=public_id)
    except Meeting.DoesNotExist:
        raise Http404 from None


def _require_manager(principal: Principal, meeting: Meeting) -> None:
    """Chairs, board coordinators, group coordinators and administrators run the meeting."""
    if not selectors.principal_manages_board(principal=principal, board_id=meeting.board_id):
        raise PermissionDenied


# --- home and lists ---------------------------------------------------------------------------


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


# --- agenda -----------------------------------------------------------------------------------


def _cards(request: HttpRequest, meeting: Meeting) -> list[dict[str, Any]]:
    """Every agenda item with its case summary, decision support and rule warnings.

    Writes one audit row per case shown (audit_record_many, one INSERT)."""
    items = list(queries.agenda_with_lesions(meeting=meeting))
    thresholds = case_selectors.site_thresholds_effective()
    warnings = queries.rule_warnings_by_case(case_ids=[item.case_id for item in items])
    today = timezone.localdate()
    cards = []
    for index, item in enumerate(items, start=1):
        support = case_selectors.case_decision_support(case=item.case, thresholds=thresholds)
        case_warnings = [
            {**w, "severity_label": _(_SEVERITY_LABELS.get(w["severity"], w["severity"]))}
            for w in warnings.get(item.case_id, [])
        ]
        decision = getattr(item, "decision", None) if hasattr(item, "decision") else None
        cards.append({
            "item": item, "position": index, "support": support, "warnings": case_warnings,
            "c": case_summary(item.case, support, today=today), "decision": decision,
            "outcome_label": item.get_outcome_display(),
        })
    audit_record_many(principal=principal_from_request(request), action="read",
                      object_type="case", path=request.path,
                      objects=[(card["item"].case.public_id, card["item"].case.patient.public_id)
                               for card in cards])
    return cards


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
    meeting = _meeting(request, public_id)
    q = request.GET.get("q", "")
    urgency = request.GET.get("urgency", "")
    outcome = request.GET.get("outcome", "")
    return _render_agenda(request, meeting, q=q, urgency=urgency, outcome=outcome)


def _render_agenda(request: HttpRequest, meeting: Meeting, *, q: str = "", urgency: str = "",
                   outcome: str = "", focus: tuple[str, str] | None = None,
                   status: int = 200) -> HttpResponse:
    all_cards = _cards(request, meeting)
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
    context = {
        "meeting": meeting, "cards": cards, "q": q, "urgency": urgency, "outcome": outcome,
        "urgency_choices": [(v, code_label("Urgency", v)) for v in ("routine", "urgent",
                                                                     "emergency")],
        "outcome_choices": AgendaItem.Outcome.choices,
        "manages": manages, "editable": editable,
        # Reordering a filtered list would be ambiguous: up/down only on the whole agenda.
        "reorderable": manages and editable and not (q or urgency or outcome)
        and len(all_cards) > 1,
        "last_position": len(all_cards),
        "moved_cards": [c for c in all_cards if c["item"].outcome in _MOVED_OUTCOMES],
        "pending_count": sum(1 for c in all_cards if c["item"].outcome == "pending"),
        "start_window": selectors.meeting_start_window(meeting=meeting, now=timezone.now()),
    }
    template = ("boardsvc/_agenda_items.html" if getattr(request, "htmx", False)
                else "boardsvc/agenda.html")
    return render_page(request, template, context, status=status, section="meetings")


_MOVED_OUTCOMES = (AgendaItem.Outcome.ROLLED_FORWARD, AgendaItem.Outcome.DEFERRED)


@login_required
@require_POST
def agenda_reorder(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Move one case a place up or down (boardsvc.services.agenda_reorder with the complete
    new order). Plain buttons, so the keyboard works; with htmx only the list is swapped and
    the focus returns to the button just pressed."""
    meeting = _meeting(request, public_id)
    principal = principal_from_request(request)
    _require_manager(principal, meeting)
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
        except services.BoardRuleError as exc:
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
    meeting = _meeting(request, public_id)
    principal = principal_from_request(request)
    _require_manager(principal, meeting)
    candidates = {str(c.public_id): c for c in
                  queries.late_candidates(principal=principal, meeting=meeting)}
    form = LateAdditionForm(request.POST if request.method == "POST" else None,
                            cases=[(pid, _case_choice_label(c)) for pid, c in candidates.items()])
    status = 200
    if request.method == "POST":
        if form.is_valid():
            case = candidates[form.cleaned_data["case"]]
            try:
                item = services.agenda_item_add_late(meeting=meeting, case=case,
                                                     reason=form.cleaned_data["reason"],
                                                     principal=principal)
            except services.BoardRuleError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status if exc.status in (400, 409) else 400
            else:
                messages.success(request, _("Case %(patient)s added to the agenda.")
                                 % {"patient": str(case.patient.public_id)[:8]})
                url = reverse("boardsvc_web:agenda", args=[meeting.public_id])
                return redirect(f"{url}#order-{item.public_id}")
        else:
            status = 400
    # The form lists every candidate case (pseudonym, histology, urgency): one row each (S8).
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
    """The printable agenda (print.css): every case card, no controls."""
    meeting = _meeting(request, public_id)
    return render_page(request, "boardsvc/agenda_print.html",
                       {"meeting": meeting, "cards": _cards(request, meeting)},
                       section="meetings")


# --- live meeting -----------------------------------------------------------------------------


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
    cards = _cards(request, meeting)
    index = 0
    for i, card in enumerate(cards):
        if str(card["item"].public_id) == item_id:
            index = i
            break
    else:
        # Open on the first case still waiting for the board.
        index = next((i for i, c in enumerate(cards) if c["item"].outcome == "pending"), 0)
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
        "pending_count": sum(1 for c in cards if c["item"].outcome == "pending"),
        "start_window": selectors.meeting_start_window(meeting=meeting, now=now),
    }


@login_required
@require_GET
def live(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Live meeting mode: one case at a time, attendance, quorum, the decision form."""
    meeting = _meeting(request, public_id)
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
    meeting = _meeting(request, public_id)
    principal = principal_from_request(request)
    _require_manager(principal, meeting)
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
    except services.BoardRuleError as exc:
        messages.error(request, exc.message)
    if request.POST.get("back") == "agenda":
        return redirect(reverse("boardsvc_web:agenda", args=[meeting.public_id]))
    return _back_to_live(meeting, request.POST.get("item"))


@login_required
@require_POST
def attendance(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Take attendance at the door: someone arrives (optionally as a stand-in) or leaves."""
    meeting = _meeting(request, public_id)
    principal = principal_from_request(request)
    _require_manager(principal, meeting)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person and whether they arrive or leave."))
        return _back_to_live(meeting, request.POST.get("item"))
    user = get_user_model().objects.filter(username=form.cleaned_data["username"],
                                           is_active=True).first()
    if user is None:
        messages.error(request, _("There is no such person."))
        return _back_to_live(meeting, request.POST.get("item"))
    try:
        if form.cleaned_data["action"] == "arrive":
            services.attendance_arrive(meeting=meeting, user=user, principal=principal,
                                       specialty=form.cleaned_data.get("specialty") or "")
        else:
            services.attendance_leave(meeting=meeting, user=user, principal=principal)
    except services.BoardRuleError as exc:
        messages.error(request, exc.message)
    return _back_to_live(meeting, request.POST.get("item"))


def _item(meeting: Meeting, item_id: Any) -> AgendaItem:
    item = AgendaItem.objects.filter(meeting=meeting, public_id=item_id).select_related(
        "case__patient", "meeting__board").first()
    if item is None:
        raise Http404
    return item


@login_required
@require_POST
def item_outcome(request: HttpRequest, public_id: Any, item_id: Any) -> HttpResponse:
    """Mark the case standard of care (listed, not discussed) or defer it with a reason."""
    meeting = _meeting(request, public_id)
    principal = principal_from_request(request)
    _require_manager(principal, meeting)
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
    except services.BoardRuleError as exc:
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
    meeting = _meeting(request, public_id)
    principal = principal_from_request(request)
    _require_manager(principal, meeting)
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
    except services.StaleDecision:
        context = _live_context(request, meeting, str(item.public_id))
        context["stale"] = stale
        return render_page(request, "boardsvc/live.html", context, status=409,
                           section="meetings")
    except services.BoardRuleError as exc:
        if exc.rule == "already_decided":
            context = _live_context(request, meeting, str(item.public_id))
            context["stale"] = stale
            return render_page(request, "boardsvc/live.html", context, status=409,
                               section="meetings")
        field = exc.field if exc.field in form.fields else None
        if exc.field == "procedures" or (exc.field or "").startswith("procedures["):
            field = "procedure"
        form.add_error(field, exc.message)
        context["form"] = form
        return render_page(request, "boardsvc/live.html", context,
                           status=exc.status if exc.status in (400, 409) else 400,
                           section="meetings")
    nxt = context["next"]
    return _back_to_live(meeting, str(nxt["item"].public_id) if nxt else str(item.public_id))


@login_required
@require_GET
def decision_summary(request: HttpRequest, public_id: Any) -> HttpResponse:
    """A printable decision summary: outcome, plan, suggestions seen, quorum, history."""
    principal = principal_from_request(request)
    try:
        decision = selectors.decision_get_visible(principal=principal, public_id=public_id)
    except Decision.DoesNotExist:
        raise Http404 from None
    audit_record_many(principal=principal, action="read", object_type="decision",
                      path=request.path,
                      objects=[(decision.public_id, decision.case.patient.public_id)])
    procedures = [
        {**p, "label": code_label("ProcedureType", p.get("procedure_type", "")),
         "intent_label": code_label("Intent", p.get("intent", ""))}
        for p in decision.procedures
    ]
    return render_page(request, "boardsvc/decision_summary.html", {
        "decision": decision, "procedures": procedures,
        "pseudonym": str(decision.case.patient.public_id)[:8],
        "histology": code_label("Histology", decision.case.primary_histology),
    }, section="meetings")
