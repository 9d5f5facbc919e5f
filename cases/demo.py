"""Synthetic demo data: about 40 case referrals with lesions (no real patient anywhere).

``seed_demo`` is idempotent: cases are keyed by (source_system "demo-his", external id
DEMO-0001...), so a second run creates nothing new. It goes through the same services as the API
(case_create, case_transition), so the demo exercises real intake and the ready-for-MDT outbox.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from django.db import transaction
from faker import Faker

from cases.domain.codes import CaseStatus
from cases.models import Case, Patient, PatientIdentifier
from cases.selectors import hospital_number_system
from cases.services import CaseNotReady, case_create, case_transition

SOURCE_SYSTEM = "demo-his"
SPINE_BOARD = "bone-mets-spine"
SARCOMA_BOARD = "sarcoma"
CASE_COUNT = 40

_SPINE_LEVELS = ("T4", "T7", "T9", "T11", "T12", "L1", "L2", "L3", "L4", "C5", "S1")
_SARCOMAS = ("osteosarcoma", "chondrosarcoma", "ewing_sarcoma", "leiomyosarcoma",
             "other_sarcoma")


def _spine_lesion(rng: random.Random, *, hyper: bool, mscc: bool) -> dict[str, Any]:
    lesion: dict[str, Any] = {
        "site": "vertebra",
        "vertebral_level": rng.choice(_SPINE_LEVELS),
        "max_diameter_mm": rng.randint(12, 60),
        "pattern": rng.choice(("lytic", "lytic", "mixed", "blastic")),
        "distance_neural_mm": rng.randint(0, 25),
        "distance_vascular_mm": rng.randint(3, 40),
        "sins_pain": rng.choice(("mechanical", "occasional", "pain_free")),
        "sins_alignment": rng.choice(("normal", "normal", "de_novo_deformity")),
        "sins_collapse": rng.choice(("none", "under_50", "over_50", "none_over_50_involved")),
        "sins_posterolateral": rng.choice(("none", "unilateral", "bilateral")),
        "pathological_fracture": rng.random() < 0.2,
        "rapid_growth": rng.random() < 0.2,
        "vertebra_plana": rng.random() < 0.08,
        "posterior_wall_involved": rng.random() < 0.2,
    }
    if hyper:
        assessed = rng.random() < 0.6
        lesion["vascularity"] = "hyper" if assessed else "not_assessed"
        lesion["vascularity_method"] = rng.choice(("dce_mri", "angiography")) if assessed \
            else "none"
        lesion["intense_enhancement"] = assessed
        lesion["adamkiewicz_in_field"] = rng.random() < 0.08
    if mscc:
        lesion.update(epidural_extension=True, bilsky_grade=rng.choice(("2", "3")),
                      neurological_deficit=rng.random() < 0.7)
    elif rng.random() < 0.25:
        lesion.update(epidural_extension=True, bilsky_grade=rng.choice(("1a", "1b", "1c")))
    return lesion


def _long_bone_lesion(rng: random.Random) -> dict[str, Any]:
    lower = rng.random() < 0.7
    return {
        "site": "long_bone_lower" if lower else "long_bone_upper",
        "site_detail": rng.choice(("proximal femur", "femoral shaft", "tibia"))
        if lower else rng.choice(("humerus", "radius")),
        "max_diameter_mm": rng.randint(15, 90),
        "pattern": rng.choice(("lytic", "mixed", "blastic")),
        "mirels_site": rng.choice(("lower_limb", "peritrochanteric")) if lower else "upper_limb",
        "mirels_pain": rng.choice(("mild", "moderate", "functional")),
        "mirels_size": rng.choice(("under_third", "third_to_two_thirds", "over_two_thirds")),
        "soft_tissue_extension": rng.random() < 0.3,
        "distance_neural_mm": rng.randint(5, 40),
        "distance_vascular_mm": rng.randint(5, 40),
    }


def _other_lesion(rng: random.Random) -> dict[str, Any]:
    return {
        "site": rng.choice(("pelvis", "rib", "sacrum", "skull")),
        "max_diameter_mm": rng.randint(10, 70),
        "pattern": rng.choice(("lytic", "mixed", "blastic")),
        "soft_tissue_extension": rng.random() < 0.3,
        "distance_neural_mm": rng.randint(2, 40),
        "distance_vascular_mm": rng.randint(2, 40),
    }


def _payload(index: int, rng: random.Random, fake: Faker) -> dict[str, Any]:
    """One synthetic referral; the mix follows a bone-metastasis/spine board's case load."""
    roll = rng.random()
    mscc = False
    if index % 8 == 0:  # about one in eight: sarcoma board
        histology, board = rng.choice(_SARCOMAS), SARCOMA_BOARD
        lesions = [_long_bone_lesion(rng)] + ([_other_lesion(rng)] if rng.random() < 0.3 else [])
        for lesion in lesions:
            if lesion["site"] == "sacrum":
                lesion.update(sins_location="rigid", sins_pain="occasional",
                              sins_alignment="normal", sins_collapse="none",
                              sins_posterolateral="none")
        metastases = rng.randint(1, 4)
    else:
        board = SPINE_BOARD
        if roll < 0.3:
            histology = rng.choice(("renal_cell", "renal_cell", "thyroid_follicular"))
        else:
            histology = rng.choice(("breast", "prostate", "lung", "breast", "prostate",
                                    "multiple_myeloma", "hepatocellular", "gastrointestinal"))
        hyper = histology in ("renal_cell", "thyroid_follicular", "hepatocellular")
        mscc = index % 7 == 3
        lesions = [_spine_lesion(rng, hyper=hyper, mscc=mscc)]
        if rng.random() < 0.4:
            lesions.append(rng.choice((_long_bone_lesion, _other_lesion))(rng))
        for lesion in lesions:
            if lesion["site"] == "sacrum":
                lesion.update(sins_location="rigid", sins_pain="occasional",
                              sins_alignment="normal", sins_collapse="none",
                              sins_posterolateral="none")
        metastases = rng.choice((1, 2, 3, 4, 6, 8, 12, 20))
    if mscc:
        urgency, reason = "emergency", "New leg weakness; suspected spinal cord compression."
    elif rng.random() < 0.2:
        urgency, reason = "urgent", "Rapidly worsening pain despite opioids."
    else:
        urgency, reason = "routine", ""
    return {
        "source_system": SOURCE_SYSTEM,
        "external_id": f"DEMO-{index:04d}",
        "patient": {
            "identifiers": [{"system": "urn:demo:mrn", "value": f"DEMO-MRN-{index:05d}"}],
            "birth_year": rng.randint(1935, 1990),
            "sex": rng.choice(("female", "male")),
        },
        "requested_board": board,
        "referring_clinician": f"Dr {fake.last_name()}",
        "clinical_question": rng.choice((
            "Local treatment options for a painful metastasis?",
            "Is pre-operative embolization indicated before stabilisation?",
            "Vertebroplasty or radiotherapy first?",
            "Candidate for curative ablation?",
            "Stability assessment and need for surgery?",
        )),
        "urgency": urgency,
        "urgency_reason": reason,
        "primary_histology": histology,
        "metastases_count": metastases,
        "ecog": rng.randint(0, 3),
        "pain_vas": rng.randint(2, 9),
        "systemic_therapy_ongoing": rng.random() < 0.5,
        "lesions": lesions,
    }


