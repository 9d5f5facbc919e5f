"""Surgical triggers, linked embolizations and safety exclusions (issue 11 items 1 and 4).

Table-driven, at and beyond each bound: SINS 6/7/12/13, Bilsky 1c/2/3, Mirels 8/9, hypervascular
by imaging / by histology / not, NEAR_MM 9/10/11 mm, neurological deficit yes/no. No database.
"""

from __future__ import annotations

from typing import Any

import pytest

from cases.domain.codes import PREPARED_BY_PURPOSE, PURPOSES_BY_PROCEDURE
from cases.domain.facts import CaseFacts, Finding, LesionFacts, Suggestion
from cases.domain.support import lesion_support
from cases.domain.thresholds import effective_thresholds

PLURI = {"primary_histology": "breast", "metastases_count": 12, "pain_vas": 7}
OLIGO = {"primary_histology": "breast", "metastases_count": 2, "pain_vas": 7}

# SINS components chosen to hit a total exactly (Fisher 2010 point values in the comments).
SINS = {
    # semi-rigid 1 + mechanical 3 + lytic 2 + normal 0 + no collapse 0 + none 0
    6: {"sins_location": "semi_rigid", "sins_pain": "mechanical", "sins_alignment": "normal",
        "sins_collapse": "none", "sins_posterolateral": "none"},
    # ... + no collapse with > 50 % of the body involved 1
    7: {"sins_location": "semi_rigid", "sins_pain": "mechanical", "sins_alignment": "normal",
        "sins_collapse": "none_over_50_involved", "sins_posterolateral": "none"},
    # the issue's lesion: semi-rigid 1 + mechanical 3 + lytic 2 + deformity 2 + < 50 % 2 + 1
    11: {"sins_location": "semi_rigid", "sins_pain": "mechanical", "sins_alignment":
         "de_novo_deformity", "sins_collapse": "under_50", "sins_posterolateral": "unilateral"},
    # junctional 3 + mechanical 3 + lytic 2 + deformity 2 + < 50 % 2 + none 0
    12: {"sins_location": "junctional", "sins_pain": "mechanical", "sins_alignment":
         "de_novo_deformity", "sins_collapse": "under_50", "sins_posterolateral": "none"},
    # ... + unilateral 1
    13: {"sins_location": "junctional", "sins_pain": "mechanical", "sins_alignment":
         "de_novo_deformity", "sins_collapse": "under_50", "sins_posterolateral": "unilateral"},
}
# A stable (SINS 4), painful thoracic lesion: the palliative pain branch, no consolidation.
STABLE = {"sins_location": "semi_rigid", "sins_pain": "occasional", "sins_alignment": "normal",
          "sins_collapse": "none", "sins_posterolateral": "none"}
FAR = {"distance_neural_mm": 25, "distance_vascular_mm": 30}


def spine(**fields: Any) -> LesionFacts:
    base: dict[str, Any] = {"site": "vertebra", "vertebral_level": "T8", "pattern": "lytic",
                            "max_diameter_mm": 25, "public_id": "l1", **FAR, **STABLE}
    base.update(fields)
    return LesionFacts(**base)


def assess(lesion: LesionFacts, thresholds: dict[str, float] | None = None,
           **case_fields: Any) -> tuple[dict[str, Finding], list[Suggestion]]:
    fields = {**PLURI, **case_fields}
    case = CaseFacts(lesions=(lesion,), **fields)
    result = lesion_support(lesion, case, thresholds or effective_thresholds())
    return {f.rule_id: f for f in result.findings}, list(result.suggestions)


def by_key(suggestions: list[Suggestion]) -> dict[str, Suggestion]:
    return {s.key: s for s in suggestions}


def kinds(suggestions: list[Suggestion]) -> set[str]:
    return {s.procedure_type for s in suggestions}


# --- item 1: surgery in the suggestions themselves ----------------------------------------


@pytest.mark.parametrize(
    ("score", "rule_id"),
    [(6, None), (7, "DS-SINS-POTENTIAL"), (12, "DS-SINS-POTENTIAL"), (13, "DS-SINS-UNSTABLE")],
)
def test_sins_from_seven_suggests_a_surgical_opinion_and_from_thirteen_stabilisation(score,
                                                                                     rule_id):
    findings, suggestions = assess(spine(**SINS[score]))
    assert findings["DS-SINS"].result["score"] == score
    surgery = by_key(suggestions).get("surgery")
    if rule_id is None:
        assert surgery is None
        assert "surgery" not in kinds(suggestions)
    else:
        assert surgery is not None
        assert (surgery.procedure_type, surgery.rule_id) == ("surgery", rule_id)
        assert f"SINS {score}" in surgery.rationale
        assert "Fisher CG et al. Spine 2010" in surgery.source


