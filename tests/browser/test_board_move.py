"""Moving a booking from the booking board in a real browser (issue 13): a coordinator drags the
embolization to a start on another day and lands on the move page's rule check for that day
(the same preview and service as a manual move; nothing changes until confirmed); the same with
the keyboard only; and a drop on a refused start says why and stays on the board."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.test_booking_board import _embolization_then_surgery
from tests.support.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROME = ZoneInfo("Europe/Rome")


def _monday():
    today = datetime.now(ROME).date()
    return today + timedelta(days=7 - today.weekday())


def _book(procedure, code, day, hour, minute=0):
    from django.contrib.auth import get_user_model

    from core.access import principal_for_user
    from scheduling.models import Resource
    from scheduling.services import booking_create

    coordinator = get_user_model().objects.get(username="coordinator")
    return booking_create(procedure=procedure, resource=Resource.objects.get(code=code),
                          start=datetime.combine(day, time(hour, minute), tzinfo=ROME),
                          principal=principal_for_user(coordinator)).booking


def _open_board(page, plan, procedure, monday):
    page.goto(f"/plans/{plan.public_id}/board/?procedure={procedure.public_id}"
              f"&day={monday.isoformat()}&view=week")
    page.wait_for_selector("#board")


def _first_free(page, code, day, status_re="(preferred|allowed|warning)"):
    """The data-slot of the first start offered in ``code`` on ``day`` with a matching verdict."""
    for value in page.locator(f'[data-slot^="{code}|{day.isoformat()} "]').evaluate_all(
            "els => els.map(e => e.dataset.slot)"):
        if re.fullmatch(status_re, value.split("|")[2]):
            return value
    raise AssertionError(f"no {status_re} start in {code} on {day}")


def _assert_on_move_preview(page, booking, day, hhmm):
    page.wait_for_url(re.compile(rf"/bookings/{booking.public_id}/move/\?"))
    page.wait_for_selector("#check")
    url = page.url
    assert f"day={day.isoformat()}" in url
    assert f"time={hhmm.replace(':', '%3A')}" in url
    check = page.locator("#check").inner_text()
    assert f"{day.day} " in check, check
    assert hhmm in check, check
    assert page.locator("#id_day").input_value() == day.isoformat()


def test_a_coordinator_drags_a_booking_to_another_day_and_sees_the_rule_check(demo, page):
    from scheduling.models import Booking

    plan, emb, _surgery = _embolization_then_surgery()
    monday = _monday()
    booking = _book(emb, "angio-1", monday, 8)
    wednesday = monday + timedelta(days=2)

    sign_in(page, "coordinator")
    _open_board(page, plan, emb, monday)
    source = f'[data-booking="{booking.public_id}"]'
    assert page.locator(source).get_attribute("draggable") == "true"
    target = _first_free(page, "angio-1", wednesday)
    hhmm = target.split("|")[1].split(" ")[1]
    shot(page, "board-move-01-before-drag")
    page.drag_and_drop(source, f'[data-slot="{target}"]')
    _assert_on_move_preview(page, booking, wednesday, hhmm)
    shot(page, "board-move-02-preview-after-drag")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e], page.csp_errors
    booking.refresh_from_db()
    assert booking.start.astimezone(ROME).date() == monday, "a preview changes nothing"
    assert Booking.objects.filter(plan=plan).count() == 1


def test_a_coordinator_moves_a_booking_with_the_keyboard_only(demo, page):
    plan, emb, _surgery = _embolization_then_surgery()
    monday = _monday()
    booking = _book(emb, "angio-1", monday, 8)
    thursday = monday + timedelta(days=3)

    sign_in(page, "coordinator")
    _open_board(page, plan, emb, monday)
    target = _first_free(page, "angio-1", thursday)
    hhmm = target.split("|")[1].split(" ")[1]
    card = page.locator(f'[data-booking="{booking.public_id}"]')
    pick = card.locator(".board-pick")
    status = page.locator("#board-move-status")

    # Pick it up, then cancel with Escape: nothing moves, focus returns to the booking.
    card.focus()
    page.keyboard.press("Enter")
    assert pick.get_attribute("aria-pressed") == "true"
    assert re.search(r"Moving .+: choose a start, Escape to cancel", status.inner_text())
    page.keyboard.press("Escape")
    assert pick.get_attribute("aria-pressed") == "false"
    assert "cancelled" in status.inner_text()
    assert page.evaluate("document.activeElement.dataset.booking") == str(booking.public_id)

    # Pick it up with Space, arrow to Thursday's start, Enter.
    page.keyboard.press(" ")
    assert pick.get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.activeElement.dataset.slot") is not None, "a start has focus"
    for _ in range(2000):
        if page.evaluate("document.activeElement.dataset.slot") == target:
            break
        page.keyboard.press("ArrowRight")
    else:
        raise AssertionError("the arrows never reached Thursday's start")
    shot(page, "board-move-03-keyboard-target")
    page.keyboard.press("Enter")
    _assert_on_move_preview(page, booking, thursday, hhmm)
    assert not [e for e in page.csp_errors if "Content Security Policy" in e], page.csp_errors


def test_dropping_on_a_refused_start_says_why_and_stays_on_the_board(demo, page):
    """With the surgery booked on Tuesday, every embolization start after it is refused (R2:
    the embolization comes before its surgery)."""
    plan, emb, surgery = _embolization_then_surgery()
    monday = _monday()
    booking = _book(emb, "angio-1", monday, 8)
    tuesday = monday + timedelta(days=1)
    sign_in(page, "coordinator")
    page.goto(f"/plans/{plan.public_id}/board/?procedure={surgery.public_id}"
              f"&day={monday.isoformat()}&view=week")
    free = _first_free(page, "or-1", tuesday)
    hour, minute = (int(x) for x in free.split("|")[1].split(" ")[1].split(":"))
    _book(surgery, "or-1", tuesday, hour, minute)

    _open_board(page, plan, emb, monday)
    wednesday = monday + timedelta(days=2)
    refused = _first_free(page, "angio-1", wednesday, status_re="refused")
    board_url = page.url
    page.drag_and_drop(f'[data-booking="{booking.public_id}"]', f'[data-slot="{refused}"]')
    status = page.locator("#board-move-status")
    page.wait_for_function(
        "() => document.getElementById('board-move-status').textContent.includes('refused')")
    assert "Cannot move here" in status.inner_text()
    assert re.search(r"R\d+", status.inner_text()), "the refusal names the rule"
    assert page.url == board_url
    shot(page, "board-move-04-refused-drop")
    booking.refresh_from_db()
    assert booking.start.astimezone(ROME).date() == monday
