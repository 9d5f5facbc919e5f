"""The suggestions for one lesion: the Cazzato et al. 2019 flowchart, the surgical triggers and
the safety exclusions, with embolizations linked to the procedure they prepare.

Flowchart: Cazzato RL et al. Radiol Med 2019;124:34-49 (ICoMSKR/ICIR joint position
statement). Numeric thresholds are site settings (cases/domain/thresholds.py); every rule id is
in cases/domain/rulebook.py and docs/clinical-rules.md.

    oligometastatic (n ≤ OLIGO_MAX) → CURATIVE:
        near (≤ NEAR_MM) a neural/vascular structure → ECT or cryoablation   DS-CAZZATO-CURATIVE-NEAR
        small (≤ SMALL_MM)                           → RFA                   DS-CAZZATO-CURATIVE-SMALL
        big                                          → MWA or cryoablation   DS-CAZZATO-CURATIVE-BIG
    plurimetastatic → PALLIATIVE (multi-label):
        need for consolidation             → osteoplasty / osteosynthesis    DS-CAZZATO-CONSOLIDATION
        pain and no need for consolidation → thermal ablation or ECT        DS-CAZZATO-PAIN
        canal / soft-tissue extension or hypervascular → embolization       DS-CAZZATO-SIZE-REDUCTION
    always: radiotherapy, combinable                                          DS-CAZZATO-RT

Across both branches:
    surgical triggers → a "surgery" suggestion: neurological deficit (DS-MSCC-SURGERY), Bilsky
        ≥ 2 (DS-BILSKY-HIGH), SINS ≥ 13 (DS-SINS-UNSTABLE) or 7-12 (DS-SINS-POTENTIAL); long
        bones with Mirels above the threshold → osteosynthesis (DS-MIRELS-FIXATION);
    exclusions, each reported in a finding: heat-based ablation (RFA, MWA, MRgFUS) within
        NEAR_MM of a neural or vascular structure or in the spinal canal (DS-HEAT-NEAR); any
        ablation and vertebroplasty with a neurological deficit (DS-MSCC-NO-ABLATION);
    links, for a hypervascular lesion that can be embolized: a pre-operative embolization before
        each surgery/osteosynthesis (DS-PREOP-EMBO, R1/R2) and a pre-ablation embolization
        before each thermal ablation (DS-PREABLATION-EMBO, R3), ``prepares`` naming its key.

Everything is a suggestion for the MDT, which decides.
"""

from __future__ import annotations

from collections.abc import Mapping

from .codes import (
    PREPARED_BY_PURPOSE,
    PURPOSES_BY_PROCEDURE,
    Intent,
    ProcedurePurpose,
    ProcedureType,
)
from .facts import CaseFacts, Finding, LesionFacts, Suggestion
from .rulebook import finding, suggestion
from .scores import consolidation_assess, mirels_assess, sins_assess
from .spine import high_grade_compression, in_spinal_canal, vertebroplasty_assess
from .texts import Message, code, joined, msg
from .thresholds import DEFAULTS
from .vascularity import embolization_assess, hypervascular_assess

P = ProcedureType

# Ablation that works by heating: excluded within NEAR_MM of a neural or vascular structure.
# MRgFUS is included because focused ultrasound destroys tissue by heating it (coagulative
# necrosis), with the same risk to nerves as RFA and MWA. Cryoablation stays, with thermal
# protection, and electrochemotherapy is not thermal (Cazzato 2019: "ECT or cryoablation").
HEAT_BASED: frozenset[str] = frozenset({P.RFA.value, P.MWA.value, P.MRGFUS.value})
ABLATIONS: frozenset[str] = frozenset(PURPOSES_BY_PROCEDURE) - {P.EMBOLIZATION.value}
# Thermal ablations that a prior embolization helps (heat sink, R3); not ECT, whose drug needs
# the blood supply that embolization removes.
PRE_ABLATION_TARGETS: frozenset[str] = frozenset(
    {P.RFA.value, P.MWA.value, P.CRYOABLATION.value}
)
PRE_OPERATIVE_TARGETS: frozenset[str] = PREPARED_BY_PURPOSE[ProcedurePurpose.PRE_OPERATIVE.value]


def disease_extent(case: CaseFacts, thresholds: Mapping[str, float] = DEFAULTS) -> Finding:
    """Oligometastatic (≤ oligo_max known metastases → curative intent) or plurimetastatic
    (rule DS-EXTENT)."""
    limit = int(thresholds["oligo_max"])
    oligo = case.metastases_count <= limit
    return finding(
        "DS-EXTENT",
        {"oligometastatic": oligo,
         "intent": Intent.CURATIVE.value if oligo else Intent.PALLIATIVE.value},
        [msg("extent.oligo" if oligo else "extent.pluri", count=case.metastases_count,
             limit=limit)],
    )


