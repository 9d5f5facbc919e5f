"""Is a case complete enough for MDT discussion?

``case_readiness`` returns the unresolved requirements, each with a stable code and a plain-English
message; an empty list means ready. boardsvc uses it to refuse agenda placement and to tell the
coordinator why (the MDT standards ask for all imaging to be available at the meeting, R13 and
clinical-rules.md §3).
"""

from __future__ import annotations

from .codes import Urgency
from .facts import CaseFacts, Requirement
from .scores import mirels_missing_components, sins_missing_components

IMAGING_NOT_AVAILABLE = "imaging_not_available"
NO_LESIONS = "no_lesions"
SINS_INCOMPLETE = "sins_incomplete"
MIRELS_INCOMPLETE = "mirels_incomplete"
BILSKY_MISSING = "bilsky_missing"
URGENCY_REASON_MISSING = "urgency_reason_missing"
VASCULARITY_METHOD_MISSING = "vascularity_method_missing"


def case_readiness(case: CaseFacts) -> list[Requirement]:
    """The requirements still open before the case can be discussed (empty when ready).

    Pure and deterministic; the order is stable (case-level first, then lesions in order).
    """
    out: list[Requirement] = []
    if not case.imaging_available:
        out.append(Requirement(
            IMAGING_NOT_AVAILABLE,
            "Relevant imaging is not available for review at the meeting.",
        ))
    if case.urgency != Urgency.ROUTINE and not case.urgency_reason.strip():
        out.append(Requirement(
            URGENCY_REASON_MISSING,
            f"The case is marked {case.urgency}; give the clinical reason for the urgency.",
        ))
    if not case.lesions:
        out.append(Requirement(NO_LESIONS, "The case has no lesions described."))
    for index, lesion in enumerate(case.lesions):
        name = f"Lesion {index + 1} ({lesion.label})"
        if lesion.is_spine:
            missing = sins_missing_components(lesion)
            if missing:
                out.append(Requirement(
                    SINS_INCOMPLETE,
                    f"{name}: spine lesion without the SINS components "
                    f"({', '.join(missing)}).",
                    lesion.public_id,
                ))
        if lesion.is_long_bone:
            missing = mirels_missing_components(lesion)
            if missing:
                out.append(Requirement(
                    MIRELS_INCOMPLETE,
                    f"{name}: long-bone lesion without the Mirels components "
                    f"({', '.join(missing)}).",
                    lesion.public_id,
                ))
        if lesion.epidural_extension and not lesion.bilsky_grade:
            out.append(Requirement(
                BILSKY_MISSING,
                f"{name}: epidural extension without a Bilsky grade.",
                lesion.public_id,
            ))
        if lesion.vascularity != "not_assessed" and lesion.vascularity_method == "none":
            out.append(Requirement(
                VASCULARITY_METHOD_MISSING,
                f"{name}: vascularity is given without the imaging method (DCE-MRI or "
                "angiography).",
                lesion.public_id,
            ))
    return out
