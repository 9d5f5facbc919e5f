"""Hypervascular assessment (§2.4) and embolization candidacy (§2.3, §2.5).

Imaging first, histology second: hypervascular = imaging_confirmed OR (histology in HYPER_LIST
AND not imaging_refuted). Embolization is never 'not feasible' because of size (no size limit
for palliative use); it is not feasible when the artery of Adamkiewicz arises in the target
field (Rossi, 454 cases [S]). TACE is never offered by default (seed).
"""

from __future__ import annotations

from .codes import Histology, LesionPattern, Vascularity
from .facts import Finding, LesionFacts

# §2.4 left column: typically hypervascular histologies (embolization candidates).
HYPER_LIST: frozenset[str] = frozenset(
    {
        Histology.RENAL_CELL,
        Histology.THYROID_FOLLICULAR,
        Histology.THYROID_OTHER,
        Histology.HEPATOCELLULAR,
        Histology.NEUROENDOCRINE,
        Histology.MELANOMA,
        Histology.LEIOMYOSARCOMA,
        Histology.HAEMANGIOPERICYTOMA,
        Histology.GIANT_CELL_TUMOUR,
        Histology.AGGRESSIVE_HAEMANGIOMA,
    }
)
# Histologies whose vascularity varies: imaging (DCE-MRI) is advised before relying on them.
VARIABLE_LIST: frozenset[str] = frozenset(
    {
        Histology.HEPATOCELLULAR,
        Histology.NEUROENDOCRINE,
        Histology.MELANOMA,
        Histology.MULTIPLE_MYELOMA,
        Histology.PLASMACYTOMA,
    }
)

HYPER_SOURCE = (
    "clinical-rules.md §2.4 (seed 000: DCE-MRI over histology; Clausen JVIR 2015; "
    "Gong Front Oncol 2021)"
)


def hypervascular_assess(lesion: LesionFacts, histology: str) -> Finding:
    """Is the lesion hypervascular (rule 2.4.hypervascular)?

    ``result`` is {"hypervascular": bool, "basis": "imaging" | "histology" | "none",
    "imaging_advised": bool}. Imaging (DCE-MRI, angiography) overrides histology both ways.
    """
    histology_label = Histology(histology).label
    if lesion.vascularity == Vascularity.HYPER:
        return Finding(
            rule_id="2.4.hypervascular", title="Hypervascular lesion",
            result={"hypervascular": True, "basis": "imaging", "imaging_advised": False},
            rationale="Hypervascular on imaging (DCE-MRI or angiography), whatever the "
            "histology.",
            source=HYPER_SOURCE, evidence="[S]",
        )
    if lesion.vascularity == Vascularity.HYPO:
        note = (
            f" Imaging overrides the usually hypervascular histology ({histology_label})."
            if histology in HYPER_LIST
            else ""
        )
        return Finding(
            rule_id="2.4.hypervascular", title="Hypervascular lesion",
            result={"hypervascular": False, "basis": "imaging", "imaging_advised": False},
            rationale="Not hypervascular on imaging (DCE-MRI or angiography)." + note,
            source=HYPER_SOURCE, evidence="[S]",
        )
    if histology in HYPER_LIST:
        variable = " Vascularity of this histology varies." if histology in VARIABLE_LIST else ""
        return Finding(
            rule_id="2.4.hypervascular", title="Hypervascular lesion",
            result={"hypervascular": True, "basis": "histology", "imaging_advised": True},
            rationale=f"Presumed hypervascular from the histology ({histology_label}); "
            f"vascularity not assessed on imaging.{variable} Confirm with DCE-MRI perfusion "
            "or angiography.",
            source=HYPER_SOURCE, evidence="[S]" if histology not in VARIABLE_LIST else "[seed]",
        )
    advised = histology in VARIABLE_LIST
    return Finding(
        rule_id="2.4.hypervascular", title="Hypervascular lesion",
        result={"hypervascular": False, "basis": "none", "imaging_advised": advised},
        rationale=(
            f"Not presumed hypervascular: the histology ({histology_label}) is not typically "
            "hypervascular and vascularity was not assessed on imaging."
            + (" Its vascularity varies: DCE-MRI is advised." if advised else "")
        ),
        source=HYPER_SOURCE, evidence="[S]",
    )


def embolization_predictors(lesion: LesionFacts) -> list[str]:
    """Predictors of a successful embolization present on the lesion (§2.5, seed)."""
    predictors = []
    if lesion.pattern == LesionPattern.LYTIC:
        predictors.append("lytic")
    if lesion.rapid_growth:
        predictors.append("rapid_growth")
    if lesion.pathological_fracture:
        predictors.append("pathological_fracture")
    if lesion.intense_enhancement:
        predictors.append("intense_enhancement")
    return predictors


_PREDICTOR_TEXT = {
    "lytic": "lytic lesion",
    "rapid_growth": "rapid growth",
    "pathological_fracture": "pathological fracture",
    "intense_enhancement": "intense contrast enhancement",
}


def embolization_assess(lesion: LesionFacts, *, hypervascular: bool) -> Finding:
    """Embolization candidacy (rule 2.5.embolization).

    ``result`` is {"feasible", "candidate", "preop_recommended", "indications": [...],
    "predictors": [...]}. Not feasible when the artery of Adamkiewicz is in the field (re-discuss).
    Pre-operative embolization is recommended only for a hypervascular lesion (§2.3).
    Candidate = feasible and (hypervascular, canal extension or soft-tissue extension).
    """
    predictors = embolization_predictors(lesion)
    indications: list[str] = []
    if hypervascular:
        indications.append("hypervascular")
    if lesion.epidural_extension:
        indications.append("canal_extension")
    if lesion.soft_tissue_extension:
        indications.append("soft_tissue_extension")
    if lesion.adamkiewicz_in_field:
        return Finding(
            rule_id="2.5.embolization", title="Arterial embolization",
            result={"feasible": False, "candidate": False, "preop_recommended": False,
                    "indications": indications, "predictors": predictors},
            rationale="Not feasible: the artery of Adamkiewicz arises in the target field. "
            "Re-discuss at the MDT.",
            source="Rossi et al. Radiol Med (454 embolizations); clinical-rules.md §2.5",
            evidence="[S]",
        )
    candidate = bool(indications)
    parts = []
    if candidate:
        parts.append("Candidate for embolization (" + ", ".join(
            i.replace("_", " ") for i in indications) + ").")
    else:
        parts.append("No indication for embolization (not hypervascular, no canal or "
                     "soft-tissue extension).")
    if hypervascular:
        parts.append("Pre-operative embolization recommended before surgery on this lesion.")
    else:
        parts.append("Pre-operative embolization not recommended: the lesion is not "
                     "hypervascular (no blood-loss benefit shown).")
    if predictors:
        parts.append("Predictors of success: " + ", ".join(
            _PREDICTOR_TEXT[p] for p in predictors) + ".")
    parts.append("No size limit for palliative use; repeatable (R7). TACE is not a default "
                 "option.")
    return Finding(
        rule_id="2.5.embolization", title="Arterial embolization",
        result={"feasible": True, "candidate": candidate, "preop_recommended": hypervascular,
                "indications": indications, "predictors": predictors},
        rationale=" ".join(parts),
        source="clinical-rules.md §2.3 and §2.5 (seed 000; Clausen JVIR 2015; Gong 2021)",
        evidence="[seed]",
    )
