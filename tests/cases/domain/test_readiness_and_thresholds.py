"""case_readiness requirements and the thresholds registry."""

from __future__ import annotations

import pytest

from cases.domain.facts import CaseFacts, LesionFacts
from cases.domain.readiness import case_readiness
from cases.domain.support import case_support, support_as_dict
from cases.domain.thresholds import DEFAULTS, PARAMETERS, effective_thresholds

COMPLETE_SPINE = LesionFacts(
    site="vertebra", vertebral_level="L2", public_id="l1", sins_pain="mechanical",
    sins_alignment="normal", sins_collapse="none", sins_posterolateral="none",
)


def codes(case: CaseFacts) -> list[str]:
    return [r.code for r in case_readiness(case)]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (CaseFacts(lesions=(COMPLETE_SPINE,)), []),
        (CaseFacts(imaging_available=False, lesions=(COMPLETE_SPINE,)),
         ["imaging_not_available"]),
        (CaseFacts(), ["no_lesions"]),
        (CaseFacts(lesions=(LesionFacts(site="vertebra", vertebral_level="L2"),)),
         ["sins_incomplete"]),
        (CaseFacts(lesions=(LesionFacts(site="long_bone_upper"),)), ["mirels_incomplete"]),
        (CaseFacts(urgency="emergency", lesions=(COMPLETE_SPINE,)), ["urgency_reason_missing"]),
        (CaseFacts(urgency="emergency", urgency_reason="new leg weakness",
                   lesions=(COMPLETE_SPINE,)), []),
        (CaseFacts(lesions=(LesionFacts(site="rib", epidural_extension=True),)),
         ["bilsky_missing"]),
        (CaseFacts(lesions=(LesionFacts(site="rib", vascularity="hyper"),)),
         ["vascularity_method_missing"]),
    ],
)
def test_readiness_lists_unresolved_requirements(case, expected):
    assert codes(case) == expected


def test_readiness_messages_name_the_lesion_and_the_missing_components():
    lesion = LesionFacts(site="vertebra", vertebral_level="T4", public_id="abc")
    [requirement] = case_readiness(CaseFacts(lesions=(lesion,)))
    assert requirement.lesion == "abc"
    assert "Lesion 1 (T4 vertebra" in requirement.message
    assert "sins_pain" in requirement.message
    assert requirement.as_dict()["code"] == "sins_incomplete"


def test_every_parameter_has_a_default_inside_its_range_and_a_source():
    for parameter in PARAMETERS.values():
        assert parameter.min <= parameter.default <= parameter.max
        assert parameter.rule_id
        assert parameter.rationale
        assert parameter.source
        assert parameter.unit


def test_defaults_follow_clinical_rules():
    assert DEFAULTS["oligo_max"] == 5
    assert DEFAULTS["small_lesion_mm"] == 30
    assert DEFAULTS["near_structure_mm"] == 10
    assert DEFAULTS["sins_potentially_unstable_min"] == 7
    assert DEFAULTS["sins_unstable_min"] == 13
    assert DEFAULTS["mirels_fixation_min"] == 8
    assert DEFAULTS["mscc_mri_hours"] == 24


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [({"oligo_max": 3}, 3), ({"oligo_max": 11}, 5), ({"oligo_max": 2.5}, 5),
     ({"unknown": 1}, 5)],
)
def test_effective_thresholds_ignore_invalid_overrides(overrides, expected):
    assert effective_thresholds(overrides)["oligo_max"] == expected


def test_validate_names_the_key_and_the_range():
    assert PARAMETERS["oligo_max"].validate(12) == "oligo_max must be between 1 and 10 metastases."
    assert PARAMETERS["oligo_max"].validate(4) is None


def test_case_support_renders_the_contract_shape():
    case = CaseFacts(primary_histology="renal_cell", metastases_count=9, pain_vas=6,
                     urgency="emergency", lesions=(COMPLETE_SPINE,))
    data = support_as_dict(case_support(case))
    assert data["emergency"] is True
    assert {f["rule_id"] for f in data["case"]} == {"DS-EXTENT", "DS-MSCC"}
    [lesion] = data["lesions"]
    assert lesion["lesion"] == "l1"
    assert lesion["label"] == "L2 vertebra, 20 mm"
    rules = [f["rule_id"] for f in lesion["findings"]]
    assert rules == ["DS-SINS", "DS-CONSOLIDATION", "DS-HYPERVASCULAR",
                     "DS-EMBOLIZATION", "DS-VERTEBROPLASTY", "DS-CAZZATO"]
    for finding in lesion["findings"]:
        assert set(finding) == {"rule_id", "title", "result", "rationale", "source", "evidence",
                                "rationale_i18n"}
    for suggestion in lesion["suggestions"]:
        assert {"procedure_type", "intent", "embolization_purpose", "rule_id", "rationale",
                "source", "key", "purpose", "prepares", "rationale_i18n"} <= set(suggestion)