def test_sins_thresholds_are_the_sites_settings():
    site = effective_thresholds({"sins_potentially_unstable_min": 8})
    _, suggestions = assess(spine(**SINS[7]), site)
    assert "surgery" not in kinds(suggestions)


@pytest.mark.parametrize(
    ("grade", "surgery"), [("1c", False), ("2", True), ("3", True)],
)
def test_bilsky_from_two_suggests_decompression(grade, surgery):
    lesion = spine(epidural_extension=True, bilsky_grade=grade)
    _, suggestions = assess(lesion)
    found = by_key(suggestions).get("surgery")
    assert (found is not None) is surgery
    if surgery:
        assert found is not None
        assert found.rule_id == "DS-BILSKY-HIGH"
        assert "Bilsky MH et al. J Neurosurg Spine 2010" in found.source
        assert "mri_whole_spine" in kinds(suggestions)


def test_the_strongest_trigger_names_the_surgery_and_all_are_listed():
    lesion = spine(epidural_extension=True, bilsky_grade="3", neurological_deficit=True,
                   **SINS[13])
    _, suggestions = assess(lesion)
    surgery = by_key(suggestions)["surgery"]
    assert surgery.rule_id == "DS-MSCC-SURGERY"
    for rule in ("DS-MSCC-SURGERY", "DS-BILSKY-HIGH", "DS-SINS-UNSTABLE"):
        assert rule in surgery.rationale


MIRELS_8 = {"mirels_site": "peritrochanteric", "mirels_pain": "moderate",
            "mirels_size": "under_third", "pattern": "mixed"}  # 3 + 2 + 2 + 1
MIRELS_9 = {**MIRELS_8, "pattern": "lytic"}  # 3 + 2 + 3 + 1


@pytest.mark.parametrize(("fields", "score", "fixation"),
                         [(MIRELS_8, 8, False), (MIRELS_9, 9, True)])
def test_mirels_above_the_threshold_suggests_prophylactic_fixation(fields, score, fixation):
    lesion = LesionFacts(site="long_bone_lower", max_diameter_mm=40, **FAR, **fields)
    findings, suggestions = assess(lesion, **OLIGO)  # oligo: no consolidation leaf
    assert findings["DS-MIRELS"].result["score"] == score
    osteosynthesis = by_key(suggestions).get("osteosynthesis")
    assert (osteosynthesis is not None) is fixation
    if fixation:
        assert osteosynthesis is not None
        assert osteosynthesis.rule_id == "DS-MIRELS-FIXATION"
        assert "Mirels H. Clin Orthop" in osteosynthesis.source


# --- item 1: the pre-operative embolization, linked to the surgery --------------------------


@pytest.mark.parametrize(
    ("vascularity", "histology", "preop", "basis"),
    [
        ("hyper", "breast", True, "on imaging"),  # hypervascular by imaging
        ("not_assessed", "renal_cell", True, "presumed from the histology"),  # by histology
        ("not_assessed", "thyroid_follicular", True, "presumed from the histology"),
        ("not_assessed", "breast", False, ""),  # not hypervascular
        ("hypo", "renal_cell", False, ""),  # imaging refutes the histology
    ],
)
def test_a_surgery_on_a_hypervascular_lesion_gets_a_linked_pre_operative_embolization(
        vascularity, histology, preop, basis):
    lesion = spine(vascularity=vascularity, **SINS[13])
    _, suggestions = assess(lesion, primary_histology=histology)
    keyed = by_key(suggestions)
    assert "surgery" in keyed
    embolization = keyed.get("preop_embolization")
    assert (embolization is not None) is preop
    if embolization is None:
        assert not [s for s in suggestions if s.purpose == "pre_operative"]
        return
    assert embolization.procedure_type == "embolization"
    assert (embolization.purpose, embolization.embolization_purpose) == (
        "pre_operative", "pre_operative")
    assert embolization.prepares == "surgery"
    assert embolization.rule_id == "DS-PREOP-EMBO"
    assert "R1" in embolization.rationale
    assert "R2" in embolization.rationale
    assert basis in embolization.rationale
    for author in ("Kato S et al.", "Luksanapruksa P et al.", "Pazionis TJC et al."):
        assert author in embolization.source
    # it comes right before the surgery it prepares
    keys = [s.key for s in suggestions]
    assert keys.index("preop_embolization") == keys.index("surgery") - 1


def test_the_issue_case_hypervascular_t_spine_epidural_sins_11():
    lesion = spine(vascularity="hyper", vascularity_method="dce_mri", epidural_extension=True,
                   bilsky_grade="1b", **SINS[11])
    findings, suggestions = assess(lesion, primary_histology="renal_cell")
    assert findings["DS-SINS"].result["score"] == 11
    keyed = by_key(suggestions)
    assert keyed["surgery"].rule_id == "DS-SINS-POTENTIAL"
    assert keyed["preop_embolization"].prepares == "surgery"
    assert keyed["preop_embolization"].purpose == "pre_operative"
    # the finding that recommends it and the suggestions now agree
    assert "Pre-operative embolization recommended" in findings["DS-EMBOLIZATION"].rationale


