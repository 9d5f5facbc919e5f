"""Documents that leave the room: the MDT outcome record of a decided case, the meeting's
minutes, outcome letters to the GP and the referrer, the agenda as a PDF.

What a document says is built as pure data (boardsvc/domain/minutes.py) from the rows
(boardsvc/documents/facts.py) and rendered to PDF (boardsvc/documents/pdf.py). Stored documents
are ``OutcomeDocument`` rows, versioned: generating the same document again (same kind, meeting
and decision) makes the next version under a lock on the meeting row.

Automatic generation goes through the transactional outbox, so the request path stays fast: a
decision enqueues its outcome record (``documents_on_decided``), closing a meeting its minutes
(``documents_on_closed``). The tasks are idempotent: they make the first version only, so a
second delivery of the task makes no duplicate. The chair or a coordinator regenerates by hand
(``document_generate``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.template.loader import select_template
from django.utils import translation
from django.utils.translation import gettext

from boardsvc.documents import facts
from boardsvc.documents.pdf import render_pdf
from boardsvc.domain import minutes as doc
from boardsvc.domain.errors import BoardRuleError
from boardsvc.models import Decision, Meeting, OutcomeDocument
from core.access import Principal
from core.audit import audit_record
from core.models import AuditEvent
from core.outbox import outbox_enqueue

from .common import now_or

TASK_OUTCOME_RECORD = "boardsvc.tasks.document_outcome_record"
TASK_MINUTES = "boardsvc.tasks.document_minutes"

Kind = OutcomeDocument.Kind
LETTER_KINDS = {Kind.LETTER_GP: "gp", Kind.LETTER_REFERRER: "referrer"}
DECISION_KINDS = {Kind.OUTCOME_RECORD, Kind.LETTER_GP, Kind.LETTER_REFERRER}
GENERATED_KINDS = {*DECISION_KINDS, Kind.MINUTES}


def site_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def default_language() -> str:
    return str(settings.LANGUAGE_CODE).split("-")[0]


# --- the outbox hooks (called inside the writer's transaction) ---------------------------------

def documents_on_decided(*, decision: Decision) -> None:
    """After commit, the outcome record of a newly recorded decision is generated."""
    outbox_enqueue(task_name=TASK_OUTCOME_RECORD, kwargs={"decision_id": decision.pk},
                   dedup_key=f"{TASK_OUTCOME_RECORD}:{decision.pk}")


def documents_on_closed(*, meeting: Meeting) -> None:
    """After commit, the minutes of a closed meeting are generated."""
    outbox_enqueue(task_name=TASK_MINUTES, kwargs={"meeting_id": meeting.pk},
                   dedup_key=f"{TASK_MINUTES}:{meeting.pk}")


@transaction.atomic
def outcome_record_auto(*, decision_id: int) -> OutcomeDocument | None:
    """The task's work: the first outcome record of a decision, or None when one exists (a
    rerun makes no duplicate; the decision row lock orders concurrent runs)."""
    decision = Decision.objects.select_for_update(of=("self",)).filter(pk=decision_id).first()
    if decision is None or OutcomeDocument.objects.filter(
            decision_id=decision_id, kind=Kind.OUTCOME_RECORD).exists():
        return None
    return _generate(kind=Kind.OUTCOME_RECORD, decision=facts.decision_loaded(decision_id),
                     meeting=None, principal=None, language=default_language())


@transaction.atomic
def minutes_auto(*, meeting_id: int) -> OutcomeDocument | None:
    """The task's work: the first minutes of a closed meeting, or None when they exist."""
    meeting = (Meeting.objects.select_for_update(of=("self",)).select_related("board")
               .filter(pk=meeting_id).first())
    if meeting is None or OutcomeDocument.objects.filter(
            meeting_id=meeting_id, kind=Kind.MINUTES).exists():
        return None
    return _generate(kind=Kind.MINUTES, meeting=meeting, decision=None, principal=None,
                     language=default_language())


# --- manual generation ----------------------------------------------------------------------

@transaction.atomic
def document_generate(*, kind: str, principal: Principal | None, meeting: Meeting | None = None,
                      decision: Decision | None = None, language: str | None = None,
                      now: datetime | None = None) -> OutcomeDocument:
    """Generate (again) a document: the minutes of a meeting in session or closed, or the
    outcome record or a letter of a decision. The next version of the same document.

    Raises BoardRuleError: ``kind`` unknown (400, rule ``choice``), ``language`` not one of the
    site's (400, ``choice``), a decision document without a decision (400, ``required``),
    minutes of a meeting that has not started (409, ``state``)."""
    if kind not in GENERATED_KINDS:
        raise BoardRuleError("Unknown document kind.", field="kind", rule="choice")
    lang = language or default_language()
    if lang not in site_languages():
        raise BoardRuleError(f"The language must be one of {', '.join(site_languages())}.",
                             field="language", rule="choice")
    if kind in DECISION_KINDS:
        if decision is None:
            raise BoardRuleError("This document is about a decision: name the decision.",
                                 field="decision", rule="required")
        return _generate(kind=kind, decision=facts.decision_loaded(decision.pk), meeting=None,
                         principal=principal, language=lang, now=now)
    if meeting is None:
        raise BoardRuleError("Name the meeting.", field="meeting", rule="required")
    locked = Meeting.objects.select_for_update(of=("self",)).select_related("board").get(pk=meeting.pk)
    if locked.status not in (Meeting.Status.IN_SESSION, Meeting.Status.CLOSED):
        raise BoardRuleError("Minutes are written once the meeting has started.",
                             field="meeting", rule="state", status=409)
    return _generate(kind=kind, meeting=locked, decision=None, principal=principal,
                     language=lang, now=now)


