"""What a document that leaves the room says, as pure data (no Django): the MDT outcome record
of one decided case, the meeting's minutes, an outcome letter and the printed agenda.

Services (boardsvc/services/documents.py) read the rows, turn them into the facts below and ask
these functions for a ``Document``: a title and a list of blocks (headings, label/value fields,
paragraphs, tables). boardsvc/documents/pdf.py renders any ``Document`` to PDF with the hospital
header, the confidentiality marking and "Page n of N" on every page.

Labels are passed through ``_`` (the caller's gettext in the document's language; identity by
default), so the strings are extracted for translation like any other. The marking and the page
label are fixed per language (``MARKINGS``): they must be there whatever the catalogue holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

Translate = Callable[[str], str]


def _identity(text: str) -> str:
    return text


# The confidentiality marking and the page label, per language (fallback: English).
MARKINGS: dict[str, dict[str, str]] = {
    "en": {"confidential": "CONFIDENTIAL — contains patient information",
           "page": "Page {n} of {total}"},
    "it": {"confidential": "RISERVATO — contiene informazioni sul paziente",
           "page": "Pagina {n} di {total}"},
}


def marking(language: str, key: str) -> str:
    """The fixed marking ``key`` ("confidential", "page") in ``language`` (else English)."""
    return MARKINGS.get(language.split("-")[0], MARKINGS["en"])[key]


# --- the document shape -------------------------------------------------------------------------

@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Fields:
    """Label/value pairs (a value left blank is shown as "—")."""

    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()  # relative widths; empty means equal


@dataclass(frozen=True)
class Space:
    """Room left blank (the printed agenda's box for the outcome), in millimetres."""

    height_mm: float
    label: str = ""


Block = Heading | Fields | Paragraph | Table | Space


@dataclass(frozen=True)
class Header:
    """The hospital and board the document comes from."""

    hospital: str
    address: str = ""
    board: str = ""


@dataclass(frozen=True)
class Document:
    title: str
    language: str
    header: Header
    blocks: tuple[Block, ...]
    subtitle: str = ""

    def text(self) -> str:
        """Every word of the document as plain text (tests, search, the e-mail preview)."""
        parts = [self.header.hospital, self.header.address, self.header.board, self.title,
                 self.subtitle]
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph):
                parts.append(block.text)
            elif isinstance(block, Fields):
                parts.extend(f"{label}: {value}" for label, value in block.rows)
            elif isinstance(block, Table):
                parts.append(" | ".join(block.headers))
                parts.extend(" | ".join(row) for row in block.rows)
            else:
                parts.append(block.label)
        return "\n".join(p for p in parts if p)


# --- the facts ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PatientFacts:
    """The patient as the site identifies them: the pseudonym always; name, date of birth and
    hospital number only where the site stores them (never required)."""

    pseudonym: str
    name: str = ""
    birth_date: date | None = None
    hospital_number: str = ""
    age_sex: str = ""


@dataclass(frozen=True)
class ProcedureFacts:
    order: int
    procedure: str
    intent: str = ""
    purpose: str = ""
    target: str = ""
    detail: str = ""


@dataclass(frozen=True)
class DecisionFacts:
    patient: PatientFacts
    clinical_question: str
    outcome_text: str
    recorded_at: str  # local, formatted by the caller
    category: str = ""
    intent: str = ""
    procedures: tuple[ProcedureFacts, ...] = ()
    follow_up: str = ""
    responsible_clinician: str = ""
    followed_suggestions: bool = True
    override_reason: str = ""
    quorum_met: bool = False
    quorum_missing: tuple[str, ...] = ()
    quorum_stand_ins: tuple[str, ...] = ()
    version: int = 1
    histology: str = ""
    referrer: str = ""


@dataclass(frozen=True)
class AttendeeFacts:
    name: str
    specialty: str
    stand_in: bool = False
    role: str = ""


@dataclass(frozen=True)
class ApologyFacts:
    name: str
    reason: str = ""
    stand_in: str = ""


@dataclass(frozen=True)
class ItemFacts:
    """One agenda item at the meeting: what became of it, and the decision if one was taken."""

    position: int
    pseudonym: str
    outcome: str  # the label ("Discussed", "Deferred", ...)
    outcome_code: str
    decision: DecisionFacts | None = None
    note: str = ""  # defer reason, where it went, ...
    urgency: str = ""
    histology: str = ""
    question: str = ""
    lesions: str = ""
    suggestion: str = ""
    warnings: int = 0


