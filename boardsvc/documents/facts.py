"""Rows → the facts of boardsvc.domain.minutes (the ORM side of document generation).

Called by boardsvc/services/documents.py inside ``translation.override(language)``, so code
labels come out in the document's language. Reads a fixed number of queries per document
(the agenda with its cases, patients, lesions, decisions, attendance, apologies, hospital
numbers), never one per case.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from boardsvc.domain import minutes as doc
from boardsvc.models import (
    AgendaItem,
    Apology,
    Attendance,
    Board,
    BoardMember,
    Decision,
    Meeting,
    Specialty,
)
from cases.labels import code_label
from cases.models import Case, Lesion, PatientIdentifier


def header(board: Board) -> doc.Header:
    return doc.Header(hospital=str(settings.BOARDSVC_HOSPITAL_NAME),
                      address=str(getattr(settings, "BOARDSVC_HOSPITAL_ADDRESS", "") or ""),
                      board=board_name(board))


def board_name(board: Board) -> str:
    """The board's name in the active language (Italian where the board has one)."""
    from django.utils.translation import get_language

    if (get_language() or "").startswith("it") and board.name_it:
        return board.name_it
    return board.name


def local(moment: Any, board: Board) -> str:
    """A moment in the board's zone: "24/11/2026 14:00 (Europe/Rome)"."""
    if moment is None:
        return ""
    value = moment.astimezone(ZoneInfo(board.timezone))
    return f"{value:%d/%m/%Y %H:%M} ({board.timezone})"


