"""Hypervascular assessment (DS-HYPERVASCULAR) and embolization candidacy (DS-EMBOLIZATION).

Imaging first, histology second: hypervascular = imaging_confirmed OR (histology in HYPER_LIST
AND not imaging_refuted); the benefit of embolization before surgery is shown where the lesion
is hypervascular, best where angiography confirms it (Gong Y et al. Front Oncol 2021; Clausen C
et al. JVIR 2015). Embolization is never 'not feasible' because of size (no size limit for
palliative use); it is not feasible when the artery of Adamkiewicz arises in the target field
(Rossi G et al. Radiol Med 2011). TACE is never offered by default. See docs/clinical-rules.md.
"""

from __future__ import annotations

from .codes import Histology, LesionPattern, Vascularity
from .facts import Finding, LesionFacts
from .rulebook import finding
from .texts import Message, code, msg

# Typically hypervascular histologies (embolization candidates); docs/clinical-rules.md.
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


def hypervascular_assess(lesion: LesionFacts, histology: str) -> Finding:
    """Is the lesion hypervascular (rule DS-HYPERVASCULAR)?

    ``result`` is {"hypervascular": bool, "basis": "imaging" | "histology" | "none",
    "imaging_advised": bool}. Imaging (DCE-MRI, angiography) overrides histology both ways.
    """
    histology_code = code("Histology", histology)
    if lesion.vascularity == Vascularity.HYPER:
        return finding("DS-HYPERVASCULAR",
                       {"hypervascular": True, "basis": "imaging", "imaging_advised": False},
                       [msg("hyper.imaging")])
    if lesion.vascularity == Vascularity.HYPO:
        parts = [msg("hyper.imaging_refuted")]
        if histology in HYPER_LIST:
            parts.append(msg("hyper.imaging_overrides", histology=histology_code))
        return finding("DS-HYPERVASCULAR",
                       {"hypervascular": False, "basis": "imaging", "imaging_advised": False},
                       parts)
    if histology in HYPER_LIST:
        parts = [msg("hyper.histology", histology=histology_code)]
        if histology in VARIABLE_LIST:
            parts.append(msg("hyper.variable"))
        parts.append(msg("hyper.confirm"))
        return finding("DS-HYPERVASCULAR",
                       {"hypervascular": True, "basis": "histology", "imaging_advised": True},
                       parts)
    advised = histology in VARIABLE_LIST
    parts = [msg("hyper.none", histology=histology_code)]
    if advised:
        parts.append(msg("hyper.dce_advised"))
    return finding("DS-HYPERVASCULAR",
                   {"hypervascular": False, "basis": "none", "imaging_advised": advised}, parts)


def embolization_predictors(lesion: LesionFacts) -> list[str]:
    """Predictors of a successful embolization present on the lesion (lytic, rapid growth,
    pathological fracture, intense enhancement)."""
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


def embolization_indications(lesion: LesionFacts, *, hypervascular: bool) -> list[str]:
    """Why the lesion could be embolized: hypervascular, canal or soft-tissue extension."""
    indications: list[str] = []
    if hypervascular:
        indications.append("hypervascular")
    if lesion.epidural_extension:
        indications.append("canal_extension")
    if lesion.soft_tissue_extension:
        indications.append("soft_tissue_extension")
    return indications


def embolization_assess(lesion: LesionFacts, *, hypervascular: bool) -> Finding:
    """Embolization candidacy (rule DS-EMBOLIZATION).

    ``result`` is {"feasible", "candidate", "preop_recommended", "indications": [...],
    "predictors": [...]}. Not feasible when the artery of Adamkiewicz is in the field (re-discuss).
    Pre-operative embolization is recommended only for a hypervascular lesion (DS-PREOP-EMBO
    then links it to the surgery suggested or chosen).
    Candidate = feasible and (hypervascular, canal extension or soft-tissue extension).
    """
    predictors = embolization_predictors(lesion)
    indications = embolization_indications(lesion, hypervascular=hypervascular)
    if lesion.adamkiewicz_in_field:
        return finding("DS-EMBOLIZATION",
                       {"feasible": False, "candidate": False, "preop_recommended": False,
                        "indications": indications, "predictors": predictors},
                       [msg("embo.not_feasible")])
    candidate = bool(indications)
    parts: list[Message] = []
    if candidate:
        parts.append(msg("embo.candidate",
                         indications=[msg(f"indication.{i}") for i in indications]))
    else:
        parts.append(msg("embo.no_indication"))
    parts.append(msg("embo.preop_recommended" if hypervascular
                     else "embo.preop_not_recommended"))
    if predictors:
        parts.append(msg("embo.predictors",
                         predictors=[msg(f"predictor.{p}") for p in predictors]))
    parts.append(msg("embo.no_size_limit"))
    return finding("DS-EMBOLIZATION",
                   {"feasible": True, "candidate": candidate, "preop_recommended": hypervascular,
                    "indications": indications, "predictors": predictors}, parts)