@dataclass(frozen=True)
class MeetingFacts:
    board: str
    starts: str  # local date and time with the zone, formatted by the caller
    timezone: str
    kind: str = ""
    location: str = ""
    status: str = ""
    attendees: tuple[AttendeeFacts, ...] = ()
    apologies: tuple[ApologyFacts, ...] = ()
    items: tuple[ItemFacts, ...] = ()
    members: tuple[AttendeeFacts, ...] = ()  # expected (the board's active members)


_DASH = "—"
ROLLED_OUTCOMES = frozenset({"rolled_forward", "deferred", "withdrawn"})


def _value(text: str) -> str:
    return text.strip() or _DASH


def _patient_rows(patient: PatientFacts, _: Translate) -> list[tuple[str, str]]:
    rows = [(_("Patient (pseudonym)"), patient.pseudonym)]
    if patient.name:
        rows.append((_("Name"), patient.name))
    if patient.birth_date is not None:
        rows.append((_("Date of birth"), patient.birth_date.isoformat()))
    if patient.hospital_number:
        rows.append((_("Hospital number"), patient.hospital_number))
    if patient.age_sex:
        rows.append((_("Age / sex"), patient.age_sex))
    return rows


def _procedure_table(procedures: Sequence[ProcedureFacts], _: Translate) -> Block:
    if not procedures:
        return Paragraph(_("No procedure planned."))
    return Table(
        headers=(_("Order"), _("Procedure"), _("Intent"), _("Purpose"), _("Target"),
                 _("Details")),
        rows=tuple((str(p.order), p.procedure, _value(p.intent), _value(p.purpose),
                    _value(p.target), _value(p.detail)) for p in procedures),
        widths=(0.6, 2.2, 1.3, 1.5, 2.2, 2.2),
    )


def _quorum_text(decision: DecisionFacts, _: Translate) -> str:
    if decision.quorum_met:
        text = _("met")
        if decision.quorum_stand_ins:
            text += " (" + _("covered by a stand-in") + ": " + \
                ", ".join(decision.quorum_stand_ins) + ")"
        return text
    missing = ", ".join(decision.quorum_missing)
    return _("not met") + (f" ({_('missing')}: {missing})" if missing else "")


def decision_blocks(decision: DecisionFacts, _: Translate = _identity, *,
                    with_patient: bool = True) -> list[Block]:
    """The decision on one case: category, intent, the procedures in order with purpose and
    target, follow-up, the responsible clinician, any override reason, the quorum."""
    blocks: list[Block] = []
    if with_patient:
        blocks.append(Fields(tuple(_patient_rows(decision.patient, _))))
    rows = [(_("Clinical question"), _value(decision.clinical_question))]
    if decision.histology:
        rows.append((_("Primary histology"), decision.histology))
    rows += [
        (_("Outcome category"), _value(decision.category)),
        (_("Intent"), _value(decision.intent)),
        (_("Follow-up"), _value(decision.follow_up)),
        (_("Responsible clinician"), _value(decision.responsible_clinician)),
        (_("Quorum at the decision (R15)"), _quorum_text(decision, _)),
        (_("Decision support"), _("followed") if decision.followed_suggestions
         else _("departed from")),
    ]
    if decision.override_reason.strip():
        rows.append((_("Override reason"), decision.override_reason.strip()))
    rows.append((_("Recorded"), decision.recorded_at + (
        f" (v{decision.version})" if decision.version > 1 else "")))
    blocks.append(Fields(tuple(rows)))
    blocks.append(Heading(_("Decision")))
    blocks.append(Paragraph(_value(decision.outcome_text)))
    blocks.append(Heading(_("Treatment plan")))
    blocks.append(_procedure_table(decision.procedures, _))
    return blocks


def outcome_record(*, meeting: MeetingFacts, decision: DecisionFacts, header: Header,
                   language: str = "en", _: Translate = _identity) -> Document:
    """The MDT outcome record of one decided case."""
    return Document(
        title=_("MDT outcome record"), language=language, header=header,
        subtitle=f"{meeting.board} · {meeting.starts}",
        blocks=tuple(decision_blocks(decision, _)),
    )


def _given(*rows: tuple[str, str]) -> Fields:
    """The rows that have a value."""
    return Fields(tuple((label, value) for label, value in rows if value))


def _attendee_table(people: Sequence[AttendeeFacts], _: Translate) -> Block:
    return Table(
        headers=(_("Name"), _("Specialty"), _("Role")),
        rows=tuple((p.name, p.specialty,
                    ", ".join(x for x in (p.role, _("stand-in") if p.stand_in else "") if x)
                    or _DASH) for p in people),
        widths=(2.0, 2.0, 1.2),
    )


