"""Decision support for a whole case: every rule, per case and per lesion.

``case_support`` runs the pure rules in a fixed order and ``support_as_dict`` renders the JSON
shape other apps rely on (cases.selectors.case_decision_support). Nothing here is a decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .cazzato import disease_extent, lesion_suggestions
from .facts import CaseFacts, CaseSupport, Finding, LesionFacts, LesionSupport
from .scores import consolidation_assess, mirels_assess, sins_assess
from .spine import mscc_assess, vertebroplasty_assess
from .thresholds import DEFAULTS
from .vascularity import embolization_assess, hypervascular_assess


def lesion_support(
    lesion: LesionFacts, case: CaseFacts, thresholds: Mapping[str, float] = DEFAULTS
) -> LesionSupport:
    """Findings and suggestions for one lesion: SINS or Mirels where they apply,
    consolidation, vascularity, embolization, vertebroplasty for spine lesions, then the
    exclusions that removed suggestions (DS-HEAT-NEAR, DS-MSCC-NO-ABLATION) and the flowchart
    summary (DS-CAZZATO)."""
    findings: list[Finding] = []
    if lesion.is_spine:
        findings.append(sins_assess(lesion, thresholds))
    if lesion.is_long_bone:
        findings.append(mirels_assess(lesion, thresholds))
    findings.append(consolidation_assess(lesion, thresholds))
    hyper = hypervascular_assess(lesion, case.primary_histology)
    findings.append(hyper)
    findings.append(embolization_assess(lesion, hypervascular=hyper.result["hypervascular"]))
    if lesion.is_spine:
        findings.append(vertebroplasty_assess(lesion, case))
    walked, suggestions = lesion_suggestions(lesion, case, thresholds)
    findings.extend(walked)
    return LesionSupport(lesion=lesion, findings=tuple(findings), suggestions=tuple(suggestions))


def case_support(case: CaseFacts, thresholds: Mapping[str, float] = DEFAULTS) -> CaseSupport:
    """Decision support for the case: disease extent, the MSCC flag and each lesion."""
    mscc = mscc_assess(case, thresholds)
    return CaseSupport(
        findings=(disease_extent(case, thresholds), mscc),
        lesions=tuple(lesion_support(lesion, case, thresholds) for lesion in case.lesions),
        emergency=bool(mscc.result["emergency"]),
    )


def support_as_dict(support: CaseSupport) -> dict[str, Any]:
    """The JSON-able contract: {"case": [findings], "lesions": [{"lesion", "label", "findings",
    "suggestions"}], "emergency": bool}."""
    return {
        "case": [f.as_dict() for f in support.findings],
        "lesions": [
            {
                "lesion": item.lesion.public_id,
                "label": item.lesion.label,
                "findings": [f.as_dict() for f in item.findings],
                "suggestions": [s.as_dict() for s in item.suggestions],
            }
            for item in support.lesions
        ],
        "emergency": support.emergency,
    }