def agenda_pdf(*, meeting: Meeting, cards: list[dict[str, Any]],
               language: str | None = None) -> bytes:
    """The printed agenda as a PDF (not stored: it changes until the meeting)."""
    with translation.override(language or translation.get_language() or default_language()):
        lang = (translation.get_language() or default_language()).split("-")[0]
        document = doc.agenda(meeting=facts.agenda_facts(meeting, cards),
                              header=facts.header(meeting.board), language=lang, _=gettext)
        return render_pdf(document)


# --- building and storing ---------------------------------------------------------------------

def _letter_text(*, kind: str, decision: Decision, record: doc.DecisionFacts,
                 meeting: doc.MeetingFacts, language: str) -> tuple[str, str]:
    """The letter's recipient line and text, from the site's template for the language
    (boardsvc/letters/outcome_letter.<language>.txt, overridable by the site's templates)."""
    case = decision.case
    role = LETTER_KINDS[kind]
    recipient = case.gp_name if role == "gp" else case.referring_clinician
    template = select_template([f"boardsvc/letters/outcome_letter.{language}.txt",
                                "boardsvc/letters/outcome_letter.en.txt"])
    text = template.render({
        "role": role, "recipient": recipient, "patient": record.patient,
        "decision": record, "meeting": meeting, "case": {
            "clinical_question": case.clinical_question, "referrer": case.referring_clinician,
            "gp_name": case.gp_name},
        "hospital": str(settings.BOARDSVC_HOSPITAL_NAME),
        "pseudonym_only": doc.missing_identification(record.patient),
    })
    return recipient, text


def _build(*, kind: str, meeting: Meeting, decision: Decision | None,
           language: str) -> tuple[str, doc.Document]:
    header = facts.header(meeting.board)
    if kind == Kind.MINUTES:
        meeting_facts = facts.minutes_facts(meeting)
        title = gettext("MDT meeting minutes")
        return title, doc.minutes(meeting=meeting_facts, header=header, language=language,
                                  _=gettext)
    assert decision is not None
    meeting_facts, record = facts.outcome_record_facts(decision)
    pseudonym = record.patient.pseudonym
    if kind == Kind.OUTCOME_RECORD:
        return (f"{gettext('MDT outcome record')} {pseudonym}",
                doc.outcome_record(meeting=meeting_facts, decision=record, header=header,
                                   language=language, _=gettext))
    _recipient, text = _letter_text(kind=kind, decision=decision, record=record,
                                   meeting=meeting_facts, language=language)
    title = (gettext("Outcome letter to the GP") if kind == Kind.LETTER_GP
             else gettext("Outcome letter to the referrer"))
    return (f"{title} {pseudonym}",
            doc.letter(title=title, body=text, header=header, language=language,
                       subtitle=f"{meeting_facts.board} · {meeting_facts.starts}"))


def _generate(*, kind: str, meeting: Meeting | None, decision: Decision | None,
              principal: Principal | None, language: str,
              now: datetime | None = None) -> OutcomeDocument:
    """Build, render and store the next version; caller holds the transaction (and a lock on
    the meeting or decision row, which orders versions)."""
    if decision is not None:
        meeting = decision.meeting
        # Versions of one decision's documents are ordered by the decision row lock.
        Decision.objects.select_for_update(of=("self",)).filter(pk=decision.pk).exists()
    assert meeting is not None
    with translation.override(language):
        title, document = _build(kind=kind, meeting=meeting, decision=decision,
                                 language=language)
        content = render_pdf(document)
    previous = OutcomeDocument.objects.filter(
        kind=kind, meeting=meeting, decision=decision).aggregate(v=Max("version"))["v"] or 0
    case = decision.case if decision is not None else None
    row = OutcomeDocument.objects.create(
        kind=kind, meeting=meeting, decision=decision, case=case, language=language,
        title=title[:200], content=content, size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), version=previous + 1,
        created_at=now_or(now),
        created_by=principal.user if principal is not None and principal.is_user else None)
    audit_record(principal=principal, action=AuditEvent.Action.CREATE,
                 object_type="outcome_document", object_id=row.public_id,
                 patient_pseudonym=case.patient.public_id if case is not None else "",
                 detail={"kind": kind, "version": row.version, "language": language})
    return row