def test_an_osteosynthesis_gets_its_own_pre_operative_embolization():
    lesion = LesionFacts(site="pelvis", pattern="lytic", vascularity="hyper", **FAR)
    _, suggestions = assess(lesion)
    keyed = by_key(suggestions)
    assert keyed["preop_embolization_osteosynthesis"].prepares == "osteosynthesis"
    assert keyed["embolization"].purpose == "palliative"  # size reduction, not linked
    assert keyed["embolization"].prepares == ""


def test_no_embolization_is_linked_when_adamkiewicz_is_in_the_field():
    lesion = spine(vascularity="hyper", adamkiewicz_in_field=True, **SINS[13])
    findings, suggestions = assess(lesion)
    assert "surgery" in kinds(suggestions)
    assert "embolization" not in kinds(suggestions)
    assert "Adamkiewicz" in findings["DS-CAZZATO"].rationale


@pytest.mark.parametrize(
    ("size", "ablations"), [(20, ["rfa"]), (40, ["mwa", "cryoablation"])],
)
def test_a_thermal_ablation_of_a_hypervascular_lesion_gets_a_pre_ablation_embolization(
        size, ablations):
    lesion = LesionFacts(site="rib", pattern="blastic", max_diameter_mm=size,
                         vascularity="hyper", **FAR)
    _, suggestions = assess(lesion, **OLIGO)
    keyed = by_key(suggestions)
    for ablation in ablations:
        embolization = keyed[f"preablation_embolization_{ablation}"]
        assert (embolization.purpose, embolization.embolization_purpose) == (
            "pre_ablation", "pre_ablation")
        assert embolization.prepares == ablation
        assert embolization.rule_id == "DS-PREABLATION-EMBO"
        assert "R3" in embolization.rationale
        assert keyed[ablation].purpose == "curative"
    assert "adjuvant" not in {s.purpose for s in suggestions}


def test_electrochemotherapy_gets_no_pre_ablation_embolization():
    lesion = LesionFacts(site="rib", pattern="blastic", max_diameter_mm=20,
                         vascularity="hyper", distance_neural_mm=3)
    _, suggestions = assess(lesion, **OLIGO)
    prepared = {s.prepares for s in suggestions if s.purpose == "pre_ablation"}
    assert prepared == {"cryoablation"}


# --- item 4: heat beside the cord ----------------------------------------------------------


@pytest.mark.parametrize(
    ("distance", "excluded"), [(9, True), (10, True), (11, False)],
)
def test_heat_based_ablation_is_excluded_within_near_mm_in_the_pain_branch(distance, excluded):
    findings, suggestions = assess(spine(distance_neural_mm=distance))
    present = kinds(suggestions)
    assert {"cryoablation", "ect", "radiotherapy"} <= present
    assert bool({"rfa", "mwa"} & present) is not excluded
    if excluded:
        heat = findings["DS-HEAT-NEAR"]
        assert heat.result["removed"] == ["rfa", "mwa"]
        assert (f"heat-based ablation (rfa, mwa, mrgfus) excluded: {distance} mm from the "
                "spinal cord") in heat.rationale.lower()
        assert "≤ 10 mm" in heat.rationale
        assert "thermal protection" in by_key(suggestions)["cryoablation"].rationale
    else:
        assert "DS-HEAT-NEAR" not in findings


@pytest.mark.parametrize(
    ("distance", "leaf", "present"),
    [(9, "near_structures", {"ect", "cryoablation"}),
     (10, "near_structures", {"ect", "cryoablation"}), (11, "small", {"rfa"})],
)
def test_the_curative_branch_uses_the_same_bound(distance, leaf, present):
    lesion = LesionFacts(site="rib", pattern="blastic", max_diameter_mm=20,
                         distance_vascular_mm=distance)
    findings, suggestions = assess(lesion, **OLIGO)
    assert leaf in findings["DS-CAZZATO"].result["leaves"]
    assert present <= kinds(suggestions)
    assert ("DS-HEAT-NEAR" in findings) is (distance <= 10)
    if distance <= 10:
        assert "from a vascular structure" in findings["DS-HEAT-NEAR"].rationale
        assert not {"rfa", "mwa", "mrgfus"} & kinds(suggestions)


def test_near_mm_is_a_site_setting():
    site = effective_thresholds({"near_structure_mm": 5})
    _, suggestions = assess(spine(distance_neural_mm=9), site)
    assert {"rfa", "mwa"} <= kinds(suggestions)


