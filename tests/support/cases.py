"""Cases test helpers: the intake page's form data.

Fixtures (boards, members, API clients) stay in tests/cases/conftest.py.
"""

from __future__ import annotations


def intake_form(**overrides: str) -> dict[str, str]:
    """The intake page's POST data for a complete referral (one spine lesion); ``overrides``
    replace fields by their prefixed name (``{"case-ecog": "7"}``)."""
    data = {
        "patient-identifier_system": "urn:test:mrn",
        "patient-identifier_value": "MRN-WEB-1",
        "patient-birth_year": "1958",
        "patient-sex": "female",
        "case-requested_board": "board-a",
        "case-referring_clinician": "Dr Web Form",
        "case-clinical_question": "Embolization before surgery?",
        "case-urgency": "urgent",
        "case-urgency_reason": "Growing painful lesion",
        "case-primary_histology": "renal_cell",
        "case-metastases_count": "3",
        "case-ecog": "1",
        "case-pain_vas": "7",
        "case-imaging_available": "on",
        "lesions-TOTAL_FORMS": "1",
        "lesions-INITIAL_FORMS": "0",
        "lesions-MIN_NUM_FORMS": "1",
        "lesions-MAX_NUM_FORMS": "20",
        "lesions-0-site": "vertebra",
        "lesions-0-vertebral_level": "T12",
        "lesions-0-max_diameter_mm": "35",
        "lesions-0-pattern": "lytic",
        "lesions-0-vascularity": "hyper",
        "lesions-0-vascularity_method": "dce_mri",
        "lesions-0-bilsky_grade": "",
        "lesions-0-painful": "on",
    }
    data.update(overrides)
    return data
