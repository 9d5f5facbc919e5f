"""Documents (boardsvc/services/documents.py): the outcome record when a case is decided, the
minutes when a meeting closes, through the outbox and idempotent; manual regeneration makes
the next version; letters from the site's template in English or Italian."""

from __future__ import annotations

import pytest

from boardsvc.models import OutcomeDocument
from boardsvc.services import (
    BoardRuleError,
    document_generate,
    minutes_auto,
    outcome_record_auto,
)
from boardsvc.tasks import document_minutes, document_outcome_record
from core.models import AuditEvent, OutboxMessage
from tests.support.documents import close, decide, identify, pdf_text

pytestmark = pytest.mark.django_db
Kind = OutcomeDocument.Kind


def test_deciding_a_case_enqueues_its_outcome_record_through_the_outbox(session, team):
    item, chair = session
    decision = decide(item, chair, team)
    message = OutboxMessage.objects.get(task_name="boardsvc.tasks.document_outcome_record")
    assert message.kwargs == {"decision_id": decision.pk}


def test_the_outcome_record_is_generated_after_commit(session, team,
                                                      django_capture_on_commit_callbacks):
    item, chair = session
    with django_capture_on_commit_callbacks(execute=True):
        decision = decide(item, chair, team)
    document = OutcomeDocument.objects.get(decision=decision, kind=Kind.OUTCOME_RECORD)
    assert document.version == 1
    assert document.case_id == item.case_id
    assert document.size == len(bytes(document.content))


def test_a_rerun_of_the_outcome_record_task_makes_no_duplicate(session, team):
    item, chair = session
    decision = decide(item, chair, team)
    first = document_outcome_record(decision.pk)
    assert document_outcome_record(decision.pk) == "noop"
    assert outcome_record_auto(decision_id=decision.pk) is None
    assert OutcomeDocument.objects.filter(decision=decision).count() == 1
    assert first == str(OutcomeDocument.objects.get(decision=decision).public_id)


def test_the_outcome_record_carries_identification_and_the_structured_decision(session, team):
    item, chair = session
    identify(item.case)
    decision = decide(item, chair, team, text="Single-fraction radiotherapy.")
    document = outcome_record_auto(decision_id=decision.pk)
    text = pdf_text(document.content)
    assert "MDT outcome record" in text
    assert "BIANCHI Giulia" in text
    assert "1956-03-14" in text
    assert "H0012345" in text
    assert "Local treatment options?" in text
    assert "Treatment" in text
    assert "Palliative" in text
    assert "Single-fraction radiotherapy." in text
    assert "Review pain in 4 weeks." in text
    assert "met" in text


def test_without_identification_the_record_names_the_pseudonym_only(session, team):
    item, chair = session
    decision = decide(item, chair, team)
    text = pdf_text(outcome_record_auto(decision_id=decision.pk).content)
    assert str(item.case.patient.public_id)[:8] in text
    assert "Hospital number" not in text


def test_closing_a_meeting_enqueues_its_minutes(session, team):
    item, chair = session
    decide(item, chair, team)
    close(item.meeting, chair)
    message = OutboxMessage.objects.get(task_name="boardsvc.tasks.document_minutes")
    assert message.kwargs == {"meeting_id": item.meeting_id}


def test_a_rerun_of_the_minutes_task_makes_no_duplicate(session, team):
    item, chair = session
    decide(item, chair, team)
    close(item.meeting, chair)
    document_minutes(item.meeting_id)
    assert document_minutes(item.meeting_id) == "noop"
    assert minutes_auto(meeting_id=item.meeting_id) is None
    assert OutcomeDocument.objects.filter(meeting=item.meeting, kind=Kind.MINUTES).count() == 1


