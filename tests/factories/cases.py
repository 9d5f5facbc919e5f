"""Factories for the cases app: synthetic patients, cases and lesions only (Faker)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import factory
from factory.django import DjangoModelFactory

from cases.domain.codes import Histology, LesionPattern, SkeletalSite, Urgency
from cases.models import Case, Lesion, Patient, PatientIdentifier, SiteParameter


class PatientFactory(DjangoModelFactory[Patient]):
    class Meta:
        model = Patient

    birth_year = factory.Faker("random_int", min=1930, max=1990)
    sex = factory.Iterator(["female", "male"])


class PatientIdentifierFactory(DjangoModelFactory[PatientIdentifier]):
    class Meta:
        model = PatientIdentifier

    patient = factory.SubFactory(PatientFactory)
    system = "urn:test:mrn"
    value = factory.Sequence(lambda n: f"TEST-{n:06d}")


class CaseFactory(DjangoModelFactory[Case]):
    class Meta:
        model = Case

    patient = factory.SubFactory(PatientFactory)
    source_system = "test-his"
    external_id = factory.Sequence(lambda n: f"EXT-{n:05d}")
    requested_board = "bone-mets-spine"
    referring_clinician = factory.Faker("name")
    clinical_question = "Local treatment options for a painful spinal metastasis?"
    urgency = Urgency.ROUTINE
    primary_histology = Histology.BREAST
    metastases_count = 3
    ecog = 1
    pain_vas = 6


class LesionFactory(DjangoModelFactory[Lesion]):
    """A T12 lytic lesion with complete SINS components (SINS 3+3+2+0+2+0 = 10)."""

    class Meta:
        model = Lesion

    case = factory.SubFactory(CaseFactory)
    position = factory.Sequence(lambda n: n)
    site = SkeletalSite.VERTEBRA
    vertebral_level = "T12"
    max_diameter_mm = 25
    pattern = LesionPattern.LYTIC
    distance_neural_mm = 15
    distance_vascular_mm = 20
    sins_location = "junctional"
    sins_pain = "mechanical"
    sins_alignment = "normal"
    sins_collapse = "under_50"
    sins_posterolateral = "none"


class SiteParameterFactory(DjangoModelFactory[SiteParameter]):
    class Meta:
        model = SiteParameter
        django_get_or_create = ("key",)

    key = "oligo_max"
    value = 3
    reason = "Local oncologists use 3 lesions."


_SPINE_LESION: dict[str, Any] = {
    "site": "vertebra",
    "vertebral_level": "L2",
    "max_diameter_mm": 35,
    "pattern": "lytic",
    "vascularity": "hyper",
    "vascularity_method": "dce_mri",
    "epidural_extension": True,
    "bilsky_grade": "1b",
    "distance_neural_mm": 4,
    "distance_vascular_mm": 12,
    "sins_location": "mobile",
    "sins_pain": "mechanical",
    "sins_alignment": "normal",
    "sins_collapse": "under_50",
    "sins_posterolateral": "unilateral",
}
_FEMUR_LESION: dict[str, Any] = {
    "site": "long_bone_lower",
    "site_detail": "proximal femur",
    "max_diameter_mm": 40,
    "pattern": "lytic",
    "mirels_site": "peritrochanteric",
    "mirels_pain": "moderate",
    "mirels_size": "third_to_two_thirds",
}


def submission_payload(**overrides: Any) -> dict[str, Any]:
    """A complete, valid case submission (renal cell, two lesions) for API tests."""
    payload: dict[str, Any] = {
        "source_system": "test-his",
        "external_id": f"EXT-{uuid.uuid4().hex[:10]}",
        "patient": {
            "identifiers": [{"system": "urn:test:mrn", "value": f"MRN-{uuid.uuid4().hex[:8]}"}],
            "birth_year": 1956,
            "sex": "female",
        },
        "requested_board": "",
        "referring_clinician": "Dr Test Referrer",
        "clinical_question": "Pre-operative embolization before decompression?",
        "urgency": "urgent",
        "urgency_reason": "Progressive back pain, lesion growing.",
        "primary_histology": "renal_cell",
        "metastases_count": 7,
        "ecog": 1,
        "pain_vas": 7,
        "lesions": [copy.deepcopy(_SPINE_LESION), copy.deepcopy(_FEMUR_LESION)],
    }
    payload.update(overrides)
    return payload
