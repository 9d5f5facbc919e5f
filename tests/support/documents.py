"""Helpers for the document tests: a decided case with identification and letter recipients,
a closed meeting, and the text of a PDF (pypdf)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pypdf

from boardsvc.models import Decision
from boardsvc.services import attendance_arrive, decision_record, meeting_close
from cases.models import Case, Patient, PatientIdentifier
from tests.factories.boardsvc import suggested_procedure

HOSPITAL_NUMBER_SYSTEM = "urn:boardsvc:hospital-number"


def pdf_text(content: bytes) -> str:
    """Every page's text, pages separated by form feeds."""
    reader = pypdf.PdfReader(io.BytesIO(bytes(content)))
    return "\f".join(page.extract_text() for page in reader.pages)


def pdf_pages(content: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(bytes(content))).pages)


def identify(case: Case, *, hospital_number: str = "H0012345") -> None:
    """Give the case's (synthetic) patient a name, a birth date, a hospital number, a GP and a
    referrer e-mail."""
    Patient.objects.filter(pk=case.patient_id).update(
        given_name="Giulia", family_name="Bianchi", birth_date=date(1956, 3, 14))
    PatientIdentifier.objects.create(patient_id=case.patient_id, system=HOSPITAL_NUMBER_SYSTEM,
                                     value=hospital_number)
    Case.objects.filter(pk=case.pk).update(
        gp_name="Dr Marco Verdi", gp_email="gp.verdi@example.org",
        referrer_email="referrer@example.org", referring_clinician="Dr Anna Neri")
    case.refresh_from_db()
    case.patient.refresh_from_db()


def decide(item: Any, chair: Any, team: dict[str, Any], *, text: str = "Palliative RT.",
           arrive: tuple[str, ...] = ("surgeon", "rt", "rad", "ir")) -> Decision:
    """Everyone arrives, then the chair records the suggested plan with a structured outcome."""
    for key in arrive:
        attendance_arrive(meeting=item.meeting, user=team[key], principal=None)
    return decision_record(item=item, outcome_text=text, principal=chair,
                           procedures=[suggested_procedure(item.case)],
                           outcome_category="treatment", intent="palliative",
                           follow_up="Review pain in 4 weeks.",
                           responsible_clinician=team["rt"])


def close(meeting: Any, chair: Any) -> None:
    meeting_close(meeting=meeting, principal=chair)


class FailingEmailBackend:
    """An e-mail backend whose server refuses every connection (a failed delivery)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError


def decided_item(board: Any, team: dict[str, Any], clock: Any, *, identified: bool = True
                 ) -> tuple[Any, Any, Decision]:
    """The board's next meeting in session with one listed case, decided by the chair (the
    services' ``session`` fixture, for tests outside tests/boardsvc/services)."""
    from boardsvc.services import agenda_place_case, meeting_horizon_upkeep, meeting_start
    from core.access import principal_for_user
    from tests.factories.boardsvc import make_case

    meeting_horizon_upkeep(weeks=2)
    case = make_case(requested_board=board.slug)
    item = agenda_place_case(case_id=case.pk).agenda_item
    chair = principal_for_user(team["chair"])
    clock.move_to(item.meeting.starts_at)
    meeting_start(meeting=item.meeting, principal=chair)
    item.refresh_from_db()
    if identified:
        identify(item.case)
    return item, chair, decide(item, chair, team)


def board_world() -> dict[str, Any]:
    """A board with its core team (chair included), a second board with an outsider member,
    and the board's next meeting in session with one identified, decided case whose outcome
    record is stored. Call inside ``time_machine.travel(..., tick=False)`` (``clock``)."""
    from boardsvc.models import BoardMember
    from boardsvc.services import board_create, board_member_add, outcome_record_auto
    from tests.factories.core import UserFactory

    board = board_create(slug="bone-docs", name="Bone metastases")
    team = {}
    for key, specialty, role in [("surgeon", "neurosurgeon", BoardMember.Role.MEMBER),
                                 ("rt", "radiation_oncologist", BoardMember.Role.MEMBER),
                                 ("rad", "radiologist", BoardMember.Role.MEMBER),
                                 ("ir", "interventional_radiologist", BoardMember.Role.MEMBER),
                                 ("chair", "medical_oncologist", BoardMember.Role.CHAIR)]:
        team[key] = UserFactory(username=f"{key}.docs")
        board_member_add(board=board, user=team[key], specialty=specialty, role=role)
    other = board_create(slug="sarcoma-docs", name="Sarcoma", recurrence_weekday=3)
    outsider = UserFactory(username="outsider.docs")
    board_member_add(board=other, user=outsider, specialty="radiologist")
    return {"board": board, "team": team, "outsider": outsider,
            "record_auto": outcome_record_auto}
