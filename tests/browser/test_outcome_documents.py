"""A chair downloads the minutes and an outcome letter from the agenda page (Playwright,
Debian's Chromium): the documents were made through the outbox when the case was decided and
the meeting closed; the letter is generated from the page. The PDFs' text is checked."""

from __future__ import annotations

from pathlib import Path

from tests.support.browser import shot, sign_in
from tests.support.documents import decide, identify, pdf_pages, pdf_text


def _decided_and_closed_meeting():
    from django.utils import timezone

    from boardsvc.models import AgendaItem, BoardMember, Meeting
    from boardsvc.services import meeting_close, meeting_start
    from core.access import principal_for_user
    from tests.support.boardsvc import due_soon

    meeting = (Meeting.objects.filter(board__slug="bone-mets-spine",
                                      starts_at__gte=timezone.now(),
                                      items__outcome="pending", items__purpose="discussion")
               .order_by("starts_at").distinct().first())
    assert meeting is not None, "the demo places cases on the next meetings"
    chair = BoardMember.objects.select_related("user").get(
        board__slug="bone-mets-spine", role="chair", active=True)
    team = {}
    for member in BoardMember.objects.filter(board__slug="bone-mets-spine", active=True,
                                             role="member").select_related("user"):
        key = {"spine_surgeon": "surgeon", "neurosurgeon": "surgeon",
               "radiation_oncologist": "rt", "radiologist": "rad",
               "interventional_radiologist": "ir", "medical_oncologist": "mo"}.get(
            member.specialty)
        if key:
            team.setdefault(key, member.user)
    due_soon(meeting)
    principal = principal_for_user(chair.user)
    meeting_start(meeting=meeting, principal=principal)
    item = (AgendaItem.objects.filter(meeting=meeting, outcome="pending", purpose="discussion")
            .select_related("case__patient", "meeting").order_by("position").first())
    identify(item.case)
    decision = decide(item, principal, team, text="Palliative radiotherapy, 8 Gy single.")
    meeting_close(meeting=meeting, principal=principal)
    return meeting, chair.user, decision


def _download(page, document, tmp_path: Path) -> bytes:
    with page.expect_download() as info:
        page.locator(f'a[href="/documents/{document.public_id}/download/"]').click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(str(target))
    return target.read_bytes()


def test_a_chair_downloads_the_minutes_and_a_letter_from_the_agenda(demo, page, tmp_path):
    from boardsvc.models import OutcomeDocument

    meeting, chair, decision = _decided_and_closed_meeting()
    # Through the outbox (after commit, eager in tests): the record and the minutes exist.
    assert OutcomeDocument.objects.filter(decision=decision, kind="outcome_record").exists()
    assert OutcomeDocument.objects.filter(meeting=meeting, kind="minutes").exists()

    sign_in(page, chair.username)
    page.goto(f"/meetings/{meeting.public_id}/")
    page.wait_for_selector("#documents-list")
    shot(page, "documents-01-agenda-documents")

    stored = OutcomeDocument.objects.get(meeting=meeting, kind="minutes")
    assert page.get_by_role("link", name=f"Download {stored.title} v1").is_visible()
    minutes = _download(page, stored, tmp_path)
    text = pdf_text(minutes)
    assert "MDT meeting minutes" in text
    assert "CONFIDENTIAL - contains patient information" in text
    assert f"Page 1 of {pdf_pages(minutes)}" in text
    assert "Palliative radiotherapy, 8 Gy single." in text

    # The GP letter, generated from the page in Italian.
    pseudonym = str(decision.case.patient.public_id)[:8]
    page.locator(f"#kind-{decision.public_id}").select_option("letter_gp")
    page.locator(f"#lang-{decision.public_id}").select_option("it")
    page.get_by_role("button", name=f"Generate {pseudonym}").click()
    page.wait_for_selector("text=generated (version 1)")
    page.wait_for_selector("#documents-list")
    shot(page, "documents-02-letter-generated")
    letter = _download(page, OutcomeDocument.objects.get(decision=decision, kind="letter_gp"),
                       tmp_path)
    text = pdf_text(letter)
    assert "Gentile Dr Marco Verdi" in text
    assert "RISERVATO" in text
    assert "BIANCHI Giulia" in text
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


def test_the_printed_agenda_fits_three_cases_to_a_page(demo, page, tmp_path):
    from django.utils import timezone

    from boardsvc.models import BoardMember, Meeting

    meeting = (Meeting.objects.filter(board__slug="bone-mets-spine",
                                      starts_at__gte=timezone.now(), items__isnull=False)
               .order_by("starts_at").distinct().first())
    chair = BoardMember.objects.select_related("user").get(
        board__slug="bone-mets-spine", role="chair", active=True)
    sign_in(page, chair.user.username)
    page.goto(f"/meetings/{meeting.public_id}/print/")
    page.emulate_media(media="print")
    shot(page, "documents-03-printed-agenda")
    cases = page.locator("tr.print-case").count()
    pdf = page.pdf(format="A4", print_background=False)
    pages = pdf_pages(pdf)
    assert pages <= max(1, -(-cases // 3)), f"{cases} cases on {pages} pages"
    text = pdf_text(pdf)
    assert "CONFIDENTIAL" in text
    assert f"1 / {pages}" in text
