"""Vertebroplasty safety (§2.6) and the MSCC emergency pathway (R9-R12).

High-risk features (vertebra plana, posterior-wall interruption) are flags that call for an
experienced operator and CT guidance; they are not exclusions (seed 003). Cord compression or
myelopathy is an absolute contraindication: that patient belongs on the surgical/RT pathway.
"""

from __future__ import annotations

from collections.abc import Mapping

from .codes import LesionPattern, Urgency
from .facts import CaseFacts, Finding, LesionFacts
from .thresholds import DEFAULTS

_BILSKY_LEVEL = {"0": 0, "1a": 1, "1b": 1, "1c": 1, "2": 2, "3": 3}


def bilsky_level(grade: str) -> int | None:
    """Numeric Bilsky level (1a-1c → 1); None when not recorded."""
    return _BILSKY_LEVEL.get(grade)


def cord_compression(lesion: LesionFacts) -> bool:
    """Cord compression or myelopathy: a neurological deficit or Bilsky 2-3 (cord deformed)."""
    level = bilsky_level(lesion.bilsky_grade)
    return lesion.neurological_deficit or (level is not None and level >= 2)


_ABSOLUTE_TEXT = {
    "active_infection": "local or systemic infection",
    "uncorrectable_coagulopathy": "uncorrectable coagulopathy",
    "pmma_allergy": "PMMA allergy",
    "asymptomatic": "asymptomatic lesion",
    "cord_compression": "cord compression or myelopathy (surgical/RT pathway)",
}
_RELATIVE_TEXT = {
    "epidural_extension": "epidural extension without neurology",
    "posterior_wall": "posterior-wall involvement",
    "radicular_pain": "radicular pain",
    "vertebra_plana": "vertebra plana",
    "blastic": "purely blastic lesion",
}


def vertebroplasty_assess(lesion: LesionFacts, case: CaseFacts) -> Finding:
    """Vertebroplasty contraindications and high-risk features (rule 2.6.vertebroplasty).

    ``result`` is {"allowed": bool, "absolute": [...], "relative": [...], "high_risk": [...],
    "pathway": "surgery_or_rt" | ""}. ``allowed`` is False only for an absolute contraindication.
    """
    absolute: list[str] = []
    if case.active_infection:
        absolute.append("active_infection")
    if case.uncorrectable_coagulopathy:
        absolute.append("uncorrectable_coagulopathy")
    if case.pmma_allergy:
        absolute.append("pmma_allergy")
    if not lesion.painful and not lesion.pathological_fracture:
        absolute.append("asymptomatic")
    compression = cord_compression(lesion)
    if compression:
        absolute.append("cord_compression")
    relative: list[str] = []
    if lesion.epidural_extension and not lesion.neurological_deficit:
        relative.append("epidural_extension")
    if lesion.posterior_wall_involved:
        relative.append("posterior_wall")
    if lesion.radicular_pain:
        relative.append("radicular_pain")
    if lesion.vertebra_plana:
        relative.append("vertebra_plana")
    if lesion.pattern == LesionPattern.BLASTIC:
        relative.append("blastic")
    high_risk = [
        flag for flag, present in (
            ("vertebra_plana", lesion.vertebra_plana),
            ("posterior_wall", lesion.posterior_wall_involved),
        ) if present
    ]
    parts: list[str] = []
    if absolute:
        parts.append("Vertebroplasty contraindicated: " + ", ".join(
            _ABSOLUTE_TEXT[a] for a in absolute) + ".")
        if compression:
            parts.append("Refer to the surgical / radiotherapy pathway.")
    else:
        parts.append("No absolute contraindication to vertebroplasty.")
    if relative:
        parts.append("Relative contraindications: " + ", ".join(
            _RELATIVE_TEXT[r] for r in relative) + ".")
    if high_risk:
        parts.append("High risk of cement leakage: needs an experienced operator, CT guidance, "
                     "a longer slot and MDT confirmation (not an exclusion).")
    return Finding(
        rule_id="2.6.vertebroplasty", title="Vertebroplasty safety",
        result={"allowed": not absolute, "absolute": absolute, "relative": relative,
                "high_risk": high_risk, "pathway": "surgery_or_rt" if compression else ""},
        rationale=" ".join(parts),
        source="Seed 003; CIRSE 2017 (Tsoumakidou CVIR 40:331); clinical-rules.md §2.6",
        evidence="[seed]" if high_risk and not absolute else "[I]",
    )


def mscc_triggers(case: CaseFacts, thresholds: Mapping[str, float] = DEFAULTS) -> list[str]:
    """Why the MSCC emergency pathway applies: 'urgency_emergency', 'neurological_deficit',
    'high_grade_epidural' (epidural extension with Bilsky ≥ mscc_bilsky_min)."""
    triggers: list[str] = []
    if case.urgency == Urgency.EMERGENCY:
        triggers.append("urgency_emergency")
    if any(lesion.neurological_deficit for lesion in case.lesions):
        triggers.append("neurological_deficit")
    minimum = thresholds["mscc_bilsky_min"]
    for lesion in case.lesions:
        level = bilsky_level(lesion.bilsky_grade)
        if lesion.epidural_extension and level is not None and level >= minimum:
            triggers.append("high_grade_epidural")
            break
    return triggers


def mscc_assess(case: CaseFacts, thresholds: Mapping[str, float] = DEFAULTS) -> Finding:
    """MSCC emergency pathway flag (rule R9-R12).

    ``result`` is {"emergency": bool, "triggers": [...], "actions": [...]}. The case must not
    wait for the weekly MDT when the flag is set.
    """
    triggers = mscc_triggers(case, thresholds)
    if not triggers:
        return Finding(
            rule_id="R9-R12", title="MSCC emergency pathway",
            result={"emergency": False, "triggers": [], "actions": []},
            rationale="No sign of metastatic spinal cord compression (no neurological deficit, "
            "no high-grade epidural compression, not flagged as an emergency).",
            source="NICE NG234; QS56 (clinical-rules.md R9-R12)", evidence="[G]",
        )
    mri = int(thresholds["mscc_mri_hours"])
    rt = int(thresholds["mscc_rt_hours"])
    advice = int(thresholds["mscc_expert_advice_hours"])
    actions = [
        f"Whole-spine MRI within {mri} h of suspicion (R9).",
        f"If not for surgery, start radiotherapy within {rt} h of the decision to treat (R10).",
        f"Contact the MSCC coordinator now; expert advice within {advice} h (R12).",
    ]
    reasons = {
        "urgency_emergency": "referred as an emergency",
        "neurological_deficit": "neurological deficit",
        "high_grade_epidural": (
            f"epidural extension with Bilsky grade ≥ {int(thresholds['mscc_bilsky_min'])}"
        ),
    }
    return Finding(
        rule_id="R9-R12", title="MSCC emergency pathway",
        result={"emergency": True, "triggers": triggers, "actions": actions},
        rationale="Suspected metastatic spinal cord compression ("
        + ", ".join(reasons[t] for t in triggers) + "): " + " ".join(actions)
        + " Do not wait for the weekly MDT.",
        source="NICE NG234; QS56 statement 6; BMJ 2023;383:p1973", evidence="[G]",
    )
