"""What the documents say (boardsvc/domain/minutes.py), as pure data, and the PDF they render
to (boardsvc/documents/pdf.py): header, marking and page numbers on every page."""

from __future__ import annotations

from datetime import date

from boardsvc.documents.pdf import latin1, render_pdf
from boardsvc.domain import minutes as doc
from tests.support.documents import pdf_pages, pdf_text

HEADER = doc.Header(hospital="Ospedale Demo", address="Via Immaginaria 1", board="Bone board")
PATIENT = doc.PatientFacts(pseudonym="ab12cd34")


def decision(**extra) -> doc.DecisionFacts:
    values = {"patient": PATIENT, "clinical_question": "Local options?",
              "outcome_text": "Radiotherapy 8 Gy.", "recorded_at": "24/11/2026 14:10",
              "category": "Treatment", "intent": "Palliative", "quorum_met": True,
              "procedures": (doc.ProcedureFacts(order=1, procedure="Embolization",
                                                purpose="Pre-operative", target="L2, 40 mm"),
                             doc.ProcedureFacts(order=2, procedure="Surgery"))}
    values.update(extra)
    return doc.DecisionFacts(**values)


def meeting(**extra) -> doc.MeetingFacts:
    values = {"board": "Bone board", "starts": "24/11/2026 14:00", "timezone": "Europe/Rome"}
    values.update(extra)
    return doc.MeetingFacts(**values)


def test_the_outcome_record_lists_the_procedures_in_order_with_purpose_and_target():
    text = doc.outcome_record(meeting=meeting(), decision=decision(), header=HEADER).text()
    assert "1 | Embolization | — | Pre-operative | L2, 40 mm" in text
    assert "2 | Surgery" in text


def test_the_outcome_record_shows_identification_only_where_stored():
    bare = doc.outcome_record(meeting=meeting(), decision=decision(), header=HEADER).text()
    assert "Name:" not in bare
    assert "Hospital number:" not in bare
    named = decision(patient=doc.PatientFacts(pseudonym="ab12cd34", name="ROSSI Mario",
                                              birth_date=date(1950, 1, 2),
                                              hospital_number="H1"))
    text = doc.outcome_record(meeting=meeting(), decision=named, header=HEADER).text()
    assert "Name: ROSSI Mario" in text
    assert "Date of birth: 1950-01-02" in text
    assert "Hospital number: H1" in text


def test_an_override_reason_is_shown_when_the_plan_departs():
    text = doc.outcome_record(meeting=meeting(), header=HEADER, decision=decision(
        followed_suggestions=False, override_reason="Patient declines surgery.")).text()
    assert "Decision support: departed from" in text
    assert "Override reason: Patient declines surgery." in text


def test_a_quorum_not_met_names_what_was_missing():
    text = doc.outcome_record(meeting=meeting(), header=HEADER, decision=decision(
        quorum_met=False, quorum_missing=("radiologist",))).text()
    assert "not met (missing: radiologist)" in text


def test_the_minutes_list_attendees_apologies_and_what_was_not_decided():
    facts = meeting(
        attendees=(doc.AttendeeFacts("Dr Uno", "Radiologist"),
                   doc.AttendeeFacts("Dr Due", "Interventional radiologist", stand_in=True)),
        apologies=(doc.ApologyFacts("Dr Tre", "Clinic", stand_in="Dr Due"),),
        items=(doc.ItemFacts(1, "ab12cd34", "Discussed", "discussed", decision=decision()),
               doc.ItemFacts(2, "ef56ab78", "Deferred", "deferred", note="Awaiting MRI")))
    text = doc.minutes(meeting=facts, header=HEADER).text()
    assert "Dr Due | Interventional radiologist | stand-in" in text
    assert "Dr Tre | Clinic | Dr Due" in text
    assert "1. Patient ab12cd34 · Discussed" in text
    assert "2 | ef56ab78 | Deferred | Awaiting MRI" in text


def test_labels_go_through_the_translator():
    text = doc.minutes(meeting=meeting(), header=HEADER, _=str.upper).text()
    assert "ATTENDEES" in text
    assert "MDT MEETING MINUTES" in text


def test_a_letter_keeps_its_paragraphs():
    letter = doc.letter(title="Letter", body="Dear Dr X,\n\nFirst.\nSecond line.\n\nBye",
                        header=HEADER)
    assert [b.text for b in letter.blocks] == ["Dear Dr X,", "First.\nSecond line.", "Bye"]


def test_every_page_carries_the_header_the_marking_and_its_number():
    facts = meeting(items=tuple(doc.ItemFacts(i, f"p{i:07d}", "Discussed", "discussed",
                                              decision=decision()) for i in range(1, 9)))
    content = render_pdf(doc.minutes(meeting=facts, header=HEADER))
    pages = pdf_text(content).split("\f")
    assert len(pages) == pdf_pages(content) > 1
    for number, page in enumerate(pages, start=1):
        assert "Ospedale Demo" in page
        assert page.count("CONFIDENTIAL - contains patient information") == 2
        assert f"Page {number} of {len(pages)}" in page


def test_an_italian_document_is_marked_in_italian():
    content = render_pdf(doc.outcome_record(meeting=meeting(), decision=decision(),
                                            header=HEADER, language="it"))
    text = pdf_text(content)
    assert "RISERVATO - contiene informazioni sul paziente" in text
    assert "Pagina 1 di 1" in text


def test_text_outside_latin1_is_replaced_not_an_error():
    assert latin1("Perché — “ok” ✓") == 'Perché - "ok" ?'
    content = render_pdf(doc.letter(title="Città", body="Qualità ✓ 日本", header=HEADER))
    assert "Qualità ? ??" in pdf_text(content)


def test_the_agenda_has_one_block_per_case_with_room_for_the_outcome():
    facts = meeting(members=(doc.AttendeeFacts("Dr Uno", "Radiologist", role="Chair"),),
                    items=tuple(doc.ItemFacts(i, f"p{i}", "Pending", "pending",
                                              urgency="Routine", histology="Breast",
                                              question="Options?", lesions="Pelvis 35 mm")
                                for i in range(1, 10)))
    document = doc.agenda(meeting=facts, header=HEADER)
    assert sum(isinstance(b, doc.Space) for b in document.blocks) == 9
    assert "Dr Uno | Radiologist | Chair" in document.text()
    assert pdf_pages(render_pdf(document)) <= 3
