"""SINS, Mirels and need-for-consolidation (rules DS-SINS, DS-MIRELS, DS-CONSOLIDATION)."""

from __future__ import annotations

import pytest

from cases.domain.facts import LesionFacts
from cases.domain.scores import (
    consolidation_assess,
    mirels_assess,
    sins_assess,
    sins_category,
    sins_location_for_level,
)
from cases.domain.thresholds import effective_thresholds


def spine(**kw) -> LesionFacts:
    base = {"site": "vertebra", "vertebral_level": "T6", "pattern": "blastic",
            "sins_location": "", "sins_pain": "pain_free", "sins_alignment": "normal",
            "sins_collapse": "none", "sins_posterolateral": "none"}
    base.update(kw)
    return LesionFacts(**base)


def femur(**kw) -> LesionFacts:
    base = {"site": "long_bone_lower", "pattern": "blastic", "mirels_site": "upper_limb",
            "mirels_pain": "mild", "mirels_size": "under_third"}
    base.update(kw)
    return LesionFacts(**base)


@pytest.mark.parametrize(
    ("level", "expected"),
    [("C1", "junctional"), ("C2", "junctional"), ("C4", "mobile"), ("C7", "junctional"),
     ("T2", "junctional"), ("T3", "semi_rigid"), ("T10", "semi_rigid"), ("T11", "junctional"),
     ("L1", "junctional"), ("L3", "mobile"), ("L5", "junctional"), ("S1", "junctional"),
     ("S3", "rigid"), ("", "")],
)
def test_sins_location_follows_the_vertebral_level(level, expected):
    assert sins_location_for_level(level) == expected


@pytest.mark.parametrize(
    ("lesion", "score", "category"),
    [
        # T6 semi-rigid 1 + pain-free 0 + blastic 0 + normal 0 + none 0 + none 0
        (spine(), 1, "stable"),
        # boundary: 6 is still stable
        (spine(pattern="mixed", sins_pain="mechanical", sins_collapse="none_over_50_involved"),
         1 + 3 + 1 + 1, "stable"),
        # 7 is potentially unstable
        (spine(pattern="lytic", sins_pain="mechanical", sins_collapse="under_50"),
         1 + 3 + 2 + 2, "potentially_unstable"),
        # 12 is the top of potentially unstable
        (spine(vertebral_level="L1", pattern="lytic", sins_pain="mechanical",
               sins_collapse="over_50", sins_posterolateral="unilateral"),
         3 + 3 + 2 + 3 + 1, "potentially_unstable"),
        # 13 is unstable
        (spine(vertebral_level="L1", pattern="lytic", sins_pain="mechanical",
               sins_collapse="over_50", sins_posterolateral="unilateral",
               sins_alignment="de_novo_deformity"),
         3 + 3 + 2 + 2 + 3 + 1, "unstable"),
        # 18 is the maximum
        (spine(sins_location="junctional", pattern="lytic", sins_pain="mechanical",
               sins_alignment="subluxation", sins_collapse="over_50",
               sins_posterolateral="bilateral"), 18, "unstable"),
        # an explicit location wins over the level
        (spine(sins_location="rigid"), 0, "stable"),
    ],
)
def test_sins_score_and_band(lesion, score, category):
    finding = sins_assess(lesion)
    assert finding.rule_id == "DS-SINS"
    assert finding.result["score"] == score
    assert finding.result["category"] == category
    assert f"SINS {score}" in finding.rationale
    assert "Fisher" in finding.source


def test_sins_is_incomplete_without_every_component():
    finding = sins_assess(spine(vertebral_level="", sins_pain="", sins_collapse=""))
    assert finding.result == {"score": None, "category": "incomplete",
                              "missing": ["sins_location", "sins_pain", "sins_collapse"]}
    assert "sins_pain" in finding.rationale


def test_sins_bands_follow_site_thresholds():
    site = effective_thresholds({"sins_potentially_unstable_min": 6})
    assert sins_category(6) == "stable"
    assert sins_category(6, site) == "potentially_unstable"


@pytest.mark.parametrize(
    ("lesion", "score", "category", "fixation"),
    [
        (femur(), 4, "low_risk", False),
        (femur(pattern="lytic", mirels_pain="moderate", mirels_size="third_to_two_thirds"),
         1 + 2 + 3 + 2, "borderline", True),
        (femur(mirels_site="lower_limb", pattern="mixed", mirels_pain="moderate",
               mirels_size="under_third"), 2 + 2 + 2 + 1, "low_risk", False),
        (femur(mirels_site="peritrochanteric", pattern="lytic", mirels_pain="functional",
               mirels_size="over_two_thirds"), 12, "high_risk", True),
        (femur(mirels_site="lower_limb", pattern="lytic", mirels_pain="moderate",
               mirels_size="third_to_two_thirds"), 9, "high_risk", True),
    ],
)
def test_mirels_score_and_band(lesion, score, category, fixation):
    finding = mirels_assess(lesion)
    assert finding.rule_id == "DS-MIRELS"
    assert finding.result["score"] == score
    assert finding.result["category"] == category
    assert finding.result["prophylactic_fixation"] is fixation


def test_mirels_is_incomplete_without_components():
    finding = mirels_assess(femur(mirels_size=""))
    assert finding.result["category"] == "incomplete"
    assert finding.result["missing"] == ["mirels_size"]


@pytest.mark.parametrize(
    ("lesion", "needed", "reasons"),
    [
        (spine(), False, []),
        (spine(pattern="lytic", sins_pain="mechanical", sins_collapse="under_50"), True,
         ["sins"]),
        (femur(pattern="lytic", mirels_pain="moderate", mirels_size="third_to_two_thirds"),
         True, ["mirels", "lytic_weight_bearing"]),
        (femur(site="long_bone_upper", pattern="lytic", mirels_pain="moderate",
               mirels_size="third_to_two_thirds"), True, ["mirels"]),
        (LesionFacts(site="pelvis", pattern="lytic"), True, ["lytic_weight_bearing"]),
        (LesionFacts(site="rib", pattern="lytic", weight_bearing=True), True,
         ["lytic_weight_bearing"]),
        (LesionFacts(site="rib", pattern="lytic"), False, []),
        (LesionFacts(site="skull", pattern="blastic", pathological_fracture=True), True,
         ["pathological_fracture"]),
        # an incomplete SINS does not count either way
        (spine(pattern="lytic", sins_pain=""), False, []),
    ],
)
def test_need_for_consolidation(lesion, needed, reasons):
    finding = consolidation_assess(lesion)
    assert finding.rule_id == "DS-CONSOLIDATION"
    assert finding.result == {"needed": needed, "reasons": reasons}