def proximity(lesion: LesionFacts) -> tuple[int | None, Message | None]:
    """Distance (mm) to the nearest neural or vascular structure and how to say it.

    A tumour in the spinal canal (epidural extension, Bilsky ≥ 1a) counts as 0 mm: it lies
    against the thecal sac whatever distance was recorded. (None, None) when nothing is known.
    """
    candidates: list[tuple[int, Message]] = []
    if in_spinal_canal(lesion):
        candidates.append((0, msg("where.canal")))
    if lesion.distance_neural_mm is not None:
        where = "where.neural_spine" if lesion.is_spine else "where.neural"
        candidates.append((lesion.distance_neural_mm, msg(where, mm=lesion.distance_neural_mm)))
    if lesion.distance_vascular_mm is not None:
        candidates.append((lesion.distance_vascular_mm,
                           msg("where.vascular", mm=lesion.distance_vascular_mm)))
    if not candidates:
        return None, None
    distance, where_msg = min(candidates, key=lambda c: c[0])
    return distance, where_msg


def _purpose(procedure: str, intent: Intent) -> str:
    """Ablations carry their intent as purpose (curative / palliative); others none."""
    allowed = PURPOSES_BY_PROCEDURE.get(procedure, frozenset())
    return intent.value if procedure != P.EMBOLIZATION.value and intent.value in allowed else ""


def _s(rule_id: str, procedure: ProcedureType, intent: Intent, *parts: Message,
       key: str = "", purpose: str | None = None, prepares: str = "") -> Suggestion:
    return suggestion(
        rule_id, procedure.value, intent.value, list(parts), key=key or procedure.value,
        purpose=_purpose(procedure.value, intent) if purpose is None else purpose,
        prepares=prepares,
    )


def _surgical_triggers(lesion: LesionFacts,
                       thresholds: Mapping[str, float]) -> list[tuple[str, Message]]:
    """(rule id, message) for each reason to ask for a surgical opinion, strongest first."""
    triggers: list[tuple[str, Message]] = []
    if lesion.neurological_deficit:
        triggers.append(("DS-MSCC-SURGERY",
                         msg("surgery.trigger.mscc", rule="DS-MSCC-SURGERY")))
    if high_grade_compression(lesion, thresholds):
        triggers.append(("DS-BILSKY-HIGH", msg(
            "surgery.trigger.bilsky", grade=lesion.bilsky_grade,
            min=int(thresholds["mscc_bilsky_min"]), rule="DS-BILSKY-HIGH")))
    if lesion.is_spine:
        sins = sins_assess(lesion, thresholds).result
        low = int(thresholds["sins_potentially_unstable_min"])
        high = int(thresholds["sins_unstable_min"])
        if sins["category"] == "unstable":
            triggers.append(("DS-SINS-UNSTABLE", msg(
                "surgery.trigger.sins_unstable", score=sins["score"], min=high,
                rule="DS-SINS-UNSTABLE")))
        elif sins["category"] == "potentially_unstable":
            triggers.append(("DS-SINS-POTENTIAL", msg(
                "surgery.trigger.sins_potential", score=sins["score"], min=low, max=high - 1,
                rule="DS-SINS-POTENTIAL")))
    return triggers


