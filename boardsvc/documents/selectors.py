"""Reads of stored documents, scoped to the principal like every board read: a board member
sees the documents of their boards' meetings, coordinators and administrators every board's,
system clients those of their boards. Another board's document is simply not found (404)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from boardsvc import selectors as board_selectors
from boardsvc.models import DocumentDelivery, OutcomeDocument
from core.access import Principal


def _valid_uuid(value: object) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def _scoped(principal: Principal) -> QuerySet[OutcomeDocument]:
    if not principal.is_authenticated:
        return OutcomeDocument.objects.none()
    ids = board_selectors.principal_board_ids(principal=principal)
    queryset = OutcomeDocument.objects.select_related(
        "meeting__board", "decision", "case__patient", "created_by")
    return queryset if ids is None else queryset.filter(meeting__board_id__in=ids)


def documents_visible(*, principal: Principal, meeting_id: int | None = None,
                      decision_id: int | None = None, case_public_id: str | None = None,
                      kinds: Iterable[str] = ()) -> QuerySet[OutcomeDocument]:
    """Visible documents, newest first, without their content. Filters: the meeting (index
    document_meeting_kind_idx), the decision, the case's patient (document_case_kind_idx),
    kinds."""
    queryset = _scoped(principal).defer("content")
    if meeting_id is not None:
        queryset = queryset.filter(meeting_id=meeting_id)
    if decision_id is not None:
        queryset = queryset.filter(decision_id=decision_id)
    if case_public_id is not None:
        queryset = queryset.filter(case__public_id=case_public_id)
    kinds = list(kinds)
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    return queryset.order_by("-created_at", "-id")


def documents_of_patient(*, principal: Principal, patient_public_id: str,
                         kinds: Iterable[str] = ()) -> QuerySet[OutcomeDocument]:
    """Visible documents about one patient (the FHIR subject search)."""
    queryset = _scoped(principal).defer("content").filter(
        case__patient__public_id=patient_public_id)
    kinds = list(kinds)
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    return queryset.order_by("-created_at", "-id")


def document_get_visible(*, principal: Principal, public_id: UUID | str,
                         with_content: bool = False) -> OutcomeDocument:
    """Raises OutcomeDocument.DoesNotExist when unknown or another board's."""
    if not _valid_uuid(public_id):
        raise OutcomeDocument.DoesNotExist
    queryset = _scoped(principal)
    if not with_content:
        queryset = queryset.defer("content")
    return queryset.get(public_id=public_id)


def document_pseudonym(*, public_id: str) -> str:
    """The patient pseudonym of a document asked for by id (audit of a refused read)."""
    if not _valid_uuid(public_id):
        return ""
    value = (OutcomeDocument.objects.filter(public_id=public_id)
             .values_list("case__patient__public_id", flat=True).first())
    return str(value) if value else ""


def document_subjects(document: OutcomeDocument) -> list[tuple[object, object]]:
    """Whose data a document shows, as (document id, patient pseudonym) audit subjects: its
    case's patient, or every patient on the meeting for minutes and the agenda."""
    if document.case_id is not None:
        return [(document.public_id, document.case.patient.public_id)]
    pseudonyms = (document.meeting.items.order_by("position", "pk")
                  .values_list("case__patient__public_id", flat=True))
    return [(document.public_id, p) for p in pseudonyms] or [(document.public_id, "")]


def deliveries_of(*, document: OutcomeDocument) -> QuerySet[DocumentDelivery]:
    return DocumentDelivery.objects.filter(document=document).order_by("queued_at", "pk")


def latest_by_kind(documents: Iterable[OutcomeDocument]) -> dict[str, Any]:
    """The newest version of each kind (and language), for the pages' document lists."""
    latest: dict[str, Any] = {}
    for document in documents:
        latest.setdefault(f"{document.kind}:{document.language}", document)
    return latest


def meeting_decisions(*, meeting_id: int) -> QuerySet[Any]:
    """The decisions taken at a (visible) meeting, in agenda order, case and patient loaded."""
    from boardsvc.models import Decision

    return (Decision.objects.filter(meeting_id=meeting_id)
            .select_related("case__patient", "agenda_item")
            .order_by("agenda_item__position", "pk"))
