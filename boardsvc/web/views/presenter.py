"""The meeting-room screen (/meetings/<id>/present/) and the fragment it polls.

The chair's navigation in live mode puts a case on the screen (boardsvc.services.meeting_present
records Meeting.presenter_item / presenter_at). The screen, and any member's device following
the room, polls ``present/fragment/?since=<stamp>`` every 1.5 s with htmx: the answer is 204
(nothing to swap) while the stamp (boardsvc.selectors.presenter_stamp: the case, attendance,
opinions, decision) is unchanged, else the new fragment carrying the new stamp. No inline
script: htmx attributes only (CSP-safe). Visible to the board's members like the agenda, and
every case displayed is audited like the agenda's reads.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from boardsvc import selectors, services
from boardsvc.models import AgendaItem, Meeting, Opinion
from cases import selectors as case_selectors
from cases.web.present import case_summary
from core.access import principal_from_request
from core.audit import audit_record
from core.errors import RuleError
from core.web.pages import render_page

from .attendance import attendance_panel_context
from .common import visible_meeting

_PRESENTABLE = (Meeting.Status.PLANNED, Meeting.Status.FROZEN, Meeting.Status.IN_SESSION)


def follow_chair(request: HttpRequest, meeting: Meeting, current: dict[str, Any] | None) -> None:
    """When the person running the meeting opens a case in live mode, the room screen moves
    to it; a member browsing live mode moves nothing."""
    if current is None or meeting.status not in _PRESENTABLE:
        return
    principal = principal_from_request(request)
    if not selectors.principal_manages_board(principal=principal, board_id=meeting.board_id):
        return
    try:
        services.meeting_present(meeting=meeting, item=current["item"], principal=principal)
    except RuleError:  # the meeting closed meanwhile: the screen stays where it was
        return


def opinion_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    """Whether the viewer may give opinions on this meeting's cases (an active member while
    the meeting can change), and the kinds offered."""
    member = selectors.board_membership(board_id=meeting.board_id, user=request.user)
    return {"can_opine": member is not None and meeting.status in _PRESENTABLE,
            "opinion_kinds": Opinion.Kind.choices}


def with_opinions(request: HttpRequest, cards: list[dict[str, Any]]) -> None:
    """Add each card's ``opinions`` and the viewer's own (``my_opinion``): one query."""
    by_item = selectors.opinions_for_items(item_ids=[card["item"].pk for card in cards])
    me = getattr(request.user, "pk", None)
    for card in cards:
        card["opinions"] = by_item.get(card["item"].pk, [])
        card["my_opinion"] = next((o for o in card["opinions"] if o.author_id == me), None)


def live_room_context(request: HttpRequest, meeting: Meeting,
                      current: dict[str, Any] | None) -> dict[str, Any]:
    """What live mode adds for the room: the current case's identity (for those entitled,
    audited), opinions, the attendance panel and the opinion form."""
    if current is not None:
        with_opinions(request, [current])
        current["identity"] = case_selectors.patient_identity(
            principal_from_request(request), current["item"].case, path=request.path)
    context = attendance_panel_context(request, meeting)
    context.pop("quorum", None)  # live mode computes the quorum itself
    context["panel_item"] = str(current["item"].public_id) if current is not None else ""
    context["my_opinion"] = current.get("my_opinion") if current is not None else None
    return {**context, **opinion_context(request, meeting)}


def room_case(request: HttpRequest, meeting: Meeting) -> dict[str, Any] | None:
    """The case on the room screen as the screen shows it (summary with lesions, scores and
    suggestions, identity for those entitled, imaging, opinions, decision), audited; None when
    no case has been put on the screen."""
    item = selectors.presenter_entry(meeting=meeting)
    if item is None:
        return None
    principal = principal_from_request(request)
    case = item.case
    support = case_selectors.case_decision_support(
        case=case, thresholds=case_selectors.site_thresholds_effective())
    audit_record(principal=principal, action="read", object_type="case",
                 object_id=case.public_id, patient_pseudonym=case.patient.public_id,
                 path=request.path)
    imaging = [{"study": study, "viewer_url": case_selectors.imaging_viewer_url(
        accession=study.accession_number, study_uid=study.study_instance_uid)}
        for study in case_selectors.imaging_studies_for_case(case=case)[:8]]
    decision = getattr(item, "decision", None) if hasattr(item, "decision") else None
    return {
        "item": item, "c": case_summary(case, support, today=timezone.localdate()),
        "identity": case_selectors.patient_identity(principal, case, path=request.path),
        "imaging": imaging, "decision": decision,
        "opinions": selectors.opinions_for_items(item_ids=[item.pk]).get(item.pk, []),
        "position": selectors.agenda_order_position(item=item),
    }


def _context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    return {
        "meeting": meeting, "room": room_case(request, meeting),
        "stamp": selectors.presenter_stamp(meeting=meeting),
        "quorum": selectors.meeting_quorum_at(meeting=meeting, at=timezone.now()),
        "outcomes": AgendaItem.Outcome,
    }


@login_required
@require_GET
def present(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The room screen: the current case, large and dense, following the chair."""
    meeting = visible_meeting(request, public_id)
    return render_page(request, "boardsvc/presenter.html", _context(request, meeting),
                       section="meetings")


@login_required
@require_GET
def present_fragment(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The screen's content if it changed since ``since`` (the stamp the screen shows), else
    204 so htmx leaves the screen as it is."""
    meeting = visible_meeting(request, public_id)
    if request.GET.get("since") == selectors.presenter_stamp(meeting=meeting):
        response = HttpResponse(status=204)
        response["HX-Reswap"] = "none"
        return response
    context = _context(request, meeting)
    context["compact"] = request.GET.get("mode") == "follow"
    context["id_prefix"] = "follow-" if context["compact"] else ""
    return render(request, "boardsvc/_presenter_fragment.html", context)
