"""Vertebroplasty safety (DS-VERTEBROPLASTY) and the MSCC emergency flag (DS-MSCC)."""

from __future__ import annotations

import pytest

from cases.domain.facts import CaseFacts, LesionFacts
from cases.domain.spine import mscc_assess, vertebroplasty_assess

L = LesionFacts(site="vertebra", vertebral_level="L3", pattern="lytic")


@pytest.mark.parametrize(
    ("lesion", "case", "allowed", "absolute", "relative", "high_risk"),
    [
        (L, CaseFacts(), True, [], [], []),
        (LesionFacts(site="vertebra", vertebral_level="L3", vertebra_plana=True),
         CaseFacts(), True, [], ["vertebra_plana"], ["vertebra_plana"]),
        (LesionFacts(site="vertebra", vertebral_level="L3", posterior_wall_involved=True),
         CaseFacts(), True, [], ["posterior_wall"], ["posterior_wall"]),
        (LesionFacts(site="vertebra", vertebral_level="L3", epidural_extension=True,
                     bilsky_grade="1a"), CaseFacts(), True, [], ["epidural_extension"], []),
        (LesionFacts(site="vertebra", vertebral_level="L3", pattern="blastic",
                     radicular_pain=True), CaseFacts(), True, [], ["radicular_pain", "blastic"],
         []),
        (L, CaseFacts(active_infection=True, pmma_allergy=True), False,
         ["active_infection", "pmma_allergy"], [], []),
        (L, CaseFacts(uncorrectable_coagulopathy=True), False, ["uncorrectable_coagulopathy"],
         [], []),
        (LesionFacts(site="vertebra", vertebral_level="L3", painful=False), CaseFacts(), False,
         ["asymptomatic"], [], []),
        (LesionFacts(site="vertebra", vertebral_level="L3", neurological_deficit=True),
         CaseFacts(), False, ["cord_compression"], [], []),
        (LesionFacts(site="vertebra", vertebral_level="L3", epidural_extension=True,
                     bilsky_grade="2"), CaseFacts(), False, ["cord_compression"],
         ["epidural_extension"], []),
    ],
)
def test_vertebroplasty_contraindications_and_flags(lesion, case, allowed, absolute, relative,
                                                    high_risk):
    finding = vertebroplasty_assess(lesion, case)
    assert finding.rule_id == "DS-VERTEBROPLASTY"
    assert finding.result["allowed"] is allowed
    assert finding.result["absolute"] == absolute
    assert finding.result["relative"] == relative
    assert finding.result["high_risk"] == high_risk


def test_high_risk_features_are_flags_not_exclusions():
    lesion = LesionFacts(site="vertebra", vertebral_level="T9", vertebra_plana=True,
                         posterior_wall_involved=True)
    finding = vertebroplasty_assess(lesion, CaseFacts())
    assert finding.result["allowed"] is True
    assert "experienced operator" in finding.rationale
    assert "CT guidance" in finding.rationale


def test_cord_compression_points_to_the_surgical_or_rt_pathway():
    lesion = LesionFacts(site="vertebra", vertebral_level="T9", neurological_deficit=True)
    finding = vertebroplasty_assess(lesion, CaseFacts())
    assert finding.result["pathway"] == "surgery_or_rt"
    assert "radiotherapy pathway" in finding.rationale


@pytest.mark.parametrize(
    ("case", "emergency", "triggers"),
    [
        (CaseFacts(lesions=(L,)), False, []),
        (CaseFacts(urgency="emergency", lesions=(L,)), True, ["urgency_emergency"]),
        (CaseFacts(lesions=(LesionFacts(neurological_deficit=True),)), True,
         ["neurological_deficit"]),
        (CaseFacts(lesions=(LesionFacts(epidural_extension=True, bilsky_grade="2"),)), True,
         ["high_grade_epidural"]),
        (CaseFacts(lesions=(LesionFacts(epidural_extension=True, bilsky_grade="3"),)), True,
         ["high_grade_epidural"]),
        # Bilsky 1c is not high grade
        (CaseFacts(lesions=(LesionFacts(epidural_extension=True, bilsky_grade="1c"),)), False,
         []),
        # a Bilsky grade without epidural extension does not trigger
        (CaseFacts(lesions=(LesionFacts(bilsky_grade="2"),)), False, []),
        (CaseFacts(urgency="urgent", lesions=(L,)), False, []),
    ],
)
def test_mscc_emergency_flag(case, emergency, triggers):
    finding = mscc_assess(case)
    assert finding.rule_id == "DS-MSCC"
    assert finding.result["emergency"] is emergency
    assert finding.result["triggers"] == triggers


def test_mscc_actions_name_the_24_hour_targets():
    finding = mscc_assess(CaseFacts(urgency="emergency"))
    actions = " ".join(finding.result["actions"])
    assert "MRI within 24 h" in actions
    assert "(R9)" in actions
    assert "radiotherapy within 24 h" in actions
    assert "(R10)" in actions
    assert "MSCC coordinator" in actions
    assert "(R12)" in actions
    assert finding.evidence == "[G]"
