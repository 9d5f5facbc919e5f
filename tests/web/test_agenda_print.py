"""The printed agenda (/meetings/<id>/print/ and its PDF) and the documents section of the
pages (boardsvc/web/views/documents.py): download, send, generate, access and audit."""

from __future__ import annotations

import pytest

from boardsvc.models import OutcomeDocument
from core.models import AuditEvent
from tests.factories.boardsvc import AgendaItemFactory, make_case
from tests.support.documents import pdf_pages, pdf_text
from tests.support.web import login

pytestmark = pytest.mark.django_db


def _print(world):
    return f"/meetings/{world.meeting_a.public_id}/print/"


def test_the_print_page_lists_the_expected_members_with_their_specialty(world):
    body = login(world.member_a).get(_print(world)).content.decode()
    assert "Expected members" in body
    assert "Spine surgeon" in body
    assert "Chair" in body
    assert "Radiologist (MSK / neuro)" in body


def test_the_print_page_carries_the_hospital_and_the_confidentiality_marking(world):
    body = login(world.member_a).get(_print(world)).content.decode()
    assert "Ospedale Demo San Lorenzo" in body
    assert body.count("CONFIDENTIAL — contains patient information") == 2  # thead and tfoot


def test_each_case_is_a_compact_block_with_room_for_the_outcome(world):
    for index in range(2):
        AgendaItemFactory(meeting=world.meeting_a, position=index + 1,
                          case=make_case(status="listed", requested_board="board-a"))
    body = login(world.member_a).get(_print(world)).content.decode()
    assert body.count('class="print-case"') == 3
    assert body.count('class="outcome-box"') == 3
    assert "_case_card" not in body
    assert 'class="card case-card' not in body


def test_the_print_page_has_no_inline_script_or_style(world):
    body = login(world.member_a).get(_print(world)).content.decode()
    assert "<script>" not in body
    assert " style=" not in body
    assert " onclick=" not in body


def test_the_agenda_downloads_as_a_pdf_with_page_numbers(world):
    for index in range(8):
        AgendaItemFactory(meeting=world.meeting_a, position=index + 1,
                          case=make_case(status="listed", requested_board="board-a"))
    response = login(world.member_a).get(f"/meetings/{world.meeting_a.public_id}/print.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "MDT agenda" in text
    assert "CONFIDENTIAL - contains patient information" in text
    pages = pdf_pages(response.content)
    assert f"Page {pages} of {pages}" in text
    assert pages <= 3  # nine cases: at most a page per three


def test_the_agenda_pdf_read_is_audited_per_case(world):
    login(world.member_a).get(f"/meetings/{world.meeting_a.public_id}/print.pdf")
    assert AuditEvent.objects.filter(action="read", object_type="case",
                                     object_id=world.case_a.public_id).exists()


def test_another_boards_member_cannot_print_the_agenda(world):
    client = login(world.member_b)
    assert client.get(_print(world)).status_code == 404
    assert client.get(f"/meetings/{world.meeting_a.public_id}/print.pdf").status_code == 404


def test_the_agenda_page_has_a_documents_section_loaded_by_htmx(world):
    body = login(world.member_a).get(f"/meetings/{world.meeting_a.public_id}/").content.decode()
    assert 'id="documents"' in body
    assert f'hx-get="/meetings/{world.meeting_a.public_id}/documents/"' in body


def _stored(world, kind="minutes"):
    from django.utils import timezone

    from boardsvc.documents.pdf import render_pdf
    from boardsvc.domain import minutes as doc

    content = render_pdf(doc.letter(title="Minutes", body="Text.",
                                    header=doc.Header(hospital="H")))
    return OutcomeDocument.objects.create(
        kind=kind, meeting=world.meeting_a, title="MDT meeting minutes", content=content,
        size=len(content), sha256="0" * 64, created_at=timezone.now())


def test_a_member_downloads_a_document_and_the_read_is_audited(world):
    document = _stored(world)
    response = login(world.member_a).get(f"/documents/{document.public_id}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEvent.objects.filter(action="read", object_type="outcome_document",
                                     object_id=document.public_id,
                                     patient_pseudonym=world.case_a.patient.public_id).exists()


def test_another_boards_member_cannot_download_a_document(world):
    document = _stored(world)
    assert login(world.member_b).get(
        f"/documents/{document.public_id}/download/").status_code == 404


def test_the_documents_section_offers_send_to_the_chair_only(world):
    _stored(world)
    url = f"/meetings/{world.meeting_a.public_id}/documents/"
    assert "/send/" in login(world.chair_a).get(url).content.decode()
    assert "/send/" not in login(world.member_a).get(url).content.decode()


def test_a_plain_member_may_not_send_a_document(world):
    document = _stored(world)
    response = login(world.member_a).post(f"/documents/{document.public_id}/send/")
    assert response.status_code == 403


def test_minutes_of_a_meeting_not_started_are_refused_with_a_message(world):
    client = login(world.chair_a)
    response = client.post(f"/meetings/{world.meeting_a.public_id}/documents/generate/",
                           {"kind": "minutes"}, follow=True,
                           HTTP_REFERER=f"http://testserver/meetings/{world.meeting_a.public_id}/")
    assert "Minutes are written once the meeting has started." in response.content.decode()
    assert not OutcomeDocument.objects.exists()