def test_the_minutes_list_attendees_with_stand_ins_and_each_decision(session, team):
    from boardsvc.services import attendance_arrive
    from tests.factories.core import UserFactory

    item, chair = session
    guest = UserFactory(username="guest.ir", first_name="Ivo", last_name="Guest")
    attendance_arrive(meeting=item.meeting, user=guest, principal=chair,
                      specialty="interventional_radiologist")
    decide(item, chair, team, text="Ablation then cement.", arrive=("surgeon", "rt", "rad"))
    close(item.meeting, chair)
    text = pdf_text(minutes_auto(meeting_id=item.meeting_id).content)
    assert "MDT meeting minutes" in text
    assert "Ivo Guest" in text
    assert "stand-in" in text
    assert "Ablation then cement." in text
    assert "Quorum at the decision (R15)" in text


def test_regenerating_makes_the_next_version(session, team):
    item, chair = session
    decision = decide(item, chair, team)
    outcome_record_auto(decision_id=decision.pk)
    again = document_generate(kind=Kind.OUTCOME_RECORD, decision=decision, principal=chair)
    assert again.version == 2
    assert OutcomeDocument.objects.filter(decision=decision).count() == 2


def test_generation_is_audited(session, team):
    item, chair = session
    decision = decide(item, chair, team)
    document = document_generate(kind=Kind.OUTCOME_RECORD, decision=decision, principal=chair)
    row = AuditEvent.objects.get(object_type="outcome_document", object_id=document.public_id)
    assert row.action == "create"
    assert row.patient_pseudonym == str(item.case.patient.public_id)


def test_minutes_of_a_meeting_that_has_not_started_are_refused(board, team, clock):
    from tests.factories.boardsvc import MeetingFactory

    meeting = MeetingFactory(board=board)
    with pytest.raises(BoardRuleError) as refused:
        document_generate(kind=Kind.MINUTES, meeting=meeting, principal=None)
    assert (refused.value.field, refused.value.rule, refused.value.status) == (
        "meeting", "state", 409)


def test_an_unknown_language_is_refused_naming_the_field(session, team):
    item, chair = session
    decision = decide(item, chair, team)
    with pytest.raises(BoardRuleError) as refused:
        document_generate(kind=Kind.LETTER_GP, decision=decision, principal=chair,
                          language="fr")
    assert (refused.value.field, refused.value.rule) == ("language", "choice")


def test_a_letter_document_needs_a_decision(session):
    item, chair = session
    with pytest.raises(BoardRuleError) as refused:
        document_generate(kind=Kind.LETTER_GP, meeting=item.meeting, principal=chair)
    assert (refused.value.field, refused.value.rule) == ("decision", "required")


def test_the_gp_letter_in_english_greets_the_gp(session, team):
    item, chair = session
    identify(item.case)
    decision = decide(item, chair, team, text="Radiotherapy 8 Gy.")
    letter = document_generate(kind=Kind.LETTER_GP, decision=decision, principal=chair,
                               language="en")
    text = pdf_text(letter.content)
    assert "Dear Dr Marco Verdi" in text
    assert "Your patient" in text
    assert "Radiotherapy 8 Gy." in text
    assert "CONFIDENTIAL" in text


def test_the_referrer_letter_in_italian_uses_the_italian_template(session, team):
    item, chair = session
    identify(item.case)
    decision = decide(item, chair, team, text="Radioterapia palliativa.")
    letter = document_generate(kind=Kind.LETTER_REFERRER, decision=decision, principal=chair,
                               language="it")
    text = pdf_text(letter.content)
    assert letter.language == "it"
    assert "Gentile Dr Anna Neri" in text
    assert "è stato discusso" in text
    assert "RISERVATO" in text
    assert "Pagina 1 di 1" in text


def test_a_site_template_overrides_the_letter(session, team, settings, tmp_path):
    folder = tmp_path / "boardsvc" / "letters"
    folder.mkdir(parents=True)
    (folder / "outcome_letter.en.txt").write_text("Site letter for {{ recipient }}.")
    settings.TEMPLATES = [{**settings.TEMPLATES[0],
                           "DIRS": [str(tmp_path), *settings.TEMPLATES[0]["DIRS"]]}]
    item, chair = session
    identify(item.case)
    decision = decide(item, chair, team)
    letter = document_generate(kind=Kind.LETTER_GP, decision=decision, principal=chair)
    assert "Site letter for Dr Marco Verdi." in pdf_text(letter.content)
