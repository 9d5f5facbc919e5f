"""scheduling.demo.seed_demo: the site's rooms and people with opening hours and the catalogues, idempotent."""

from __future__ import annotations

import pytest

from scheduling.demo import seed_demo
from scheduling.models import OpeningHours, ProcedureCatalogueEntry, Resource, TimingRule

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_rooms_once():
    first = seed_demo(rng_seed=42)
    assert first["resources"] == 12
    kinds = sorted(Resource.objects.values_list("kind", flat=True))
    assert kinds == ["anaesthetist", "anaesthetist", "angio_suite", "ct_room",
                     "hybrid_ct_angio", "interventional_radiologist",
                     "interventional_radiologist", "linac", "mri", "operating_room",
                     "operating_room", "surgeon"]
    assert OpeningHours.objects.count() == 60
    again = seed_demo(rng_seed=42)
    assert set(again.values()) == {0}
    assert TimingRule.objects.filter(rule_id="R1").count() == 2
    assert ProcedureCatalogueEntry.objects.filter(procedure_type="radiotherapy").exists()
