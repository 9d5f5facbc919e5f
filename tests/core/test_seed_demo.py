"""The demo seed builds a realistic data set and is idempotent (foundation issue)."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db

COUNTED = [
    "auth.User", "boardsvc.Board", "boardsvc.BoardMember", "boardsvc.Meeting",
    "boardsvc.AgendaItem", "cases.Patient", "cases.Case", "cases.Lesion",
    "scheduling.Resource", "scheduling.OpeningHours", "scheduling.TimingRule",
]


def counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


def test_the_demo_has_two_boards_eight_weeks_of_meetings_resources_and_forty_cases():
    call_command("seed_demo", quiet=True)
    c = counts()
    assert c["boardsvc.Board"] == 2
    assert c["boardsvc.Meeting"] >= 16  # two weekly boards, 8 weeks ahead
    assert c["cases.Case"] == 40
    assert c["cases.Lesion"] >= 40
    assert c["scheduling.Resource"] >= 6  # angio, hybrid, CT, 2 ORs, linac
    assert c["boardsvc.AgendaItem"] > 0  # ready cases were placed on agendas
    kinds = set(apps.get_model("scheduling.Resource").objects.values_list("kind", flat=True))
    assert {"angio_suite", "hybrid_ct_angio", "ct_room", "operating_room", "linac"} <= kinds


def test_seeding_twice_creates_nothing_new():
    call_command("seed_demo", quiet=True)
    first = counts()
    call_command("seed_demo", quiet=True)
    assert counts() == first


def test_the_demo_seeds_two_decided_plans_that_wait_on_the_worklist():
    """Issue 13: two spine-board cases decided at last week's meeting through the boards'
    services, each with an active plan (a pre-operative embolization linked to its surgery;
    radiotherapy), nothing booked, one with a 62-day clock inside its alert lead time; the
    coordinator's worklist lists both; a re-run adds no decision."""
    from django.contrib.auth import get_user_model

    from boardsvc.models import Decision
    from cases.models import TreatmentPlan
    from tests.support.web import login

    call_command("seed_demo", quiet=True)
    decisions = list(Decision.objects.filter(outcome_text__startswith="Demo decision")
                     .order_by("recorded_at"))
    assert len(decisions) == 2
    plans = [TreatmentPlan.objects.get(decision_public_id=d.public_id, status="active")
             for d in decisions]
    preop, rt = plans
    embo = preop.procedures.get(procedure_type="embolization")
    assert embo.purpose == "pre_operative"
    assert embo.prepares == preop.procedures.get(procedure_type="surgery")
    assert list(rt.procedures.values_list("procedure_type", flat=True)) == ["radiotherapy"]
    assert not preop.bookings.exists()
    assert not rt.bookings.exists()
    assert all(d.case.status == "discussed" for d in decisions)

    body = login(get_user_model().objects.get(username="coordinator")).get(
        "/worklist/").content.decode()
    for plan in plans:
        assert f'id="case-{plan.case.public_id}"' in body
    row = body[body.index(f'id="case-{preop.case.public_id}"'):]
    row = row[:row.index("</tr>")]
    assert re.search(r'badge soft" title="Referral to first treatment">CWT-62</span> [34] d left',
                     row), row

    call_command("seed_demo", quiet=True)
    assert Decision.objects.filter(outcome_text__startswith="Demo decision").count() == 2
    assert TreatmentPlan.objects.filter(status="active").count() == 2
