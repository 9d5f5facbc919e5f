"""A whole meeting as the chair runs it (issue 12), in Chromium on the demo data: the room screen
(the presenter view) open in a second page follows the chair; the chair reaches the form with
"D", records a decision choosing one alternative after a validation error shown in place (no
reload, focus on the field), records an override with a reason for a pre-operative
embolization that was not suggested, finishes the meeting through the confirmation, and
downloads the minutes and a GP letter whose PDF text is checked."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.browser import shot, sign_in
from tests.support.documents import identify, pdf_pages, pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _meeting_with_two_cases(board_slug: str):
    from django.db.models import Count, Q
    from django.utils import timezone

    from boardsvc.models import Meeting

    return (Meeting.objects.filter(board__slug=board_slug, starts_at__gte=timezone.now(),
                                   status__in=["planned", "frozen"])
            .annotate(pending=Count("items", filter=Q(items__outcome="pending",
                                                      items__purpose="discussion")))
            .filter(pending__gte=2).order_by("starts_at").first())


def _wait_for_focus(page, element_id: str) -> None:
    deadline = time.monotonic() + 10
    while page.evaluate("document.activeElement && document.activeElement.id") != element_id:
        assert time.monotonic() < deadline, f"focus did not move to #{element_id}"
        page.wait_for_timeout(100)


def _fill_outcome(page, *, category: str | None) -> None:
    if category:
        page.locator("#id_outcome_category").select_option(category)
    page.locator("#id_intent").select_option("palliative")
    page.locator("#id_responsible_clinician").select_option(index=1)
    page.locator("#id_outcome_text").fill("Discussed at the MDT.")


def _download(page, document, tmp_path: Path) -> bytes:
    with page.expect_download() as info:
        page.locator(f'a[href="/documents/{document.public_id}/download/"]').click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(str(target))
    return target.read_bytes()


def _next_pending(meeting):
    from boardsvc.models import AgendaItem

    return (AgendaItem.objects.filter(meeting=meeting, outcome="pending", purpose="discussion")
            .select_related("case__patient").order_by("position").first())


def test_a_chair_runs_a_whole_meeting_with_the_room_screen_following(demo, page, tmp_path):
    from boardsvc.models import BoardMember, Decision, Meeting, OutcomeDocument
    from tests.support.boardsvc import due_soon

    chair = BoardMember.objects.filter(board__slug="bone-mets-spine", role="chair",
                                       active=True).select_related("user").first()
    meeting = _meeting_with_two_cases("bone-mets-spine")
    assert chair is not None, "the demo seeds a chair"
    assert meeting is not None, "the demo places cases on the next meetings"
    due_soon(meeting)
    sign_in(page, chair.user.username)
    page.goto(f"/meetings/{meeting.public_id}/live/")
    page.get_by_role("button", name="Start the meeting").click()
    page.wait_for_selector("text=The meeting is in session.")

    # The room screen, in a second page of the same browser context, shows the first case.
    screen = page.context.new_page()
    screen_errors: list[str] = []
    screen.on("console", lambda msg: screen_errors.append(msg.text)
              if msg.type == "error" else None)
    screen.goto(f"/meetings/{meeting.public_id}/present/")
    first_case = str(_next_pending(meeting).case.patient.public_id)[:8]
    screen.wait_for_selector(f'#room-screen :text("{first_case}")', timeout=3_000)
    shot(screen, "decision-00-room-screen")

    # Nothing is chosen in advance; "D" brings the focus to the form.
    form = page.locator("#decision-form")
    assert form.locator("input:checked").count() == 0
    page.locator("body").press("d")
    _wait_for_focus(page, "id_outcome_category")
    shot(page, "decision-01-form-nothing-chosen")

    # One alternative per lesion (the first option of each group), category left out.
    for group in form.locator("fieldset.lesion-choice").all():
        group.locator("input[type=radio]").first.check()
    _fill_outcome(page, category=None)
    page.evaluate("window.__notReloaded = true")
    form.get_by_role("button", name="Record decision").click()
    page.wait_for_selector("#id_outcome_category-errors")
    assert page.evaluate("window.__notReloaded === true"), "the page reloaded"
    assert page.locator("#id_outcome_category").get_attribute(
        "aria-describedby") == "id_outcome_category-errors"
    _wait_for_focus(page, "id_outcome_category")
    shot(page, "decision-02-error-in-place")

    page.locator("#id_outcome_category").select_option("treatment")
    with page.expect_navigation():
        page.locator("#decision-form").get_by_role("button", name="Record decision").click()
    page.wait_for_selector("text=Decision recorded.")
    first = Decision.objects.get(meeting=meeting)
    assert first.followed_suggestions, first.departures
    shot(page, "decision-03-recorded-next-case")
    # The chair is on the next case; the room screen follows by itself (it polls every 1.5 s;
    # tests/browser/test_meeting_room.py holds the 3 s bound on a screen alone: here two pages
    # share the browser with the test workers, and a busy host took over 4 s once).
    second_case = str(_next_pending(meeting).case.patient.public_id)[:8]
    screen.wait_for_selector(f'#room-screen :text("{second_case}")', timeout=8_000)
    shot(screen, "decision-03b-room-screen-follows")

    # The next case: no suggested treatment, a pre-operative embolization that was not
    # suggested: the override reason is asked for.
    form = page.locator("#decision-form")
    for group in form.locator("fieldset.lesion-choice").all():
        group.locator("input[value=none]").check()
    _fill_outcome(page, category="treatment")
    page.locator("summary", has_text="Add a procedure not suggested").click()
    page.locator("#id_extra_procedure_type").select_option("embolization")
    page.locator("#id_extra_lesion").select_option(index=1)
    page.locator("#id_extra_intent").select_option("palliative")
    page.locator("#id_extra_purpose").select_option("pre_operative")
    form.get_by_role("button", name="Record decision").click()
    page.wait_for_selector("#id_override_reason-errors")
    _wait_for_focus(page, "id_override_reason")
    shot(page, "decision-04-override-reason-asked")
    page.locator("#id_override_reason").fill("Bleeding risk; embolize before radiotherapy.")
    with page.expect_navigation():  # success navigates (HX-Redirect)
        page.locator("#decision-form").get_by_role("button", name="Record decision").click()
    page.wait_for_selector("text=Decision recorded.")
    second = Decision.objects.filter(meeting=meeting).exclude(pk=first.pk).get()
    assert second.followed_suggestions is False
    assert second.override_reason.startswith("Bleeding risk")

    # Finishing asks first, listing what rolls forward.
    page.get_by_role("button", name="Finish the meeting").click()
    page.wait_for_selector("text=Finish the meeting?")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.IN_SESSION
    shot(page, "decision-05-finish-confirmation")
    page.get_by_role("button", name="Yes, finish the meeting").click()
    page.wait_for_selector("text=The meeting is closed")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CLOSED

    # The minutes were made when the meeting closed (through the outbox); the chair downloads
    # them from the agenda, then generates and downloads the GP letter of the first decision.
    page.goto(f"/meetings/{meeting.public_id}/")
    page.wait_for_selector("#documents-list")
    minutes = _download(page, OutcomeDocument.objects.get(meeting=meeting, kind="minutes"),
                        tmp_path)
    text = pdf_text(minutes)
    assert "MDT meeting minutes" in text
    assert f"Page 1 of {pdf_pages(minutes)}" in text
    assert "Bleeding risk; embolize before radiotherapy." in text
    identify(first.case)
    page.locator(f"#kind-{first.public_id}").select_option("letter_gp")
    page.get_by_role("button", name=f"Generate {str(first.case.patient.public_id)[:8]}").click()
    page.wait_for_selector("text=generated (version 1)")
    shot(page, "decision-06-documents")
    letter = _download(page, OutcomeDocument.objects.get(decision=first, kind="letter_gp"),
                       tmp_path)
    text = pdf_text(letter)
    assert "Dr Marco Verdi" in text
    assert "CONFIDENTIAL" in text
    assert not [e for e in page.csp_errors if "Content Security Policy" in e], page.csp_errors
    assert not [e for e in screen_errors if "Content Security Policy" in e], screen_errors
