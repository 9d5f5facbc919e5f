"""The Cazzato et al. 2019 management flowchart for bone metastases (clinical-rules.md §2.1).

Cazzato RL et al., Radiol Med 2019;124:34-49 (ICoMSKR/ICIR joint position), as reproduced in
seed 000. Node-to-leaf mapping [seed]; numeric thresholds [I] (cases/domain/thresholds.py).

    oligometastatic (n ≤ OLIGO_MAX) → CURATIVE:
        near (≤ NEAR_MM) a neural/vascular structure → ECT or cryoablation
        small (≤ SMALL_MM)                           → RFA
        big                                          → MWA or cryoablation
    plurimetastatic → PALLIATIVE (multi-label):
        need for consolidation            → osteoplasty / osteosynthesis
        pain and no need for consolidation → thermal ablation or ECT
        canal / soft-tissue extension or hypervascular → arterial embolization
    always: radiotherapy (+ embolization where hypervascular), combinable.

Everything is a suggestion for the MDT, which decides.
"""

from __future__ import annotations

from collections.abc import Mapping

from .codes import EmbolizationPurpose, Intent, ProcedureType
from .facts import CaseFacts, Finding, LesionFacts, Suggestion
from .scores import consolidation_assess
from .spine import cord_compression, vertebroplasty_assess
from .thresholds import DEFAULTS
from .vascularity import embolization_assess, hypervascular_assess

RULE = "2.1.cazzato"
SOURCE = "Cazzato et al. Radiol Med 2019;124:34-49 (seed 000); clinical-rules.md §2.1"
P = ProcedureType


def disease_extent(case: CaseFacts, thresholds: Mapping[str, float] = DEFAULTS) -> Finding:
    """Oligometastatic (≤ oligo_max known metastases → curative intent) or plurimetastatic."""
    limit = int(thresholds["oligo_max"])
    oligo = case.metastases_count <= limit
    return Finding(
        rule_id=RULE, title="Disease extent",
        result={"oligometastatic": oligo,
                "intent": Intent.CURATIVE.value if oligo else Intent.PALLIATIVE.value},
        rationale=(
            f"{case.metastases_count} known metastases (≤ {limit}): oligometastatic; local "
            "treatment with curative intent."
            if oligo
            else f"{case.metastases_count} known metastases (> {limit}): plurimetastatic; "
            "palliative intent, treatments combined by need."
        ),
        source=SOURCE + "; oligometastasis 1-5 lesions [I]", evidence="[seed]",
    )


def nearest_structure_mm(lesion: LesionFacts) -> int | None:
    distances = [d for d in (lesion.distance_neural_mm, lesion.distance_vascular_mm)
                 if d is not None]
    return min(distances) if distances else None


def _s(procedure: ProcedureType, intent: Intent, rationale: str, *, purpose: str = "",
       rule_id: str = RULE, source: str = SOURCE, evidence: str = "[seed]") -> Suggestion:
    return Suggestion(
        procedure_type=procedure.value, intent=intent.value, rule_id=rule_id,
        rationale=rationale, source=source, evidence=evidence, embolization_purpose=purpose,
    )


