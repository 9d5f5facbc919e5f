"""The demo seed builds a realistic data set and is idempotent (foundation issue)."""

from __future__ import annotations

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
