"""A breach clock in a real browser (issue 13): a coordinator opens the worklist where one
plan's pathway clock is breached and another's is due soon. The breached plan comes before the
due-soon one and reads "breached N d ago", the due-soon one "N d left"; a plan whose R10
deadline (MSCC not for surgery: radiotherapy within 24 h of the decision) was missed reads
"missed N h ago" and, a rule deadline missed, comes first of all; a plan whose pre-operative
embolization is booked and its surgery not shows its R1 window. Then the sweep runs (called
in-process, as the beat job does; the real-worker path is tested in tests/integration) and the
coordinator finds the alert in their notifications, naming the patient by hospital number, with
local times in the zone of the case's board."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.support.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOARD_ZONE = "Europe/London"


def _plan(*procedures: dict, board: str, referred_days_ago: float, urgency: str = "routine",
          number: str = ""):
    """A case of ``board`` referred ``referred_days_ago`` with a plan of ``procedures`` recorded
    through the plan service (as a decision does), for the demo coordinator."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from cases.models import Case
    from cases.services import treatment_plan_create
    from core.access import principal_for_user
    from tests.factories.cases import CaseFactory, LesionFactory
    from tests.support.attachments import identify

    coordinator = get_user_model().objects.get(username="coordinator")
    case = CaseFactory(requested_board=board, urgency=urgency)
    lesion = LesionFactory(case=case)
    Case.objects.filter(pk=case.pk).update(
        submitted_at=timezone.now() - timedelta(days=referred_days_ago, hours=1))
    if number:
        identify(case, number=number)
    return treatment_plan_create(
        case=case, principal=principal_for_user(coordinator),
        procedures=[{**p, "intent": "palliative", "target_lesion": lesion} for p in procedures])


def _row(page, plan):
    return page.locator(f'tr[id="case-{plan.case.public_id}"]')


def test_the_worklist_shows_a_breach_clock_and_its_alert_arrives(demo, page):
    from django.utils import timezone

    from cases.models import PlannedProcedure, TreatmentPlan
    from scheduling import services
    from scheduling.models import Resource
    from tests.factories.boardsvc import BoardFactory
    from tests.factories.scheduling import BookingFactory

    services.clock_targets_seed()
    BoardFactory(slug="london-mdt", timezone=BOARD_ZONE)
    rt = {"procedure_type": "radiotherapy"}
    breached = _plan(rt, board="london-mdt", referred_days_ago=31, number="RM0031001")
    soon = _plan(rt, board="london-mdt", referred_days_ago=25)
    mscc = _plan(rt, board="london-mdt", referred_days_ago=1, urgency="emergency")
    TreatmentPlan.objects.filter(pk=mscc.pk).update(
        created_at=timezone.now() - timedelta(hours=30))   # R10 due 24 h after: missed 6 h ago
    preop = _plan({"procedure_type": "embolization", "purpose": "pre_operative"},
                  {"procedure_type": "surgery"}, board="london-mdt", referred_days_ago=1)
    embo = preop.procedures.get(procedure_type="embolization")
    surgery = preop.procedures.get(procedure_type="surgery")
    PlannedProcedure.objects.filter(pk=embo.pk).update(prepares=surgery)
    ended = timezone.now() - timedelta(hours=80)            # R1 maximum 72 h: missed 8 h ago
    BookingFactory(procedure=embo, resource=Resource.objects.get(code="angio-1"),
                   start=ended - timedelta(hours=2), end=ended)

    sign_in(page, "coordinator")
    page.goto("/worklist/")
    page.wait_for_selector(f'tr[id="case-{breached.case.public_id}"]')
    ids = page.locator("tbody tr[id^='case-']").evaluate_all("rows => rows.map(r => r.id)")
    position = {plan.pk: ids.index(f"case-{plan.case.public_id}")
                for plan in (breached, soon, mscc, preop)}
    # Missed rule deadlines first, then what breaches first.
    assert max(position[mscc.pk], position[preop.pk]) < position[breached.pk]
    assert position[breached.pk] < position[soon.pk]

    breached_row = _row(page, breached).inner_text()
    assert re.search(r"CWT-28 breached 3 d ago", breached_row), breached_row
    assert BOARD_ZONE in breached_row
    assert re.search(r"CWT-28 2 d left", _row(page, soon).inner_text())
    r10 = _row(page, mscc).locator('li[data-rule="R10"]')
    assert re.search(r"missed 6 h ago", r10.inner_text())
    assert "radiotherapy" in r10.locator(".badge").get_attribute("title").lower()
    r1 = _row(page, preop).locator('li[data-rule="R1"]')
    assert re.search(r"missed 8 h ago", r1.inner_text())
    assert "72 hours" in r1.locator(".badge").get_attribute("title")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e], page.csp_errors
    shot(page, "worklist-01-breach-clock")

    # The beat job's sweep, in-process: the coordinator is alerted.
    counts = services.pathway_clock_sweep()
    assert counts["breached"] >= 1
    page.goto("/notifications/")
    alert = page.locator("li, tr, article").filter(
        has_text=re.compile(r"CWT-28 Referral to MDT discussion breached for patient RM0031001"))
    assert alert.count() >= 1
    text = alert.first.inner_text()
    assert BOARD_ZONE in text
    assert re.search(r"\w{3} \d{2} \w{3} \d{4} \d{2}:\d{2} Europe/London", text), text
    assert str(breached.case.patient.public_id) not in text
    shot(page, "worklist-02-breach-alert")