def cazzato_assess(
    lesion: LesionFacts, case: CaseFacts, thresholds: Mapping[str, float] = DEFAULTS
) -> tuple[Finding, list[Suggestion]]:
    """Walk the flowchart for one lesion (rule 2.1.cazzato).

    Returns the finding ({"intent", "branch", "leaves": [...]}) and the ordered suggestions.
    Leaves: near_structures, small, big (curative); consolidation, pain, size_reduction
    (palliative); cord_compression (MSCC, R9-R12). Embolization is left out when not feasible
    (Adamkiewicz, §2.5) and vertebroplasty when absolutely contraindicated (§2.6).
    """
    extent = disease_extent(case, thresholds)
    oligo = extent.result["oligometastatic"]
    hyper = hypervascular_assess(lesion, case.primary_histology).result["hypervascular"]
    embolization = embolization_assess(lesion, hypervascular=hyper).result
    consolidation = consolidation_assess(lesion, thresholds).result["needed"]
    vp_allowed = vertebroplasty_assess(lesion, case).result["allowed"]
    leaves: list[str] = []
    suggestions: list[Suggestion] = []
    notes: list[str] = []

    if oligo:
        intent = Intent.CURATIVE
        nearest = nearest_structure_mm(lesion)
        near_mm = int(thresholds["near_structure_mm"])
        small_mm = int(thresholds["small_lesion_mm"])
        if nearest is not None and nearest <= near_mm:
            leaves.append("near_structures")
            why = (f"Oligometastatic, {nearest} mm from a neural or vascular structure "
                   f"(≤ {near_mm} mm): non-thermal or cold ablation.")
            suggestions += [_s(P.ECT, intent, why), _s(P.CRYOABLATION, intent, why)]
        elif lesion.max_diameter_mm <= small_mm:
            leaves.append("small")
            why = (f"Oligometastatic, small lesion ({lesion.max_diameter_mm} mm ≤ {small_mm} mm) "
                   "away from neural and vascular structures: radiofrequency ablation.")
            suggestions.append(_s(P.RFA, intent, why))
        else:
            leaves.append("big")
            why = (f"Oligometastatic, big lesion ({lesion.max_diameter_mm} mm > {small_mm} mm) "
                   "away from neural and vascular structures: microwave or cryoablation.")
            suggestions += [_s(P.MWA, intent, why), _s(P.CRYOABLATION, intent, why)]
        if nearest is None:
            notes.append("Distance to neural and vascular structures not recorded; verify "
                         "before choosing the ablation technique.")
        if consolidation and vp_allowed:
            suggestions.append(_s(
                P.VERTEBROPLASTY, intent,
                "Combination: cementoplasty in the same session as ablation (R5), because "
                "consolidation is needed.",
            ))
        if hyper and embolization["feasible"]:
            suggestions.append(_s(
                P.EMBOLIZATION, intent,
                "Hypervascular lesion: embolization before ablation, same session or ≤ 24 h, "
                "to reduce the heat-sink effect (R3).",
                purpose=EmbolizationPurpose.ADJUVANT.value,
            ))
        suggestions.append(_s(
            P.RADIOTHERAPY, intent,
            "Radiotherapy (e.g. spine SBRT) is a combinable option; if combined with "
            "embolization, the RT course ends first (R4).",
        ))
    else:
        intent = Intent.PALLIATIVE
        if consolidation:
            leaves.append("consolidation")
            why = "Plurimetastatic with a need for consolidation: osteoplasty or osteosynthesis."
            if vp_allowed:
                suggestions.append(_s(P.VERTEBROPLASTY, intent, why))
            suggestions.append(_s(P.OSTEOSYNTHESIS, intent, why))
        pain = lesion.painful and case.pain_vas >= thresholds["pain_vas_min"]
        if pain and not consolidation:
            leaves.append("pain")
            why = (f"Plurimetastatic, painful lesion (VAS {case.pain_vas}) without a need for "
                   "consolidation: thermal ablation or electrochemotherapy.")
            suggestions += [_s(p, intent, why) for p in (P.RFA, P.MWA, P.CRYOABLATION, P.ECT)]
        if embolization["candidate"]:
            leaves.append("size_reduction")
            why = "Plurimetastatic; tumour size reduction needed (" + ", ".join(
                i.replace("_", " ") for i in embolization["indications"]
            ) + "): arterial embolization."
            suggestions.append(_s(P.EMBOLIZATION, intent, why,
                                  purpose=EmbolizationPurpose.PALLIATIVE.value))
        suggestions.append(_s(
            P.RADIOTHERAPY, intent,
            "Palliative radiotherapy is always a combinable option (8 Gy × 1, 20 Gy/5, "
            "24 Gy/6, 30 Gy/10; R17); before any embolization of this lesion (R4).",
        ))
    if not embolization["feasible"] and (hyper or embolization["indications"]):
        notes.append("Embolization left out: the artery of Adamkiewicz is in the field "
                     "(re-discuss).")
    if not vp_allowed and consolidation:
        notes.append("Vertebroplasty left out: absolute contraindication (§2.6).")
    if cord_compression(lesion):
        leaves.append("cord_compression")
        why = ("Cord compression or myelopathy: surgical decompression / stabilisation or "
               "urgent radiotherapy (MSCC pathway).")
        suggestions.insert(0, _s(P.MRI_WHOLE_SPINE, Intent.DIAGNOSTIC,
                                 "Suspected MSCC: whole-spine MRI within "
                                 f"{int(thresholds['mscc_mri_hours'])} h (R9).",
                                 rule_id="R9-R12", source="NICE NG234; QS56", evidence="[G]"))
        suggestions.insert(1, _s(P.SURGERY, Intent.PALLIATIVE, why, rule_id="R9-R12",
                                 source="NICE NG234; clinical-rules.md §2.6", evidence="[G]"))
    rationale = (
        f"{'Curative' if oligo else 'Palliative'} intent ({'oligo' if oligo else 'pluri'}"
        f"metastatic). Branches: "
        f"{', '.join(leaf.replace('_', ' ') for leaf in leaves) or 'none beyond radiotherapy'}."
        + (" " + " ".join(notes) if notes else "")
        + " Combine therapies according to the lesion and the therapeutic goal; the MDT decides."
    )
    finding = Finding(
        rule_id=RULE, title="Management flowchart (Cazzato 2019)",
        result={"intent": intent.value,
                "branch": "oligometastatic" if oligo else "plurimetastatic",
                "leaves": leaves,
                "procedures": sorted({s.procedure_type for s in suggestions})},
        rationale=rationale, source=SOURCE, evidence="[seed]",
    )
    return finding, suggestions
