"""What the page modules share: the visible meeting (else 404), the manager check, and the
agenda's case cards (each case's summary, decision support and rule warnings, audited)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from boardsvc import selectors
from boardsvc.models import Meeting
from boardsvc.web import queries
from cases import selectors as case_selectors
from cases.web.present import case_summary
from core.access import Principal, principal_from_request
from core.audit import audit_record_many

_SEVERITY_LABELS = {"hard": "hard rule", "soft": "soft rule"}


def visible_meeting(request: HttpRequest, public_id: Any) -> Meeting:
    """The meeting if it is on one of the user's boards; else 404 (existence is not leaked)."""
    try:
        return selectors.meeting_get_visible(principal=principal_from_request(request),
                                             public_id=public_id)
    except Meeting.DoesNotExist:
        raise Http404 from None


def require_manager(principal: Principal, meeting: Meeting) -> None:
    """Chairs, board coordinators, group coordinators and administrators run the meeting."""
    if not selectors.principal_manages_board(principal=principal, board_id=meeting.board_id):
        raise PermissionDenied


def agenda_cards(request: HttpRequest, meeting: Meeting) -> list[dict[str, Any]]:
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
