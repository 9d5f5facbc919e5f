"""What a case revision stores: the case's fields and lesions as codes and pseudonymous ids.

``CASE_FIELDS`` and ``LESION_FIELDS`` are the fields a caller may write (intake, update, the
intake form); every write that changes a case records ``case_snapshot`` as a revision.
"""

from __future__ import annotations

from typing import Any

from cases.models import Case, Lesion

CASE_FIELDS: tuple[str, ...] = (
    "requested_board", "referring_clinician", "clinical_question", "urgency", "urgency_reason",
    "primary_histology", "metastases_count", "ecog", "pain_vas", "systemic_therapy_ongoing",
    "systemic_therapy", "prior_rt_date", "prior_rt_dose_gy", "prior_rt_fractions",
    "imaging_available", "life_expectancy_months", "active_infection",
    "uncorrectable_coagulopathy", "pmma_allergy",
)
LESION_FIELDS: tuple[str, ...] = (
    "site", "vertebral_level", "site_detail", "max_diameter_mm", "pattern", "vascularity",
    "vascularity_method", "pathological_fracture", "epidural_extension", "bilsky_grade",
    "soft_tissue_extension", "distance_neural_mm", "distance_vascular_mm", "rapid_growth",
    "neurological_deficit", "painful", "weight_bearing", "adamkiewicz_in_field",
    "vertebra_plana", "posterior_wall_involved", "intense_enhancement", "radicular_pain",
    "sins_location", "sins_pain", "sins_alignment", "sins_collapse", "sins_posterolateral",
    "mirels_site", "mirels_pain", "mirels_size",
)


def case_snapshot(*, case: Case) -> dict[str, Any]:
    """The case as codes and pseudonymous ids (never identifier values), for revisions."""
    data: dict[str, Any] = {name: getattr(case, name) for name in CASE_FIELDS}
    data.update({
        "public_id": str(case.public_id),
        "patient": str(case.patient.public_id),
        "source_system": case.source_system,
        "external_id": case.external_id,
        "status": case.status,
        "version": case.version,
        "lesions": [
            {"public_id": str(lesion.public_id), "position": lesion.position,
             **{name: getattr(lesion, name) for name in LESION_FIELDS}}
            for lesion in Lesion.objects.filter(case=case).order_by("position", "id")
        ],
    })
    return data
