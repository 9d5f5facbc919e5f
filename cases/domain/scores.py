"""Skeletal stability scores: SINS (spine), Mirels (long bones) and the need for consolidation.

Pure functions; each returns a Finding carrying its rule id (DS-SINS, DS-MIRELS,
DS-CONSOLIDATION), rationale and source from cases/domain/rulebook.py (docs/clinical-rules.md).
Thresholds come from cases/domain/thresholds.py.
"""

from __future__ import annotations

from collections.abc import Mapping

from .codes import (
    LesionPattern,
    MirelsPain,
    MirelsSite,
    MirelsSize,
    SinsAlignment,
    SinsCollapse,
    SinsLocation,
    SinsPain,
    SinsPosterolateral,
    SkeletalSite,
)
from .facts import Finding, LesionFacts
from .intake import MIRELS_FIELDS
from .rulebook import finding
from .texts import Message, joined, msg
from .thresholds import DEFAULTS

# Fisher 2010 point values.
_SINS_LOCATION = {
    SinsLocation.JUNCTIONAL: 3, SinsLocation.MOBILE: 2,
    SinsLocation.SEMI_RIGID: 1, SinsLocation.RIGID: 0,
}
_SINS_PAIN = {SinsPain.MECHANICAL: 3, SinsPain.OCCASIONAL: 1, SinsPain.PAIN_FREE: 0}
_SINS_BONE = {LesionPattern.LYTIC: 2, LesionPattern.MIXED: 1, LesionPattern.BLASTIC: 0}
_SINS_ALIGNMENT = {
    SinsAlignment.SUBLUXATION: 4, SinsAlignment.DE_NOVO_DEFORMITY: 2, SinsAlignment.NORMAL: 0,
}
_SINS_COLLAPSE = {
    SinsCollapse.OVER_50: 3, SinsCollapse.UNDER_50: 2,
    SinsCollapse.NONE_OVER_50_INVOLVED: 1, SinsCollapse.NONE: 0,
}
_SINS_POSTEROLATERAL = {
    SinsPosterolateral.BILATERAL: 3, SinsPosterolateral.UNILATERAL: 1, SinsPosterolateral.NONE: 0,
}

_MIRELS_SITE = {MirelsSite.UPPER_LIMB: 1, MirelsSite.LOWER_LIMB: 2, MirelsSite.PERITROCHANTERIC: 3}
_MIRELS_PAIN = {MirelsPain.MILD: 1, MirelsPain.MODERATE: 2, MirelsPain.FUNCTIONAL: 3}
_MIRELS_LESION = {LesionPattern.BLASTIC: 1, LesionPattern.MIXED: 2, LesionPattern.LYTIC: 3}
_MIRELS_SIZE = {
    MirelsSize.UNDER_THIRD: 1, MirelsSize.THIRD_TO_TWO_THIRDS: 2, MirelsSize.OVER_TWO_THIRDS: 3,
}

# Weight-bearing bones outside the spine (the spine is judged by SINS) [I].
WEIGHT_BEARING_SITES = frozenset(
    {SkeletalSite.PELVIS, SkeletalSite.SACRUM, SkeletalSite.LONG_BONE_LOWER}
)


def sins_location_for_level(level: str) -> str:
    """The SINS location category of a vertebral level ('' when the level is blank/unknown).

    Junctional: occiput-C2, C7-T2, T11-L1, L5-S1; mobile: C3-C6, L2-L4; semi-rigid: T3-T10;
    rigid: S2-S5 (Fisher 2010).
    """
    if len(level) < 2 or not level[1:].isdigit():
        return ""
    region, number = level[0], int(level[1:])
    if (region == "C" and number in (1, 2, 7)) or (region == "T" and number in (1, 2, 11, 12)):
        return SinsLocation.JUNCTIONAL
    if (region == "L" and number in (1, 5)) or (region == "S" and number == 1):
        return SinsLocation.JUNCTIONAL
    if (region == "C" and 3 <= number <= 6) or (region == "L" and 2 <= number <= 4):
        return SinsLocation.MOBILE
    if region == "T" and 3 <= number <= 10:
        return SinsLocation.SEMI_RIGID
    if region == "S":
        return SinsLocation.RIGID
    return ""


def sins_missing_components(lesion: LesionFacts) -> list[str]:
    """Names of the SINS components not recorded (location can come from the level)."""
    missing = []
    if not (lesion.sins_location or sins_location_for_level(lesion.vertebral_level)):
        missing.append("sins_location")
    for name in ("sins_pain", "sins_alignment", "sins_collapse", "sins_posterolateral"):
        if not getattr(lesion, name):
            missing.append(name)
    return missing


def sins_category(score: int, thresholds: Mapping[str, float] = DEFAULTS) -> str:
    """'stable' (0-6), 'potentially_unstable' (7-12) or 'unstable' (13-18) with defaults."""
    if score >= thresholds["sins_unstable_min"]:
        return "unstable"
    if score >= thresholds["sins_potentially_unstable_min"]:
        return "potentially_unstable"
    return "stable"