def lesion_suggestions(
    lesion: LesionFacts, case: CaseFacts, thresholds: Mapping[str, float] = DEFAULTS
) -> tuple[list[Finding], list[Suggestion]]:
    """Walk the flowchart for one lesion, add the surgical triggers, apply the exclusions and
    link the embolizations.

    Returns the findings (DS-HEAT-NEAR and DS-MSCC-NO-ABLATION when they apply, then the
    DS-CAZZATO summary: {"intent", "branch", "leaves", "procedures"}) and the ordered
    suggestions, each with a key unique within the lesion. Leaves: near_structures, small,
    big (curative); consolidation, pain, size_reduction (palliative); cord_compression.
    """
    extent = disease_extent(case, thresholds)
    oligo = bool(extent.result["oligometastatic"])
    intent = Intent.CURATIVE if oligo else Intent.PALLIATIVE
    hyper_finding = hypervascular_assess(lesion, case.primary_histology)
    hyper = bool(hyper_finding.result["hypervascular"])
    embolization = embolization_assess(lesion, hypervascular=hyper).result
    consolidation = bool(consolidation_assess(lesion, thresholds).result["needed"])
    vp_allowed = bool(vertebroplasty_assess(lesion, case).result["allowed"])
    distance, where = proximity(lesion)
    near_mm = int(thresholds["near_structure_mm"])
    near = distance is not None and distance <= near_mm
    compression = lesion.neurological_deficit or high_grade_compression(lesion, thresholds)
    leaves: list[str] = []
    notes: list[Message] = []
    items: list[Suggestion] = []

    # Emergency work-up and surgical opinion come first: they change everything else.
    if compression:
        items.append(_s("DS-MSCC", P.MRI_WHOLE_SPINE, Intent.DIAGNOSTIC,
                        msg("mscc.mri_suggestion", hours=int(thresholds["mscc_mri_hours"])),
                        key="mri_whole_spine"))
    triggers = _surgical_triggers(lesion, thresholds)
    if triggers:
        items.append(_s(triggers[0][0], P.SURGERY, intent,
                        msg("surgery.suggestion",
                            triggers=joined([m for _, m in triggers], "; "))))
    if lesion.is_long_bone:
        mirels = mirels_assess(lesion, thresholds).result
        if mirels["category"] == "high_risk":
            items.append(_s("DS-MIRELS-FIXATION", P.OSTEOSYNTHESIS, intent, msg(
                "fixation.mirels", score=mirels["score"],
                threshold=int(thresholds["mirels_fixation_min"]))))

    if oligo:
        small_mm = int(thresholds["small_lesion_mm"])
        if near and where is not None:
            leaves.append("near_structures")
            why = msg("cz.curative.near", where=where, near=near_mm)
            items += [_s("DS-CAZZATO-CURATIVE-NEAR", P.ECT, intent, why),
                      _s("DS-CAZZATO-CURATIVE-NEAR", P.CRYOABLATION, intent, why)]
        elif lesion.max_diameter_mm <= small_mm:
            leaves.append("small")
            items.append(_s("DS-CAZZATO-CURATIVE-SMALL", P.RFA, intent, msg(
                "cz.curative.small", size=lesion.max_diameter_mm, small=small_mm)))
        else:
            leaves.append("big")
            why = msg("cz.curative.big", size=lesion.max_diameter_mm, small=small_mm)
            items += [_s("DS-CAZZATO-CURATIVE-BIG", P.MWA, intent, why),
                      _s("DS-CAZZATO-CURATIVE-BIG", P.CRYOABLATION, intent, why)]
        if distance is None:
            notes.append(msg("cz.distance_unknown"))
        if consolidation and vp_allowed:
            items.append(_s("DS-ABLATION-CEMENT", P.VERTEBROPLASTY, intent, msg("cz.cement")))
        rt = msg("cz.rt.curative")
    else:
        if consolidation:
            leaves.append("consolidation")
            why = msg("cz.consolidation")
            if vp_allowed:
                items.append(_s("DS-CAZZATO-CONSOLIDATION", P.VERTEBROPLASTY, intent, why))
            items.append(_s("DS-CAZZATO-CONSOLIDATION", P.OSTEOSYNTHESIS, intent, why))
        if lesion.painful and case.pain_vas >= thresholds["pain_vas_min"] and not consolidation:
            leaves.append("pain")
            why = msg("cz.pain", vas=case.pain_vas)
            for procedure in (P.RFA, P.MWA, P.CRYOABLATION, P.ECT):
                parts = [why]
                if procedure == P.CRYOABLATION and near:
                    parts.append(msg("cz.pain.near_cryo"))
                items.append(_s("DS-CAZZATO-PAIN", procedure, intent, *parts))
        if embolization["candidate"]:
            leaves.append("size_reduction")
            items.append(_s("DS-CAZZATO-SIZE-REDUCTION", P.EMBOLIZATION, intent, msg(
                "cz.size_reduction",
                indications=[msg(f"indication.{i}") for i in embolization["indications"]]),
                purpose=ProcedurePurpose.PALLIATIVE.value))
        rt = msg("cz.rt.palliative")
    rt_parts = [rt]
    if compression:
        leaves.append("cord_compression")
        rt_parts.append(msg("cz.rt.mscc", hours=int(thresholds["mscc_rt_hours"])))
    items.append(_s("DS-CAZZATO-RT", P.RADIOTHERAPY, intent, *rt_parts, key="rt"))

    findings: list[Finding] = []
    # DS-HEAT-NEAR: never heat beside the cord, a nerve or a vessel, in any branch.
    if near and where is not None:
        removed = [s for s in items if s.procedure_type in HEAT_BASED]
        items = [s for s in items if s.procedure_type not in HEAT_BASED]
        parts = [msg("heat.excluded", where=where, near=near_mm)]
        if removed:
            parts.append(msg("removed", procedures=[
                code("ProcedureType", s.procedure_type) for s in removed]))
        findings.append(finding("DS-HEAT-NEAR", {
            "excluded": sorted(HEAT_BASED), "distance_mm": distance, "near_mm": near_mm,
            "removed": [s.procedure_type for s in removed]}, parts))
    # DS-MSCC-NO-ABLATION: a neurological deficit leaves the surgical / RT pathway only.
    if lesion.neurological_deficit:
        excluded = ABLATIONS | {P.VERTEBROPLASTY.value}
        removed = [s for s in items if s.procedure_type in excluded]
        items = [s for s in items if s.procedure_type not in excluded]
        parts = [msg("mscc.no_ablation")]
        if removed:
            parts.append(msg("removed", procedures=[
                code("ProcedureType", s.procedure_type) for s in removed]))
        findings.append(finding("DS-MSCC-NO-ABLATION", {
            "excluded": sorted(excluded), "removed": [s.procedure_type for s in removed]},
            parts))

    suggestions = _link_embolizations(
        _unique(items), hyper=hyper and bool(embolization["feasible"]),
        basis=str(hyper_finding.result["basis"]))

    if not embolization["feasible"] and (hyper or embolization["indications"]):
        notes.append(msg("cz.note.adamkiewicz"))
    if not vp_allowed and consolidation:
        notes.append(msg("cz.note.vp"))
    summary = [
        msg("cz.summary", intent=msg(f"intent.{intent.value}"),
            branch=msg("branch.oligometastatic" if oligo else "branch.plurimetastatic"),
            leaves=[msg(f"leaf.{leaf}") for leaf in leaves] or msg("leaf.none")),
        *notes,
        msg("cz.summary.end"),
    ]
    findings.append(finding("DS-CAZZATO", {
        "intent": intent.value, "branch": "oligometastatic" if oligo else "plurimetastatic",
        "leaves": leaves, "procedures": sorted({s.procedure_type for s in suggestions})},
        summary))
    return findings, suggestions


