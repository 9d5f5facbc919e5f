"""Hypervascular assessment (DS-HYPERVASCULAR) and embolization candidacy (DS-EMBOLIZATION)."""

from __future__ import annotations

import pytest

from cases.domain.facts import LesionFacts
from cases.domain.vascularity import embolization_assess, hypervascular_assess


@pytest.mark.parametrize(
    ("vascularity", "histology", "hyper", "basis", "advised"),
    [
        # path 1: imaging confirms, whatever the histology
        ("hyper", "prostate", True, "imaging", False),
        ("hyper", "renal_cell", True, "imaging", False),
        # path 2: imaging refutes, even a typically hypervascular histology
        ("hypo", "renal_cell", False, "imaging", False),
        ("hypo", "breast", False, "imaging", False),
        # path 3: not assessed, histology in HYPER_LIST
        ("not_assessed", "renal_cell", True, "histology", True),
        ("not_assessed", "thyroid_follicular", True, "histology", True),
        ("not_assessed", "neuroendocrine", True, "histology", True),
        # path 4: not assessed, histology not in the list
        ("not_assessed", "breast", False, "none", False),
        ("not_assessed", "prostate", False, "none", False),
        # variable histology outside the list: imaging advised
        ("not_assessed", "multiple_myeloma", False, "none", True),
    ],
)
def test_hypervascular_is_imaging_first_then_histology(vascularity, histology, hyper, basis,
                                                       advised):
    finding = hypervascular_assess(LesionFacts(vascularity=vascularity), histology)
    assert finding.rule_id == "DS-HYPERVASCULAR"
    assert finding.result == {"hypervascular": hyper, "basis": basis, "imaging_advised": advised}
    assert finding.rationale
    assert "Gong Y et al. Front Oncol 2021" in finding.source


def test_refuting_imaging_says_it_overrides_histology():
    finding = hypervascular_assess(LesionFacts(vascularity="hypo"), "renal_cell")
    assert "overrides" in finding.rationale


@pytest.mark.parametrize(
    ("lesion", "hyper", "feasible", "candidate", "preop", "indications"),
    [
        (LesionFacts(pattern="blastic"), False, True, False, False, []),
        (LesionFacts(pattern="blastic"), True, True, True, True, ["hypervascular"]),
        (LesionFacts(pattern="blastic", epidural_extension=True), False, True, True, False,
         ["canal_extension"]),
        (LesionFacts(pattern="blastic", soft_tissue_extension=True), False, True, True, False,
         ["soft_tissue_extension"]),
        # Adamkiewicz in the field: not feasible whatever the indication
        (LesionFacts(pattern="lytic", adamkiewicz_in_field=True), True, False, False, False,
         ["hypervascular"]),
    ],
)
def test_embolization_candidacy(lesion, hyper, feasible, candidate, preop, indications):
    finding = embolization_assess(lesion, hypervascular=hyper)
    assert finding.rule_id == "DS-EMBOLIZATION"
    assert finding.result["feasible"] is feasible
    assert finding.result["candidate"] is candidate
    assert finding.result["preop_recommended"] is preop
    assert finding.result["indications"] == indications


def test_adamkiewicz_means_not_feasible_and_rediscuss():
    finding = embolization_assess(LesionFacts(adamkiewicz_in_field=True), hypervascular=True)
    assert "Adamkiewicz" in finding.rationale
    assert "Re-discuss" in finding.rationale


def test_predictors_of_success_are_listed():
    lesion = LesionFacts(pattern="lytic", rapid_growth=True, pathological_fracture=True,
                         intense_enhancement=True)
    finding = embolization_assess(lesion, hypervascular=True)
    assert finding.result["predictors"] == [
        "lytic", "rapid_growth", "pathological_fracture", "intense_enhancement"]
    assert "TACE is not a default" in finding.rationale


def test_preop_embolization_is_not_recommended_for_a_non_hypervascular_lesion():
    finding = embolization_assess(LesionFacts(epidural_extension=True), hypervascular=False)
    assert finding.result["preop_recommended"] is False
    assert "not recommended" in finding.rationale