def sins_assess(lesion: LesionFacts, thresholds: Mapping[str, float] = DEFAULTS) -> Finding:
    """SINS score and category of a spine lesion (rule DS-SINS).

    ``result`` is {"score": int | None, "category": str, "missing": [component, ...]}; with a
    missing component the score is None and the category 'incomplete'.
    """
    missing = sins_missing_components(lesion)
    if missing:
        return finding("DS-SINS", {"score": None, "category": "incomplete", "missing": missing},
                       [msg("sins.incomplete", missing=missing)])
    location = lesion.sins_location or sins_location_for_level(lesion.vertebral_level)
    score = (
        _SINS_LOCATION[SinsLocation(location)]
        + _SINS_PAIN[SinsPain(lesion.sins_pain)]
        + _SINS_BONE[LesionPattern(lesion.pattern)]
        + _SINS_ALIGNMENT[SinsAlignment(lesion.sins_alignment)]
        + _SINS_COLLAPSE[SinsCollapse(lesion.sins_collapse)]
        + _SINS_POSTEROLATERAL[SinsPosterolateral(lesion.sins_posterolateral)]
    )
    category = sins_category(score, thresholds)
    low = int(thresholds["sins_potentially_unstable_min"])
    high = int(thresholds["sins_unstable_min"])
    message = {
        "stable": msg("sins.stable", score=score, low=low),
        "potentially_unstable": msg("sins.potentially_unstable", score=score, low=low,
                                    high=high - 1),
        "unstable": msg("sins.unstable", score=score, low=high),
    }[category]
    return finding("DS-SINS", {"score": score, "category": category, "missing": []},
                   [message])


def mirels_missing_components(lesion: LesionFacts) -> list[str]:
    return [n for n in MIRELS_FIELDS if not getattr(lesion, n)]


def mirels_category(score: int, thresholds: Mapping[str, float] = DEFAULTS) -> str:
    """'low_risk' (≤ 7), 'borderline' (8) or 'high_risk' (≥ 9) with the default threshold 8."""
    threshold = thresholds["mirels_fixation_min"]
    if score > threshold:
        return "high_risk"
    if score == threshold:
        return "borderline"
    return "low_risk"


def mirels_assess(lesion: LesionFacts, thresholds: Mapping[str, float] = DEFAULTS) -> Finding:
    """Mirels score of a long-bone lesion (rule DS-MIRELS).

    ``result`` is {"score", "category", "prophylactic_fixation": bool, "missing": [...]}.
    """
    missing = mirels_missing_components(lesion)
    if missing:
        return finding("DS-MIRELS", {"score": None, "category": "incomplete",
                                     "prophylactic_fixation": False, "missing": missing},
                       [msg("mirels.incomplete", missing=missing)])
    score = (
        _MIRELS_SITE[MirelsSite(lesion.mirels_site)]
        + _MIRELS_PAIN[MirelsPain(lesion.mirels_pain)]
        + _MIRELS_LESION[LesionPattern(lesion.pattern)]
        + _MIRELS_SIZE[MirelsSize(lesion.mirels_size)]
    )
    category = mirels_category(score, thresholds)
    threshold = int(thresholds["mirels_fixation_min"])
    return finding("DS-MIRELS", {"score": score, "category": category,
                                 "prophylactic_fixation": category != "low_risk", "missing": []},
                   [msg(f"mirels.{category}", score=score, threshold=threshold)])


def consolidation_assess(
    lesion: LesionFacts, thresholds: Mapping[str, float] = DEFAULTS
) -> Finding:
    """Need for consolidation (rule DS-CONSOLIDATION): SINS ≥ 7, Mirels ≥ 8, a lytic lesion
    in a weight-bearing bone, or an existing pathological fracture.

    ``result`` is {"needed": bool, "reasons": [code, ...]}. Reason codes: sins, mirels,
    lytic_weight_bearing, pathological_fracture.
    """
    reasons: list[str] = []
    texts: list[Message] = []
    if lesion.is_spine and not sins_missing_components(lesion):
        sins = sins_assess(lesion, thresholds).result["score"]
        if sins >= thresholds["sins_potentially_unstable_min"]:
            reasons.append("sins")
            texts.append(msg("reason.sins", score=sins,
                             min=int(thresholds["sins_potentially_unstable_min"])))
    if lesion.is_long_bone and not mirels_missing_components(lesion):
        mirels = mirels_assess(lesion, thresholds).result["score"]
        if mirels >= thresholds["mirels_fixation_min"]:
            reasons.append("mirels")
            texts.append(msg("reason.mirels", score=mirels,
                             min=int(thresholds["mirels_fixation_min"])))
    weight_bearing = lesion.weight_bearing or lesion.site in WEIGHT_BEARING_SITES
    if lesion.pattern == LesionPattern.LYTIC and weight_bearing:
        reasons.append("lytic_weight_bearing")
        texts.append(msg("reason.lytic_weight_bearing"))
    if lesion.pathological_fracture:
        reasons.append("pathological_fracture")
        texts.append(msg("reason.pathological_fracture"))
    needed = bool(reasons)
    message = msg("consolidation.needed", reasons=joined(texts, "; ")) if needed else msg("consolidation.none")
    return finding("DS-CONSOLIDATION", {"needed": needed, "reasons": reasons}, [message])