def minutes(*, meeting: MeetingFacts, header: Header, language: str = "en",
            _: Translate = _identity) -> Document:
    """The meeting's minutes: who was there (with stand-ins) and who sent apologies, then per
    case the quorum and the decision, and what was rolled forward, deferred or listed as
    standard of care."""
    blocks: list[Block] = [_given(
        (_("Board"), meeting.board), (_("Date and time"), meeting.starts),
        (_("Time zone"), meeting.timezone), (_("Meeting"), meeting.kind),
        (_("Location"), meeting.location), (_("Status"), meeting.status)),
        Heading(_("Attendees"))]
    blocks.append(_attendee_table(meeting.attendees, _) if meeting.attendees
                  else Paragraph(_("No attendance recorded.")))
    blocks.append(Heading(_("Apologies")))
    if meeting.apologies:
        blocks.append(Table(
            headers=(_("Name"), _("Reason"), _("Stand-in")),
            rows=tuple((a.name, _value(a.reason), _value(a.stand_in))
                       for a in meeting.apologies), widths=(2.0, 2.5, 2.0)))
    else:
        blocks.append(Paragraph(_("None.")))
    decided = [i for i in meeting.items if i.decision is not None]
    blocks.append(Heading(_("Decisions")))
    if not decided:
        blocks.append(Paragraph(_("No decision was recorded.")))
    for item in decided:
        assert item.decision is not None
        blocks.append(Heading(f"{item.position}. {_('Patient')} {item.pseudonym}"
                              f" · {item.outcome}"))
        blocks.extend(decision_blocks(item.decision, _))
    others = [i for i in meeting.items if i.decision is None]
    if others:
        blocks.append(Heading(_("Not decided at this meeting")))
        blocks.append(Table(
            headers=(_("No."), _("Patient"), _("Outcome"), _("Note")),
            rows=tuple((str(i.position), i.pseudonym, i.outcome, _value(i.note))
                       for i in others), widths=(0.5, 1.4, 2.2, 3.0)))
    return Document(title=_("MDT meeting minutes"), language=language, header=header,
                    subtitle=f"{meeting.board} · {meeting.starts}", blocks=tuple(blocks))


def letter(*, title: str, body: str, header: Header, language: str = "en",
           subtitle: str = "") -> Document:
    """An outcome letter: its text (rendered from the site's template) in paragraphs; blank
    lines separate paragraphs, single line breaks are kept."""
    paragraphs = [p.strip("\n") for p in body.replace("\r\n", "\n").split("\n\n")]
    return Document(title=title, language=language, header=header, subtitle=subtitle,
                    blocks=tuple(Paragraph(p) for p in paragraphs if p.strip()))


def agenda(*, meeting: MeetingFacts, header: Header, language: str = "en",
           _: Translate = _identity, outcome_space_mm: float = 14.0) -> Document:
    """The printed agenda: the expected members, then one compact block per case with room
    for the outcome."""
    blocks: list[Block] = [_given(
        (_("Board"), meeting.board), (_("Date and time"), meeting.starts),
        (_("Time zone"), meeting.timezone), (_("Location"), meeting.location)),
        Heading(_("Expected members"))]
    blocks.append(_attendee_table(meeting.members, _) if meeting.members
                  else Paragraph(_("No members.")))
    blocks.append(Heading(_("Cases")))
    if not meeting.items:
        blocks.append(Paragraph(_("The agenda is empty.")))
    for item in meeting.items:
        blocks.append(Heading(f"{item.position}. {item.pseudonym} · {item.urgency}"
                              f" · {item.histology}"))
        rows = [(_("Question"), _value(item.question)), (_("Lesions"), _value(item.lesions))]
        if item.suggestion:
            rows.append((_("Suggested"), item.suggestion))
        if item.warnings:
            rows.append((_("Rule warnings"), str(item.warnings)))
        blocks.append(Fields(tuple(rows)))
        blocks.append(Space(outcome_space_mm, _("Outcome")))
    return Document(title=_("MDT agenda"), language=language, header=header,
                    subtitle=f"{meeting.board} · {meeting.starts}", blocks=tuple(blocks))


@dataclass(frozen=True)
class LetterRecipient:
    """Who a letter goes to: the GP or the referrer, with the address to send it to."""

    role: str  # "gp" | "referrer"
    name: str
    email: str = ""


def missing_identification(patient: PatientFacts) -> bool:
    """Whether only the pseudonym identifies the patient (the letter then says so)."""
    return not (patient.name or patient.hospital_number or patient.birth_date)
