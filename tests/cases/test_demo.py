"""cases.demo.seed_demo: a realistic synthetic mix, idempotent."""

from __future__ import annotations

import pytest

from cases.demo import seed_demo
from cases.models import Case, Patient, PatientIdentifier
from cases.selectors import case_decision_support, hospital_number_system

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_agenda_placement(settings):
    # Agenda placement is boardsvc's (tested there); here it would only slow the seed down.
    settings.BOARDSVC_ON_CASE_READY_TASKS = []


def test_seed_demo_creates_a_realistic_mix_once():
    first = seed_demo()
    assert first["created"] == first["total"] == 40
    assert 24 <= first["ready"] <= 30
    assert Case.objects.filter(status="ready_for_mdt").count() == first["ready"]

    cases = list(Case.objects.prefetch_related("lesions"))
    assert {c.requested_board for c in cases} == {"bone-mets-spine", "sarcoma"}
    assert sum(c.requested_board == "bone-mets-spine" for c in cases) > 30
    assert {"emergency", "urgent", "routine"} <= {c.urgency for c in cases}
    assert {"renal_cell", "breast", "prostate"} <= {c.primary_histology for c in cases}
    assert Case.objects.get(external_id="DEMO-0001").source_system == "demo-his"
    assert any(case_decision_support(case=c)["emergency"] for c in cases)

    assert seed_demo() == {"created": 0, "existing": 40, "ready": 0, "identified": 0,
                           "total": 40}


def test_seed_demo_gives_every_patient_a_synthetic_identity_and_hospital_number():
    seed_demo()
    patients = Patient.objects.filter(cases__source_system="demo-his").distinct()
    assert all(p.given_name and p.family_name for p in patients)
    assert all(p.birth_date.year == p.birth_year for p in patients)
    numbers = PatientIdentifier.objects.filter(system=hospital_number_system())
    assert numbers.values("patient").distinct().count() == patients.count()