def person(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def specialty_label(code: str) -> str:
    try:
        return str(Specialty(code).label)
    except ValueError:
        return code


def _hospital_numbers(patient_ids: Iterable[int]) -> dict[int, str]:
    system = str(getattr(settings, "BOARDSVC_HOSPITAL_NUMBER_SYSTEM", "")
                 or "urn:boardsvc:hospital-number")
    numbers: dict[int, str] = {}
    for patient_id, value in (PatientIdentifier.objects
                              .filter(patient_id__in=sorted(set(patient_ids)), system=system)
                              .order_by("patient_id", "value")
                              .values_list("patient_id", "value")):
        numbers.setdefault(patient_id, value)
    return numbers


def patient_facts(case: Case, numbers: dict[int, str]) -> doc.PatientFacts:
    patient = case.patient
    name = " ".join(p for p in (patient.family_name.upper(), patient.given_name) if p)
    return doc.PatientFacts(
        pseudonym=str(patient.public_id)[:8], name=name, birth_date=patient.birth_date,
        hospital_number=numbers.get(patient.pk, ""),
        age_sex=f"{patient.birth_year} · {code_label('Sex', patient.sex)}")


def lesion_label(lesion: Lesion) -> str:
    where = code_label("SkeletalSite", lesion.site)
    if lesion.vertebral_level:
        where = f"{where} {lesion.vertebral_level}"
    if lesion.site_detail:
        where = f"{where} ({lesion.site_detail})"
    return f"{where}, {lesion.max_diameter_mm} mm {code_label('LesionPattern', lesion.pattern)}"


def _procedure_facts(procedures: list[dict[str, Any]],
                     lesions: dict[str, Lesion]) -> tuple[doc.ProcedureFacts, ...]:
    rows = []
    for order, item in enumerate(procedures, start=1):
        lesion = lesions.get(str(item.get("target_lesion") or ""))
        detail = []
        if item.get("dose_gy"):
            fractions = item.get("fractions")
            detail.append(f"{item['dose_gy']} Gy" + (f" / {fractions} fr" if fractions else ""))
        if item.get("prepares_index") is not None:
            detail.append(_("prepares no. %(n)s") % {"n": int(item["prepares_index"]) + 1})
        if item.get("same_session_with_index") is not None:
            detail.append(_("same session as no. %(n)s")
                          % {"n": int(item["same_session_with_index"]) + 1})
        if item.get("notes"):
            detail.append(str(item["notes"]))
        rows.append(doc.ProcedureFacts(
            order=order, procedure=code_label("ProcedureType", item.get("procedure_type", "")),
            intent=code_label("Intent", item.get("intent", "")) if item.get("intent") else "",
            purpose=code_label("ProcedurePurpose", item.get("purpose", ""))
            if item.get("purpose") else "",
            target=lesion_label(lesion) if lesion is not None else "",
            detail="; ".join(detail)))
    return tuple(rows)


def decision_facts(decision: Decision, numbers: dict[int, str]) -> doc.DecisionFacts:
    """A decision, its case, patient and lesions loaded (``decisions_loaded``)."""
    case = decision.case
    lesions = {str(lesion.public_id): lesion for lesion in case.lesions.all()}
    quorum = decision.quorum_snapshot or {}
    board = decision.meeting.board
    return doc.DecisionFacts(
        patient=patient_facts(case, numbers), clinical_question=case.clinical_question,
        outcome_text=decision.outcome_text, recorded_at=local(decision.recorded_at, board),
        category=decision.get_outcome_category_display() if decision.outcome_category else "",
        intent=code_label("Intent", decision.intent) if decision.intent else "",
        procedures=_procedure_facts(list(decision.procedures or []), lesions),
        follow_up=decision.follow_up, responsible_clinician=person(
            decision.responsible_clinician),
        followed_suggestions=decision.followed_suggestions,
        override_reason=decision.override_reason, quorum_met=decision.quorum_met,
        quorum_missing=tuple(str(x) for x in quorum.get("missing", [])),
        quorum_stand_ins=tuple(str(x) for x in quorum.get("covered_by_stand_in", [])),
        version=decision.version, histology=code_label("Histology", case.primary_histology),
        referrer=case.referring_clinician)


def decision_loaded(decision_id: int) -> Decision:
    return (Decision.objects.select_related("meeting__board", "case__patient",
                                            "responsible_clinician", "agenda_item")
            .prefetch_related(Prefetch("case__lesions",
                                       queryset=Lesion.objects.order_by("position", "id")))
            .get(pk=decision_id))


def outcome_record_facts(decision: Decision) -> tuple[doc.MeetingFacts, doc.DecisionFacts]:
    numbers = _hospital_numbers([decision.case.patient_id])
    meeting = decision.meeting
    return meeting_header_facts(meeting), decision_facts(decision, numbers)


def meeting_header_facts(meeting: Meeting, **extra: Any) -> doc.MeetingFacts:
    board = meeting.board
    return doc.MeetingFacts(
        board=board_name(board), starts=local(meeting.starts_at, board), timezone=board.timezone,
        kind=str(meeting.get_kind_display()), location=meeting.location,
        status=str(meeting.get_status_display()), **extra)


def _item_note(item: AgendaItem, moved: dict[int, AgendaItem]) -> str:
    parts = []
    if item.defer_reason:
        parts.append(item.defer_reason)
    target = moved.get(item.pk)
    if target is not None:
        parts.append(_("moved to the meeting of %(when)s")
                     % {"when": local(target.meeting.starts_at, target.meeting.board)})
    if item.standard_of_care and item.outcome == AgendaItem.Outcome.STANDARD_OF_CARE:
        parts.append(_("standard of care: listed, not discussed"))
    return "; ".join(parts)


def minutes_facts(meeting: Meeting) -> doc.MeetingFacts:
    """Everything the minutes say, in a fixed number of queries."""
    items = list(AgendaItem.objects.filter(meeting=meeting)
                 .select_related("case__patient")
                 .prefetch_related(Prefetch("case__lesions",
                                            queryset=Lesion.objects.order_by("position", "id")))
                 .order_by("position", "pk"))
    decisions = {d.agenda_item_id: d for d in
                 Decision.objects.filter(agenda_item__in=[i.pk for i in items])
                 .select_related("responsible_clinician")}
    moved = {i.rolled_from_id: i for i in AgendaItem.objects.filter(
        rolled_from__in=[i.pk for i in items]).select_related("meeting__board")}
    numbers = _hospital_numbers(i.case.patient_id for i in items)
    rows = []
    for position, item in enumerate(items, start=1):
        decision = decisions.get(item.pk)
        facts = None
        if decision is not None:
            decision.case = item.case
            decision.meeting = meeting
            facts = decision_facts(decision, numbers)
        rows.append(doc.ItemFacts(
            position=position, pseudonym=str(item.case.patient.public_id)[:8],
            outcome=str(item.get_outcome_display()), outcome_code=item.outcome, decision=facts,
            note=_item_note(item, moved)))
    attendance = Attendance.objects.filter(meeting=meeting).select_related("user").order_by(
        "arrived_at", "pk")
    seen: dict[tuple[int, str], doc.AttendeeFacts] = {}
    for row in attendance:
        seen.setdefault((row.user_id, row.specialty), doc.AttendeeFacts(
            name=person(row.user), specialty=specialty_label(row.specialty),
            stand_in=row.stand_in))
    apologies = tuple(
        doc.ApologyFacts(name=person(a.user), reason=a.reason, stand_in=person(a.stand_in))
        for a in Apology.objects.filter(meeting=meeting).select_related("user", "stand_in"))
    return meeting_header_facts(meeting, attendees=tuple(seen.values()), apologies=apologies,
                                items=tuple(rows))


def members_facts(meeting: Meeting) -> tuple[doc.AttendeeFacts, ...]:
    """The board's active members, expected at the meeting, by specialty."""
    members = (BoardMember.objects.filter(board_id=meeting.board_id, active=True)
               .select_related("user").order_by("specialty", "user__last_name", "pk"))
    return tuple(doc.AttendeeFacts(name=person(m.user), specialty=specialty_label(m.specialty),
                                   role=str(m.get_role_display())
                                   if m.role != BoardMember.Role.MEMBER else "")
                 for m in members)


def agenda_facts(meeting: Meeting, cards: list[dict[str, Any]]) -> doc.MeetingFacts:
    """The printed agenda from the page's case cards (boardsvc.web.views.common.agenda_cards):
    one compact block per case."""
    items = []
    for card in cards:
        c = card["c"]
        lesions = "; ".join(f"{row['site']}{' ' + row['level'] if row['level'] else ''} "
                            f"{row['size_mm']} mm {row['pattern']}" for row in c["lesions"])
        suggestions = [f"{s['procedure_label']}" for row in c["lesions"]
                       for s in row.get("suggestions", [])][:3]
        items.append(doc.ItemFacts(
            position=card["position"], pseudonym=c["pseudonym"],
            outcome=card["outcome_label"], outcome_code=card["item"].outcome,
            urgency=c["urgency_label"], histology=c["histology"], question=c["question"],
            lesions=lesions, suggestion=", ".join(dict.fromkeys(suggestions)),
            warnings=len(card["warnings"])))
    return meeting_header_facts(meeting, members=members_facts(meeting), items=tuple(items))


def case_pseudonyms(meeting: Meeting) -> list[str]:
    """The patient pseudonyms of every case on a meeting (the audit of a minutes read)."""
    return [str(p) for p in AgendaItem.objects.filter(meeting=meeting)
            .order_by("position", "pk").values_list("case__patient__public_id", flat=True)]
