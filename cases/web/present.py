"""Turn a case and its decision support into what a page shows (shared with boardsvc's agenda).

Reads only: the caller has already loaded the case through a scoped selector
(cases.selectors.case_get_visible / case_list_visible) and computed its decision support.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cases.domain.purposes import legacy_purpose
from cases.labels import code_label, finding_summary, lesion_label, support_localized
from cases.models import Case, Lesion

# Findings shown as "scores" beside each lesion (rule ids in clinical-rules.md §2).
_SCORE_KEYS = ("score", "category")


def pseudonym(case: Case) -> str:
    """The short pseudonym of the case's patient (first 8 hex digits of its public UUID)."""
    return str(case.patient.public_id)[:8]


def patient_age(case: Case, *, today: date) -> int:
    """Age in completed years as far as the birth year allows (never exact: no birth date)."""
    return max(0, today.year - case.patient.birth_year)


def lesion_rows(case: Case, support: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per lesion: label, site, size, pattern, vascularity, scores, suggestions."""
    by_id = {str(item["lesion"]): item for item in support.get("lesions", [])}
    lesions: list[Lesion] = sorted(case.lesions.all(), key=lambda les: (les.position, les.pk))
    rows: list[dict[str, Any]] = []
    for lesion in lesions:
        item = by_id.get(str(lesion.public_id), {})
        findings = item.get("findings", [])
        scores = [
            {"rule_id": f["rule_id"], "title": f["title"], "summary": finding_summary(f)}
            for f in findings
            if isinstance(f.get("result"), dict) and any(k in f["result"] for k in _SCORE_KEYS)
        ]
        rows.append({
            "lesion": lesion,
            "public_id": str(lesion.public_id),
            "label": lesion_label(lesion),
            "site": code_label("SkeletalSite", lesion.site),
            "level": lesion.vertebral_level,
            "size_mm": lesion.max_diameter_mm,
            "pattern": code_label("LesionPattern", lesion.pattern),
            "vascularity": code_label("Vascularity", lesion.vascularity),
            "fracture": lesion.pathological_fracture,
            "epidural": lesion.epidural_extension,
            "bilsky": lesion.bilsky_grade,
            "scores": scores,
            "findings": findings,
            "suggestions": [
                {
                    **suggestion,
                    "procedure_label": code_label("ProcedureType", suggestion["procedure_type"]),
                    "intent_label": code_label("Intent", suggestion.get("intent", "")),
                    "purpose_label": code_label(
                        "ProcedurePurpose", legacy_purpose(
                            suggestion.get("purpose") or suggestion.get("embolization_purpose")
                            or "")
                    ),
                }
                for suggestion in item.get("suggestions", [])
            ],
        })
    return rows


def case_summary(case: Case, support: dict[str, Any], *, today: date) -> dict[str, Any]:
    """Everything a case card shows. No identifier values: only the pseudonym. Finding titles
    and rationales are in the active language (``support_localized``)."""
    support = support_localized(support)
    return {
        "case": case,
        "public_id": str(case.public_id),
        "pseudonym": pseudonym(case),
        "age": patient_age(case, today=today),
        "sex": code_label("Sex", case.patient.sex),
        "histology": code_label("Histology", case.primary_histology),
        "urgency": case.urgency,
        "urgency_label": code_label("Urgency", case.urgency),
        "status_label": code_label("CaseStatus", case.status),
        "question": case.clinical_question,
        "ecog": case.ecog,
        "pain_vas": case.pain_vas,
        "metastases": case.metastases_count,
        "emergency": bool(support.get("emergency")),
        "case_findings": support.get("case", []),
        "lesions": lesion_rows(case, support),
    }