@pytest.mark.parametrize("grade", ["1a", "1c", "3"])
def test_a_tumour_in_the_spinal_canal_counts_as_next_to_the_cord(grade):
    lesion = spine(epidural_extension=True, bilsky_grade=grade, distance_neural_mm=None,
                   distance_vascular_mm=None)
    findings, suggestions = assess(lesion)
    assert not {"rfa", "mwa", "mrgfus"} & kinds(suggestions)
    assert "spinal canal" in findings["DS-HEAT-NEAR"].rationale
    assert findings["DS-HEAT-NEAR"].result["distance_mm"] == 0


@pytest.mark.parametrize("deficit", [True, False])
def test_a_neurological_deficit_rules_out_ablation_and_cement_altogether(deficit):
    # Bilsky 2, 2 mm from the cord, stable and painful: the pain branch applies.
    lesion = spine(neurological_deficit=deficit, epidural_extension=True, bilsky_grade="2",
                   distance_neural_mm=2)
    findings, suggestions = assess(lesion, primary_histology="renal_cell")
    present = kinds(suggestions)
    assert {"mri_whole_spine", "surgery", "radiotherapy"} <= present
    assert not {"rfa", "mwa", "mrgfus"} & present  # 2 mm from the cord: never heat
    assert "vertebroplasty" not in present  # cord compression: absolute contraindication
    if deficit:
        assert not {"cryoablation", "ect"} & present
        no_ablation = findings["DS-MSCC-NO-ABLATION"]
        assert "absolute contraindication" in no_ablation.rationale
        assert no_ablation.result["removed"] == ["cryoablation", "ect"]
        assert by_key(suggestions)["surgery"].rule_id == "DS-MSCC-SURGERY"
    else:
        assert {"cryoablation", "ect"} <= present  # with thermal protection / not thermal
        assert "DS-MSCC-NO-ABLATION" not in findings
        assert by_key(suggestions)["surgery"].rule_id == "DS-BILSKY-HIGH"
    # the hypervascular (renal) lesion still gets its pre-operative embolization
    assert by_key(suggestions)["preop_embolization"].prepares == "surgery"


def test_a_deficit_in_the_pain_branch_removes_the_ablations_and_says_so():
    lesion = spine(neurological_deficit=True)  # 25 mm from the cord, stable, painful
    findings, suggestions = assess(lesion)
    assert not {"rfa", "mwa", "cryoablation", "ect"} & kinds(suggestions)
    removed = findings["DS-MSCC-NO-ABLATION"].result["removed"]
    assert removed == ["rfa", "mwa", "cryoablation", "ect"]
    assert "Removed from the suggestions" in findings["DS-MSCC-NO-ABLATION"].rationale


# --- invariants over many lesions ----------------------------------------------------------


def _grid() -> list[tuple[LesionFacts, dict[str, Any]]]:
    lesions = [
        spine(**SINS[score], vascularity=vascularity, epidural_extension=grade != "",
              bilsky_grade=grade, neurological_deficit=deficit, distance_neural_mm=distance)
        for score in (6, 13)
        for vascularity in ("hyper", "not_assessed")
        for grade in ("", "1c", "3")
        for deficit in (False, True)
        for distance in (2, 11, None)
    ]
    lesions += [
        LesionFacts(**{**MIRELS_9, "pattern": pattern}, site=site, max_diameter_mm=size,
                    vascularity="hyper", distance_vascular_mm=distance)
        for site in ("long_bone_lower", "pelvis", "rib")
        for pattern in ("lytic", "blastic")
        for size in (20, 45)
        for distance in (5, 20)
    ]
    return [(lesion, case) for lesion in lesions for case in (PLURI, OLIGO)]


def test_every_suggestion_has_a_unique_key_a_valid_purpose_and_a_valid_link():
    for lesion, case in _grid():
        _, suggestions = assess(lesion, **{**case, "primary_histology": "renal_cell"})
        keys = [s.key for s in suggestions]
        assert len(keys) == len(set(keys)), keys
        keyed = by_key(suggestions)
        for s in suggestions:
            assert s.key
            allowed = PURPOSES_BY_PROCEDURE.get(s.procedure_type, frozenset())
            assert s.purpose in allowed if allowed else s.purpose == "", s
            if s.procedure_type == "embolization":
                assert s.embolization_purpose == s.purpose
                assert s.purpose != "adjuvant"
            else:
                assert s.embolization_purpose == ""
            if s.prepares:
                assert keyed[s.prepares].procedure_type in PREPARED_BY_PURPOSE[s.purpose]
            elif s.purpose in PREPARED_BY_PURPOSE:
                raise AssertionError(f"{s.key} has purpose {s.purpose} but prepares nothing")
