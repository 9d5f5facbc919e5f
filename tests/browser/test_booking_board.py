"""The booking board in a real browser (issue 13): a coordinator opens the board of a plan
(pre-operative embolization, then its surgery), sees it open on the embolization, books it from
the board through the usual rule check, then sees the surgery's refused starts marked before
clicking anything and books a preferred one from the board."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _embolization_then_surgery():
    """A plan on the first demo case with a lesion: a pre-operative embolization, then its
    surgery. Returns (plan, embolization, surgery)."""
    from django.contrib.auth import get_user_model

    from cases.models import Case
    from cases.services import treatment_plan_create
    from core.access import principal_for_user

    coordinator = get_user_model().objects.get(username="coordinator")
    case = Case.objects.filter(lesions__isnull=False).order_by("pk").first()
    assert case is not None, "the demo seeds cases with lesions"
    lesion = case.lesions.first()
    plan = treatment_plan_create(case=case, principal=principal_for_user(coordinator), procedures=[
        {"procedure_type": "embolization", "purpose": "pre_operative",
         "intent": "palliative", "target_lesion": lesion},
        {"procedure_type": "surgery", "intent": "palliative", "target_lesion": lesion},
    ])
    emb = plan.procedures.get(procedure_type="embolization")
    surgery = plan.procedures.get(procedure_type="surgery")
    return plan, emb, surgery


def test_a_coordinator_books_a_plan_from_the_board(demo, page):
    from scheduling.models import Booking

    plan, emb, surgery = _embolization_then_surgery()
    today = datetime.now(ZoneInfo("Europe/Rome")).date()
    monday = today + timedelta(days=7 - today.weekday())

    sign_in(page, "coordinator")
    # From the booking page to the board, which opens on the procedure to book first.
    page.goto(f"/plans/{plan.public_id}/book/")
    page.locator("#open-board").click()
    page.wait_for_selector("#board-legend")
    page.goto(f"/plans/{plan.public_id}/board/?day={monday.isoformat()}")
    current = page.locator('.board-procedures li[aria-current="true"]')
    assert current.get_attribute("data-procedure") == str(emb.public_id)
    first = page.locator(f'a[data-slot^="angio-1|{monday.isoformat()} 08:00|"]')
    assert first.count() == 1, "the angio suite's first start on Monday is offered"
    shot(page, "board-01-embolization")
    first.click()
    page.wait_for_selector("#check")
    page.get_by_role("button", name=re.compile("Confirm")).click()
    page.wait_for_selector("text=booked.")
    booked = Booking.objects.get(procedure=emb)
    assert booked.resource.code == "angio-1"

    # The surgery's board, Monday to Sunday: the theatre's starts before the embolization ends
    # are refused by R2 before anything is clicked, and are not links.
    page.goto(f"/plans/{plan.public_id}/board/?procedure={surgery.public_id}"
              f"&day={monday.isoformat()}&view=week")
    refused = page.locator(f'[data-slot="or-1|{monday.isoformat()} 08:00|refused"]')
    assert refused.count() == 1
    assert refused.evaluate("e => e.tagName") == "SPAN"
    assert "refused (R2)" in refused.get_attribute("aria-label")
    assert refused.is_visible()
    # Thursday, more than 72 h after the embolization ends: refused by R1.
    thursday = (monday + timedelta(days=3)).isoformat()
    assert page.locator(f'[data-slot="or-1|{thursday} 12:00|refused"]').count() == 1
    assert page.locator("#board-legend").inner_text().count("refused") >= 1
    shot(page, "board-02-surgery-verdicts")

    preferred = page.locator(f'a[data-slot^="or-1|{monday.isoformat()}"][data-slot$="|preferred"]')
    assert preferred.count() >= 1
    start = preferred.first.get_attribute("data-slot").split("|")[1]
    preferred.first.click()
    page.wait_for_selector("#check")
    assert "will be refused" not in page.locator("#check").inner_text()
    shot(page, "board-03-surgery-check")
    page.get_by_role("button", name=re.compile("Confirm")).click()
    page.wait_for_selector("text=booked.")
    surgery_booking = Booking.objects.get(procedure=surgery)
    local = surgery_booking.start.astimezone(ZoneInfo("Europe/Rome"))
    assert f"{local:%Y-%m-%d %H:%M}" == start
    assert surgery_booking.resource.code == "or-1"


def test_a_coordinator_proposes_and_accepts_a_whole_plan_from_the_board(demo, page):
    from scheduling.models import Booking

    plan, emb, surgery = _embolization_then_surgery()

    sign_in(page, "coordinator")
    page.goto(f"/plans/{plan.public_id}/board/")
    page.locator("#propose-plan").click()
    page.wait_for_selector("#proposal")
    items = page.locator("#proposal-items li")
    assert items.count() == 2
    assert {items.nth(i).get_attribute("data-proposed") for i in range(2)} == {
        str(emb.public_id), str(surgery.public_id)}
    highlighted = page.locator(".board-proposed[data-proposed-slot]")
    assert highlighted.count() >= 1
    assert highlighted.first.is_visible()
    assert "Proposed" in highlighted.first.inner_text()
    assert "proposed" in page.locator("#board-legend").inner_text()
    shot(page, "board-04-proposal")
    assert not Booking.objects.filter(plan=plan).exists()

    page.locator("#accept-proposal").click()
    page.wait_for_selector("text=The whole plan is booked")
    booked = {b.procedure_id: b for b in Booking.objects.filter(plan=plan)}
    assert set(booked) == {emb.pk, surgery.pk}
    assert booked[emb.pk].end <= booked[surgery.pk].start
    assert not page.locator("#proposal").count()
