"""The Cazzato et al. 2019 flowchart (rules DS-EXTENT, DS-CAZZATO-*): one case per branch."""

from __future__ import annotations

import pytest

from cases.domain.cazzato import cazzato_assess, disease_extent
from cases.domain.facts import CaseFacts, LesionFacts
from cases.domain.thresholds import effective_thresholds


def run(lesion: LesionFacts, **case_kw):
    base = {"primary_histology": "breast", "metastases_count": 2, "pain_vas": 7}
    base.update(case_kw)
    case = CaseFacts(lesions=(lesion,), **base)
    finding, suggestions = cazzato_assess(lesion, case)
    return finding, {(s.procedure_type, s.intent, s.embolization_purpose) for s in suggestions}


FAR = {"distance_neural_mm": 25, "distance_vascular_mm": 30}
RIB = {"site": "rib", "pattern": "blastic", **FAR}


@pytest.mark.parametrize(
    ("count", "oligo", "intent"),
    [(1, True, "curative"), (5, True, "curative"), (6, False, "palliative"),
     (40, False, "palliative")],
)
def test_oligometastatic_up_to_five_lesions_means_curative_intent(count, oligo, intent):
    finding = disease_extent(CaseFacts(metastases_count=count))
    assert finding.result == {"oligometastatic": oligo, "intent": intent}
    assert finding.rule_id == "DS-EXTENT"


def test_oligo_max_is_configurable():
    site = effective_thresholds({"oligo_max": 3})
    assert disease_extent(CaseFacts(metastases_count=4), site).result["oligometastatic"] is False


@pytest.mark.parametrize(
    ("lesion", "leaf", "expected"),
    [
        # small (≤ 30 mm) and not near (> 10 mm) → RFA
        (LesionFacts(max_diameter_mm=30, **RIB), "small", {("rfa", "curative", "")}),
        # big, not near → MWA or cryoablation
        (LesionFacts(max_diameter_mm=31, **RIB), "big",
         {("mwa", "curative", ""), ("cryoablation", "curative", "")}),
        # near a neural structure (≤ 10 mm), any size → ECT or cryoablation
        (LesionFacts(site="rib", pattern="blastic", max_diameter_mm=15, distance_neural_mm=10),
         "near_structures", {("ect", "curative", ""), ("cryoablation", "curative", "")}),
        # near a vascular structure, big
        (LesionFacts(site="rib", pattern="blastic", max_diameter_mm=60, distance_vascular_mm=3),
         "near_structures", {("ect", "curative", ""), ("cryoablation", "curative", "")}),
    ],
)
def test_curative_branch(lesion, leaf, expected):
    finding, procedures = run(lesion)
    assert finding.result["intent"] == "curative"
    assert finding.result["branch"] == "oligometastatic"
    assert leaf in finding.result["leaves"]
    assert expected <= procedures
    # radiotherapy is always offered as a combinable option
    assert ("radiotherapy", "curative", "") in procedures
    assert "embolization" not in {p for p, _, _ in procedures}


def test_curative_branch_adds_a_pre_ablation_embolization_for_a_hypervascular_lesion():
    _, procedures = run(LesionFacts(max_diameter_mm=20, vascularity="hyper", **RIB))
    assert ("embolization", "curative", "pre_ablation") in procedures


def test_curative_branch_warns_when_distance_is_unknown():
    finding, procedures = run(LesionFacts(site="rib", pattern="blastic", max_diameter_mm=20))
    assert ("rfa", "curative", "") in procedures
    assert "not recorded" in finding.rationale


PLURI = {"metastases_count": 12}


def test_palliative_consolidation_leaf_offers_osteoplasty_or_osteosynthesis():
    lesion = LesionFacts(site="pelvis", pattern="lytic", **FAR)
    finding, procedures = run(lesion, **PLURI)
    assert finding.result["leaves"] == ["consolidation"]
    assert {("vertebroplasty", "palliative", ""), ("osteosynthesis", "palliative", ""),
            ("radiotherapy", "palliative", "")} == procedures


def test_palliative_pain_without_consolidation_offers_thermal_ablation_or_ect():
    finding, procedures = run(LesionFacts(**RIB), **PLURI)
    assert finding.result["leaves"] == ["pain"]
    assert {p for p, _, _ in procedures} == {"rfa", "mwa", "cryoablation", "ect", "radiotherapy"}


def test_palliative_pain_is_not_offered_ablation_when_consolidation_is_needed():
    lesion = LesionFacts(site="pelvis", pattern="lytic", **FAR)
    _, procedures = run(lesion, **PLURI)
    assert not {"rfa", "mwa", "ect"} & {p for p, _, _ in procedures}


def test_palliative_low_pain_gets_radiotherapy_only():
    finding, procedures = run(LesionFacts(**RIB), pain_vas=2, **PLURI)
    assert finding.result["leaves"] == []
    assert procedures == {("radiotherapy", "palliative", "")}
    assert "none beyond radiotherapy" in finding.rationale


@pytest.mark.parametrize(
    "extra",
    [{"epidural_extension": True, "bilsky_grade": "1a"}, {"soft_tissue_extension": True},
     {"vascularity": "hyper"}],
)
def test_palliative_size_reduction_offers_embolization(extra):
    finding, procedures = run(LesionFacts(**RIB, **extra), pain_vas=0, **PLURI)
    assert finding.result["leaves"] == ["size_reduction"]
    assert ("embolization", "palliative", "palliative") in procedures
    assert ("radiotherapy", "palliative", "") in procedures


def test_needs_combine_in_the_palliative_branch():
    lesion = LesionFacts(site="pelvis", pattern="lytic", soft_tissue_extension=True, **FAR)
    finding, procedures = run(lesion, primary_histology="renal_cell", **PLURI)
    assert finding.result["leaves"] == ["consolidation", "size_reduction"]
    assert {"vertebroplasty", "osteosynthesis", "embolization", "radiotherapy"} == {
        p for p, _, _ in procedures}


def test_adamkiewicz_removes_embolization_from_the_suggestions():
    lesion = LesionFacts(**RIB, vascularity="hyper", adamkiewicz_in_field=True)
    finding, procedures = run(lesion, **PLURI)
    assert "embolization" not in {p for p, _, _ in procedures}
    assert "Adamkiewicz" in finding.rationale


def test_cord_compression_goes_to_the_mscc_pathway_without_vertebroplasty():
    lesion = LesionFacts(site="vertebra", vertebral_level="T8", pattern="lytic",
                         pathological_fracture=True, epidural_extension=True, bilsky_grade="3",
                         **FAR)
    finding, procedures = run(lesion, **PLURI)
    kinds = {p for p, _, _ in procedures}
    assert "cord_compression" in finding.result["leaves"]
    assert {"mri_whole_spine", "surgery", "osteosynthesis", "radiotherapy"} <= kinds
    assert "vertebroplasty" not in kinds
    assert "contraindication" in finding.rationale


def test_every_suggestion_carries_rule_rationale_and_source():
    lesion = LesionFacts(site="vertebra", vertebral_level="T8", neurological_deficit=True)
    case = CaseFacts(metastases_count=9, pain_vas=8, lesions=(lesion,))
    _, suggestions = cazzato_assess(lesion, case)
    for suggestion in suggestions:
        assert suggestion.rule_id.startswith("DS-")
        assert suggestion.key
        assert suggestion.rationale
        assert suggestion.source
        assert suggestion.evidence
