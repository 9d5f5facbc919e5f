"""Scheduling notices in the recipient's language (scheduling/services/rechecks.py,
follow_ups.py): on an Italian site a broken timing rule and the proposed follow-up CTs are told
in Italian, dates included; on an English site the text stays as it was."""

from __future__ import annotations

import pytest

from cases.domain.codes import CaseStatus
from cases.selectors import case_label
from core.models import Notification
from scheduling import services
from tests.factories.scheduling import at, plan_with
from tests.support.scheduling import PREOP, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken_plan(rooms, coordinator_principal):
    """Embolization moved to Monday 08:00, surgery on Thursday 09:00: R1 (soft) is broken."""
    plan, (emb, surgery) = plan_with(PREOP, "surgery")
    e = services.booking_create(procedure=emb, resource=rooms["angio"], start=at(2, 8),
                                principal=coordinator_principal).booking
    services.booking_create(procedure=surgery, resource=rooms["or1"], start=at(3, 9),
                            principal=coordinator_principal)
    services.booking_move(booking=e, start=at(0, 8), expected_version=1,
                          principal=coordinator_principal)
    return plan


def test_a_broken_timing_rule_is_told_in_italian(settings, broken_plan, coordinator):
    settings.LANGUAGE_CODE = "it"
    services.plan_recheck(plan_id=broken_plan.pk)
    note = Notification.objects.get(recipient=coordinator, kind="rule_violation")
    label = case_label(broken_plan.case)
    assert note.subject == (f"R1: regola temporale non vincolante violata nel piano del paziente "
                            f"{label}")
    assert note.body.startswith("R1 (non vincolante): Chirurgia: inizia ")
    assert "Surgery" not in note.body


def test_a_broken_timing_rule_stays_english_on_an_english_site(settings, broken_plan,
                                                               coordinator):
    settings.LANGUAGE_CODE = "en"
    services.plan_recheck(plan_id=broken_plan.pk)
    note = Notification.objects.get(recipient=coordinator, kind="rule_violation")
    assert note.subject == (f"R1 soft timing rule broken in the plan of patient "
                            f"{case_label(broken_plan.case)}")
    assert note.body == broken_plan.violations.get().message  # the engine's sentence as it is
    assert note.body.startswith("R1 (soft): Surgery starts ")


def test_proposed_follow_up_cts_are_told_in_italian(settings, rooms, coordinator,
                                                    coordinator_principal):
    settings.LANGUAGE_CODE = "it"
    plan, (emb,) = plan_with(PREOP, status=CaseStatus.DISCUSSED)
    e = book(emb, rooms["angio"], at(0, 8), coordinator_principal)
    services.booking_mark_done(booking=e, principal=coordinator_principal, now=at(0, 11))
    note = Notification.objects.get(recipient=coordinator, kind="follow_up_proposed")
    assert note.subject == "3 TC di controllo proposte (R8)"
    assert note.body == (f"Paziente {case_label(plan.case)}: TC di controllo proposte dopo "
                         "l'embolizzazione; confermale o spostale.")
