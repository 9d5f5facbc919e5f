"""Vertebroplasty safety (DS-VERTEBROPLASTY) and the MSCC emergency pathway (DS-MSCC).

High-risk features (vertebra plana, posterior-wall interruption) are flags that call for an
experienced operator and CT guidance; they are not exclusions. Cord compression or myelopathy is
an absolute contraindication (Tsoumakidou G et al. CVIR 2017, CIRSE): that patient belongs on the
surgical/RT pathway. The MSCC pathway follows NICE NG234 (2023) and QS56; its timing rules keep
their ids R9, R10 and R12. See docs/clinical-rules.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from .codes import LesionPattern, Urgency
from .facts import CaseFacts, Finding, LesionFacts
from .rulebook import finding
from .texts import Message, msg, render
from .thresholds import DEFAULTS

_BILSKY_LEVEL = {"0": 0, "1a": 1, "1b": 1, "1c": 1, "2": 2, "3": 3}


def bilsky_level(grade: str) -> int | None:
    """Numeric Bilsky level (1a-1c → 1); None when not recorded."""
    return _BILSKY_LEVEL.get(grade)


def cord_compression(lesion: LesionFacts) -> bool:
    """Cord compression or myelopathy: a neurological deficit or Bilsky 2-3 (cord deformed)."""
    level = bilsky_level(lesion.bilsky_grade)
    return lesion.neurological_deficit or (level is not None and level >= 2)


def in_spinal_canal(lesion: LesionFacts) -> bool:
    """The tumour reaches into the spinal canal: epidural extension or any Bilsky grade from 1a.

    Such a lesion lies against the thecal sac whatever distance was recorded, so every
    proximity rule treats it as 0 mm from a neural structure.
    """
    level = bilsky_level(lesion.bilsky_grade)
    return lesion.is_spine and (lesion.epidural_extension or (level is not None and level >= 1))


_ABSOLUTE = ("active_infection", "uncorrectable_coagulopathy", "pmma_allergy", "asymptomatic",
             "cord_compression")


def vertebroplasty_assess(lesion: LesionFacts, case: CaseFacts) -> Finding:
    """Vertebroplasty contraindications and high-risk features (rule DS-VERTEBROPLASTY).

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
    parts: list[Message] = []
    if absolute:
        parts.append(msg("vp.contraindicated", reasons=[msg(f"vp.abs.{a}") for a in absolute]))
        if compression:
            parts.append(msg("vp.refer"))
    else:
        parts.append(msg("vp.no_absolute"))
    if relative:
        parts.append(msg("vp.relative", reasons=[msg(f"vp.rel.{r}") for r in relative]))
    if high_risk:
        parts.append(msg("vp.high_risk"))
    return finding(
        "DS-VERTEBROPLASTY",
        {"allowed": not absolute, "absolute": absolute, "relative": relative,
         "high_risk": high_risk, "pathway": "surgery_or_rt" if compression else ""},
        parts,
    )


def high_grade_compression(lesion: LesionFacts,
                           thresholds: Mapping[str, float] = DEFAULTS) -> bool:
    """Bilsky grade at or above ``mscc_bilsky_min`` (2 by default: the cord is deformed)."""
    level = bilsky_level(lesion.bilsky_grade)
    return level is not None and level >= thresholds["mscc_bilsky_min"]


def mscc_triggers(case: CaseFacts, thresholds: Mapping[str, float] = DEFAULTS) -> list[str]:
    """Why the MSCC emergency pathway applies: 'urgency_emergency', 'neurological_deficit',
    'high_grade_epidural' (epidural extension with Bilsky ≥ mscc_bilsky_min)."""
    triggers: list[str] = []
    if case.urgency == Urgency.EMERGENCY:
        triggers.append("urgency_emergency")
    if any(lesion.neurological_deficit for lesion in case.lesions):
        triggers.append("neurological_deficit")
    if any(lesion.epidural_extension and high_grade_compression(lesion, thresholds)
           for lesion in case.lesions):
        triggers.append("high_grade_epidural")
    return triggers


def mscc_actions(thresholds: Mapping[str, float] = DEFAULTS) -> list[Message]:
    """The R9, R10 and R12 actions of the MSCC pathway, with the site's hours."""
    return [
        msg("mscc.action.mri", hours=int(thresholds["mscc_mri_hours"])),
        msg("mscc.action.rt", hours=int(thresholds["mscc_rt_hours"])),
        msg("mscc.action.advice", hours=int(thresholds["mscc_expert_advice_hours"])),
    ]


def mscc_assess(case: CaseFacts, thresholds: Mapping[str, float] = DEFAULTS) -> Finding:
    """MSCC emergency pathway flag (rule DS-MSCC; timing rules R9, R10, R12).

    ``result`` is {"emergency": bool, "triggers": [...], "actions": [...]} (actions in English,
    for machines; the rationale carries them translated). The case must not wait for the weekly
    MDT when the flag is set.
    """
    triggers = mscc_triggers(case, thresholds)
    if not triggers:
        return finding("DS-MSCC", {"emergency": False, "triggers": [], "actions": []},
                       [msg("mscc.none")])
    actions = mscc_actions(thresholds)
    reasons = [
        msg("mscc.reason.high_grade_epidural", grade=int(thresholds["mscc_bilsky_min"]))
        if t == "high_grade_epidural" else msg(f"mscc.reason.{t}")
        for t in triggers
    ]
    parts = [msg("mscc.suspected", reasons=reasons), *actions, msg("mscc.no_wait")]
    return finding("DS-MSCC", {"emergency": True, "triggers": triggers,
                               "actions": [render(action) for action in actions]}, parts)
