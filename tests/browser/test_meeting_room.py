"""The meeting room in a real browser (Chromium via Playwright) on the demo data: the room
screen follows the chair, attendance takes one click without reloading, an opinion reaches the
chair, and at 1440 × 900 one case fits on the screen down to the decision's button."""

from __future__ import annotations

import re
import time

import pytest

from tests.support.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _meeting_with_two_cases():
    from django.db.models import Count, Q
    from django.utils import timezone

    from boardsvc.models import Meeting

    return (Meeting.objects.filter(board__slug="bone-mets-spine", starts_at__gte=timezone.now(),
                                   status__in=["planned", "frozen", "in_session"])
            .annotate(pending=Count("items", filter=Q(items__outcome="pending",
                                                      items__purpose="discussion")))
            .filter(pending__gte=2).order_by("starts_at").first())


def _people():
    from boardsvc.models import BoardMember

    chair = BoardMember.objects.filter(board__slug="bone-mets-spine", role="chair",
                                       active=True).select_related("user").first()
    member = BoardMember.objects.filter(board__slug="bone-mets-spine", role="member",
                                        active=True).select_related("user").first()
    return chair.user, member.user


def _wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_the_room_follows_the_chair_and_one_case_fits_the_screen(demo, page):
    from boardsvc.models import AgendaItem
    from tests.support.boardsvc import due_soon

    meeting = _meeting_with_two_cases()
    assert meeting is not None, "the demo lists several cases on the next meetings"
    due_soon(meeting)
    chair, member = _people()
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, chair.username)
    page.goto(f"/meetings/{meeting.public_id}/live/")
    if page.get_by_role("button", name="Start the meeting").count():
        page.get_by_role("button", name="Start the meeting").click()
        page.wait_for_selector("text=The meeting is in session.")

    # The room screen, in a second page of the same browser context.
    screen = page.context.new_page()
    screen.set_viewport_size({"width": 1440, "height": 900})
    screen.goto(f"/meetings/{meeting.public_id}/present/")
    screen.wait_for_selector("#room-screen")
    shot(screen, "room-01-screen-first-case")

    # The chair moves to the next case; the screen shows it within 3 s.
    with page.expect_navigation():  # not wait_for_load_state: the page it is on has loaded
        page.locator('a[data-hotkey="next"]').click()
    item_id = re.search(r"item=([0-9a-f-]+)", page.url).group(1)
    item = AgendaItem.objects.select_related("case__patient").get(public_id=item_id)
    pseudonym = str(item.case.patient.public_id)[:8]
    started = time.monotonic()
    screen.wait_for_selector(f'#room-screen :text("{pseudonym}")', timeout=3_000)
    assert time.monotonic() - started <= 3.0
    shot(screen, "room-02-screen-follows-chair")

    # Attendance: one click, no reload (a marker set on the page survives), quorum in place.
    page.evaluate("document.body.dataset.noReload = 'yes'")
    arrive = page.get_by_role("button", name=re.compile(r"arrives$")).first
    who = arrive.get_attribute("aria-label").removesuffix(" arrives")
    arrive.click()
    page.get_by_role("button", name=f"{who} leaves").wait_for()
    assert page.evaluate("document.body.dataset.noReload") == "yes"
    page.locator("#attendance-panel").get_by_role("button", name="All present").click()
    page.wait_for_selector("#attendance-panel .quorum.met")
    assert page.evaluate("document.body.dataset.noReload") == "yes"
    shot(page, "room-03-attendance-one-click")

    # A member gives an opinion on the case from the agenda; the chair sees it in live mode.
    other = page.context.browser.new_context(viewport={"width": 1440, "height": 900},
                                             base_url=page.url.split("/meetings/")[0],
                                             locale="en-GB")
    member_page = other.new_page()
    sign_in(member_page, member.username)
    member_page.goto(f"/meetings/{meeting.public_id}/")
    line = member_page.locator(f"#order-{item_id}")
    line.locator("summary").first.click()
    line.locator(".opinion-box summary").click()
    line.get_by_label("Your opinion or comment").fill("Embolise before fixation.")
    line.get_by_role("button", name="Save my opinion").click()
    line.locator(".opinion-text", has_text="Embolise before fixation.").wait_for()
    shot(member_page, "room-04-member-opinion")
    other.close()
    page.reload()
    page.locator(".opinion-box .opinion-text", has_text="Embolise before fixation.").wait_for()
    _wait_until(lambda: "Embolise" in screen.content(), 3, "the opinion reaches the screen")

    # 1440 × 900: from the top of the case, the decision's button is on the first screen.
    page.evaluate("document.getElementById('current').scrollIntoView({block: 'start'})")
    button = page.locator("#decision-form button[type=submit]")
    box = button.bounding_box()
    assert box is not None
    shot(page, "room-05-live-1440x900")
    assert box["y"] + box["height"] <= 900, box
    assert page.csp_errors == [] or not any("Content Security Policy" in e
                                            for e in page.csp_errors)