def seed_demo(*, rng_seed: int = 42) -> dict:
    """Create about 40 synthetic cases (idempotent) and move about two-thirds to ready for MDT.

    Returns counts: {"created", "existing", "ready", "total"}. Deterministic for a seed.
    """
    rng = random.Random(rng_seed)  # noqa: S311 - synthetic demo data, not security
    fake = Faker("en_GB")
    fake.seed_instance(rng_seed)
    created = existing = ready = 0
    for index in range(1, CASE_COUNT + 1):
        payload = _payload(index, rng, fake)
        case, was_created = case_create(principal=None, data=payload)
        if not was_created:
            existing += 1
            continue
        created += 1
        # Two in three become ready for MDT (that enqueues agenda placement via the outbox).
        if index % 3 != 0:
            try:
                case_transition(case=case, to_status=CaseStatus.READY_FOR_MDT, principal=None,
                                reason="Demo: referral complete.")
            except CaseNotReady:
                continue  # an incomplete referral stays submitted: ready means ready
            ready += 1
    identified = identify_demo_patients(rng_seed=rng_seed)
    return {
        "created": created,
        "existing": existing,
        "ready": ready,
        "identified": identified,
        "total": Case.objects.filter(source_system=SOURCE_SYSTEM).count(),
    }


@transaction.atomic
def identify_demo_patients(*, rng_seed: int = 42) -> int:
    """Give each demo patient a synthetic Italian name, a date of birth in their birth year and
    a hospital number in the site's system (BOARDSVC_HOSPITAL_NUMBER_SYSTEM), so the board can
    recognise them in the demo. Faker only: no real person. Idempotent: a patient who already
    has a name and a hospital number is left alone. Returns how many patients were changed."""
    fake = Faker("it_IT")
    fake.seed_instance(rng_seed)
    system = hospital_number_system()
    changed = 0
    patients = (Patient.objects.filter(cases__source_system=SOURCE_SYSTEM).distinct()
                .order_by("pk"))
    numbered = set(PatientIdentifier.objects.filter(system=system, patient__in=patients)
                   .values_list("patient_id", flat=True))
    for patient in patients:
        female = patient.sex == "female"
        given = fake.first_name_female() if female else fake.first_name_male()
        family = fake.last_name()
        born = date(patient.birth_year, fake.random_int(1, 12), fake.random_int(1, 28))
        number = f"RM{fake.unique.random_int(1_000_000, 9_999_999)}"
        touched = False
        if not (patient.given_name or patient.family_name):
            patient.given_name, patient.family_name, patient.birth_date = given, family, born
            patient.save(update_fields=["given_name", "family_name", "birth_date"])
            touched = True
        if patient.pk not in numbered:
            PatientIdentifier.objects.get_or_create(system=system, value=number,
                                                    defaults={"patient": patient})
            touched = True
        changed += touched
    return changed