def _unique(items: list[Suggestion]) -> list[Suggestion]:
    """Keep the first suggestion of each key (e.g. a Mirels fixation and the consolidation
    leaf both propose the osteosynthesis)."""
    seen: set[str] = set()
    out: list[Suggestion] = []
    for item in items:
        if item.key not in seen:
            seen.add(item.key)
            out.append(item)
    return out


def _link_embolizations(items: list[Suggestion], *, hyper: bool,
                        basis: str) -> list[Suggestion]:
    """Put an embolization right before each procedure it prepares, for a hypervascular lesion
    that can be embolized: pre-operative before a surgery or osteosynthesis (DS-PREOP-EMBO),
    pre-ablation before a thermal ablation (DS-PREABLATION-EMBO)."""
    if not hyper:
        return items
    basis_msg = msg(f"basis.{basis}")
    out: list[Suggestion] = []
    for item in items:
        intent = Intent(item.intent)
        if item.procedure_type in PRE_OPERATIVE_TARGETS:
            key = ("preop_embolization" if item.key == P.SURGERY.value
                   else f"preop_embolization_{item.key}")
            out.append(_s("DS-PREOP-EMBO", P.EMBOLIZATION, intent, msg(
                "preop.suggestion", basis=basis_msg, before=msg(f"before.{item.procedure_type}")),
                key=key, purpose=ProcedurePurpose.PRE_OPERATIVE.value, prepares=item.key))
        elif item.procedure_type in PRE_ABLATION_TARGETS:
            out.append(_s("DS-PREABLATION-EMBO", P.EMBOLIZATION, intent, msg(
                "preablation.suggestion", basis=basis_msg,
                before=msg(f"before.{item.procedure_type}")),
                key=f"preablation_embolization_{item.key}",
                purpose=ProcedurePurpose.PRE_ABLATION.value, prepares=item.key))
        out.append(item)
    return out


def cazzato_assess(
    lesion: LesionFacts, case: CaseFacts, thresholds: Mapping[str, float] = DEFAULTS
) -> tuple[Finding, list[Suggestion]]:
    """The DS-CAZZATO summary finding and the lesion's suggestions (see lesion_suggestions,
    which also returns the exclusion findings)."""
    findings, suggestions = lesion_suggestions(lesion, case, thresholds)
    return findings[-1], suggestions

