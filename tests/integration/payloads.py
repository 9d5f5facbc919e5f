"""Synthetic request bodies shared by the integration tests (no real identifiers)."""

from __future__ import annotations

from typing import Any


def case_payload(*, external_id: str | None = None, mrn: str = "SYN-000001",
                 question: str = "Painful T8 lesion: vertebroplasty or radiotherapy?",
                 board: str = "spine-a") -> dict[str, Any]:
    body: dict[str, Any] = {
        "requested_board": board,
        "referring_clinician": "Dr Referrer",
        "clinical_question": question,
        "primary_histology": "breast",
        "metastases_count": 2,
        "ecog": 1,
        "pain_vas": 6,
        "patient": {"identifiers": [{"system": "urn:oid:2.999.1", "value": mrn}],
                    "birth_year": 1961, "sex": "female"},
        "lesions": [{"site": "vertebra", "vertebral_level": "T8", "max_diameter_mm": 30,
                     "pattern": "lytic"}],
    }
    if external_id is not None:
        body["source_system"] = "his-test"
        body["external_id"] = external_id
    return body
