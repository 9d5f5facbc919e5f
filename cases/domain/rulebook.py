"""The catalogue of decision-support rules: one public id per rule, with its rationale and source.

Every Finding and Suggestion takes its ``rule_id``, ``source`` and ``evidence`` from here
(``finding`` / ``suggestion`` below), so a clinician can look any id up in
docs/clinical-rules.md, where the same catalogue is written out with the defaults, ranges and
the timing rules R1-R18. tests/cases/domain/test_rulebook.py checks that every id used is in
both places.

Id scheme: ``DS-<TOPIC>[-<CASE>]``, upper case, stable once published. The timing rules keep
their ids R1-R18 (scheduling.TimingRule); decision-support rationales cite them where the
timing matters (e.g. "R1, R2" on a pre-operative embolization).

Evidence levels: [S] a published study; [G] a guideline or consensus statement; [E] expert
opinion (teaching material of an interventional-radiology centre); [I] inference or local
consensus, a site-editable default to be confirmed by the site's clinicians.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .facts import Finding, Suggestion
from .texts import Message, render_all

# Bibliographic sources, cited by several rules.
CAZZATO = "Cazzato RL et al. Radiol Med 2019;124:34-49 (ICoMSKR/ICIR joint position statement)"
FISHER = "Fisher CG et al. Spine 2010;35:E1221-9 (SINS)"
MIRELS = "Mirels H. Clin Orthop Relat Res 1989;(249):256-64"
BILSKY = "Bilsky MH et al. J Neurosurg Spine 2010;13:324-8 (ESCC scale)"
NOMS = "Laufer I et al. Oncologist 2013;18:744-51 (NOMS framework)"
PATCHELL = "Patchell RA et al. Lancet 2005;366:643-8"
NICE_MSCC = "NICE NG234 2023 (spinal metastases and MSCC); NICE QS56"
CIRSE_VA = "Tsoumakidou G et al. Cardiovasc Intervent Radiol 2017;40:331-42 (CIRSE)"
CIRSE_ABLATION = "Ryan A et al. Cardiovasc Intervent Radiol 2022;45:591-605 (CIRSE)"
FILIPPIADIS = "Filippiadis DK et al. Insights Imaging 2014;5:339-46"
KATO = "Kato S et al. Spine 2013;38:1964-9"
LUKSANAPRUKSA = "Luksanapruksa P et al. J Neurointerv Surg 2018;10:596-601"
PAZIONIS = "Pazionis TJC et al. Clin Orthop Relat Res 2014;472:3179-87"
CLAUSEN = "Clausen C et al. J Vasc Interv Radiol 2015;26:402-12"
GONG = "Gong Y et al. Front Oncol 2021;10:597476"
ROSSI = "Rossi G et al. Radiol Med 2011 (454 bone-tumour embolizations)"
FACCHINI = "Facchini G et al. Eur J Orthop Surg Traumatol 2016 (palliative spine embolization)"
LEE_TAE_RFA = "Lee IJ et al. Br J Radiol 2012;85:e987-94 (animal study)"
LIEVENS = "Lievens Y et al. Radiother Oncol 2020;148:157-66 (ESTRO-ASTRO consensus)"
LUTZ = "Lutz S et al. Pract Radiat Oncol 2017;7:4-12 (ASTRO guideline)"
LOCAL = "local consensus"


@dataclass(frozen=True)
class Rule:
    """One decision-support rule. ``parameters`` are the thresholds.py keys it reads."""

    rule_id: str
    title: str
    kind: str  # "finding", "suggestion" or "exclusion" (a finding that removes suggestions)
    rationale: str
    rationale_it: str
    source: str
    evidence: str
    parameters: tuple[str, ...] = ()


_RULES: tuple[Rule, ...] = (
    Rule(
        "DS-EXTENT", "Disease extent", "finding",
        "Up to a few known metastases (oligometastatic disease) local treatment can aim at "
        "cure; beyond that, treatments are palliative and combined by need.",
        "Con poche metastasi note (malattia oligometastatica) il trattamento locale può avere "
        "intento curativo; oltre, i trattamenti sono palliativi e combinati secondo il bisogno.",
        f"{LIEVENS}; {CAZZATO}; threshold: {LOCAL}", "[G]", ("oligo_max",),
    ),
    Rule(
        "DS-SINS", "Spinal instability (SINS)", "finding",
        "The Spinal Instability Neoplastic Score grades a spine lesion as stable (0-6), "
        "potentially unstable (7-12) or unstable (13-18).",
        "Lo Spinal Instability Neoplastic Score classifica una lesione vertebrale come stabile "
        "(0-6), potenzialmente instabile (7-12) o instabile (13-18).",
        FISHER, "[G]", ("sins_potentially_unstable_min", "sins_unstable_min"),
    ),
    Rule(
        "DS-MIRELS", "Fracture risk (Mirels)", "finding",
        "The Mirels score (site, pain, pattern, size) grades the risk of a pathological "
        "fracture of a long bone; from 9 points prophylactic fixation is advised, 8 is "
        "borderline.",
        "Il punteggio di Mirels (sede, dolore, tipo, dimensione) stima il rischio di frattura "
        "patologica di un osso lungo; da 9 punti si consiglia la fissazione profilattica, 8 è "
        "al limite.",
        MIRELS, "[S]", ("mirels_fixation_min",),
    ),
    Rule(
        "DS-CONSOLIDATION", "Need for consolidation", "finding",
        "A lesion needs consolidation (osteoplasty or osteosynthesis) when SINS or Mirels "
        "reach their thresholds, when it is lytic in a weight-bearing bone or when it has "
        "fractured.",
        "Una lesione richiede consolidamento (osteoplastica o osteosintesi) quando SINS o "
        "Mirels raggiungono la soglia, quando è litica in un osso portante o è fratturata.",
        f"{CAZZATO}; {FISHER}; {MIRELS}; weight-bearing rule: {LOCAL}", "[I]",
        ("sins_potentially_unstable_min", "mirels_fixation_min"),
    ),
    Rule(
        "DS-HYPERVASCULAR", "Hypervascular lesion", "finding",
        "Imaging (DCE-MRI perfusion or angiography) decides first; without it, a typically "
        "hypervascular histology (renal cell, thyroid, ...) presumes it. Embolization reduces "
        "blood loss only where the lesion is hypervascular.",
        "Decide prima l'imaging (perfusione RM-DCE o angiografia); in sua assenza, "
        "un'istologia tipicamente ipervascolare (rene, tiroide, ...) la fa presumere. "
        "L'embolizzazione riduce le perdite ematiche solo se la lesione è ipervascolare.",
        f"{GONG}; {CLAUSEN}; histology list: {LOCAL}", "[S]",
    ),
    Rule(
        "DS-EMBOLIZATION", "Arterial embolization", "finding",
        "Embolization is a candidate for a hypervascular lesion or one extending into the "
        "spinal canal or the soft tissues; it has no size limit and can be repeated. It is not "
        "feasible when the artery of Adamkiewicz arises in the field.",
        "L'embolizzazione è candidabile per una lesione ipervascolare o estesa al canale "
        "vertebrale o ai tessuti molli; non ha limiti di dimensione e si può ripetere. Non è "
        "fattibile se l'arteria di Adamkiewicz origina nel campo.",
        f"{ROSSI}; {FACCHINI}; {CAZZATO}", "[S]",
    ),
    Rule(
        "DS-VERTEBROPLASTY", "Vertebroplasty safety", "finding",
        "Absolute contraindications (infection, uncorrectable coagulopathy, PMMA allergy, "
        "asymptomatic lesion, cord compression or myelopathy) remove vertebroplasty; relative "
        "ones and high-risk features (vertebra plana, posterior wall) are flagged.",
        "Le controindicazioni assolute (infezione, coagulopatia non correggibile, allergia al "
        "PMMA, lesione asintomatica, compressione midollare o mielopatia) escludono la "
        "vertebroplastica; quelle relative e i fattori di rischio (vertebra plana, muro "
        "posteriore) vengono segnalati.",
        f"{CIRSE_VA}; list: {LOCAL}", "[G]",
    ),
    Rule(
        "DS-MSCC", "MSCC emergency pathway", "finding",
        "Suspected metastatic spinal cord compression (neurological deficit, high-grade "
        "epidural compression or an emergency referral) is an oncological emergency: "
        "whole-spine MRI within 24 h (R9), expert advice within 24 h (R12) and, when not for "
        "surgery, radiotherapy within 24 h of the decision (R10).",
        "La sospetta compressione midollare metastatica (deficit neurologico, compressione "
        "epidurale di alto grado o invio in emergenza) è un'emergenza oncologica: RM "
        "dell'intero rachide entro 24 h (R9), parere esperto entro 24 h (R12) e, se non "
        "operabile, radioterapia entro 24 h dalla decisione (R10).",
        NICE_MSCC, "[G]", ("mscc_bilsky_min", "mscc_mri_hours", "mscc_rt_hours",
                           "mscc_expert_advice_hours"),
    ),
    Rule(
        "DS-MSCC-SURGERY", "Surgery for cord compression", "suggestion",
        "Cord compression with a neurological deficit: decompression with stabilisation, "
        "then radiotherapy, gives better function than radiotherapy alone in patients fit "
        "for surgery.",
        "Compressione midollare con deficit neurologico: decompressione e stabilizzazione, "
        "seguite da radioterapia, danno un esito funzionale migliore della sola radioterapia "
        "nei pazienti operabili.",
        f"{PATCHELL}; {NICE_MSCC}", "[S]",
    ),
    Rule(
        "DS-MSCC-NO-ABLATION", "No ablation or cement with cord compression and deficit",
        "exclusion",
        "Cord compression with a neurological deficit is an absolute contraindication to "
        "percutaneous ablation and vertebroplasty: the patient belongs on the surgical or "
        "radiotherapy pathway.",
        "La compressione midollare con deficit neurologico è una controindicazione assoluta "
        "all'ablazione percutanea e alla vertebroplastica: il paziente va nel percorso "
        "chirurgico o radioterapico.",
        f"{CIRSE_VA}; {NICE_MSCC}", "[G]",
    ),
    Rule(
        "DS-BILSKY-HIGH", "High-grade epidural compression", "suggestion",
        "Epidural spinal cord compression of Bilsky grade 2 or 3 deforms the cord: discuss "
        "decompression or separation surgery before radiotherapy (NOMS).",
        "Una compressione epidurale di grado Bilsky 2 o 3 deforma il midollo: discutere "
        "decompressione o chirurgia di separazione prima della radioterapia (NOMS).",
        f"{BILSKY}; {NOMS}", "[G]", ("mscc_bilsky_min",),
    ),
    Rule(
        "DS-SINS-UNSTABLE", "Unstable spine (SINS)", "suggestion",
        "A SINS of 13 or more means an unstable spine: stabilisation surgery is indicated.",
        "Un SINS di 13 o più indica una colonna instabile: è indicata la chirurgia di "
        "stabilizzazione.",
        FISHER, "[G]", ("sins_unstable_min",),
    ),
    Rule(
        "DS-SINS-POTENTIAL", "Potentially unstable spine (SINS)", "suggestion",
        "A SINS of 7 to 12 means a potentially unstable spine: a spine surgeon's opinion is "
        "needed.",
        "Un SINS da 7 a 12 indica una colonna potenzialmente instabile: serve il parere del "
        "chirurgo vertebrale.",
        FISHER, "[G]", ("sins_potentially_unstable_min", "sins_unstable_min"),
    ),
    Rule(
        "DS-MIRELS-FIXATION", "Prophylactic fixation (Mirels)", "suggestion",
        "A Mirels score above the threshold (9 or more by default) predicts a high risk of "
        "pathological fracture: prophylactic fixation before radiotherapy.",
        "Un punteggio di Mirels sopra la soglia (9 o più di default) predice un alto rischio di "
        "frattura patologica: fissazione profilattica prima della radioterapia.",
        MIRELS, "[S]", ("mirels_fixation_min",),
    ),
    Rule(
        "DS-PREOP-EMBO", "Pre-operative embolization", "suggestion",
        "Embolizing a hypervascular lesion before surgery (decompression, stabilisation, "
        "resection or osteosynthesis) reduces blood loss, most when complete and when surgery "
        "follows the same day or the next; no benefit is shown for lesions that are not "
        "hypervascular.",
        "Embolizzare una lesione ipervascolare prima della chirurgia (decompressione, "
        "stabilizzazione, resezione o osteosintesi) riduce le perdite ematiche, soprattutto "
        "se completa e se l'intervento segue lo stesso giorno o il successivo; nessun "
        "beneficio è dimostrato per le lesioni non ipervascolari.",
        f"{KATO}; {LUKSANAPRUKSA}; {PAZIONIS}; {CLAUSEN}; {GONG}", "[S]",
    ),
    Rule(
        "DS-PREABLATION-EMBO", "Embolization before thermal ablation", "suggestion",
        "For a hypervascular lesion, embolization followed as soon as possible by thermal "
        "ablation reduces the heat-sink effect of blood flow and enlarges the ablation zone.",
        "Per una lesione ipervascolare, l'embolizzazione seguita il prima possibile "
        "dall'ablazione termica riduce l'effetto heat-sink del flusso ematico e amplia la zona "
        "di ablazione.",
        f"{CAZZATO} (combination therapies); {LEE_TAE_RFA}; timing: {LOCAL}", "[E]",
    ),
    Rule(
        "DS-HEAT-NEAR", "Heat-based ablation near neural or vascular structures", "exclusion",
        "Nerves and the spinal cord are very sensitive to heat: within the near-structure "
        "distance (10 mm by default) RFA, MWA and MRgFUS are excluded in every branch; "
        "electrochemotherapy, cryoablation with thermal protection or radiotherapy remain.",
        "Nervi e midollo spinale sono molto sensibili al calore: entro la distanza di "
        "vicinanza (10 mm di default) RFA, MWA e MRgFUS sono escluse in ogni ramo; restano "
        "l'elettrochemioterapia, la crioablazione con protezione termica o la radioterapia.",
        f"{FILIPPIADIS}; {CIRSE_ABLATION}; {CAZZATO}; threshold: {LOCAL}", "[G]",
        ("near_structure_mm",),
    ),
    Rule(
        "DS-CAZZATO", "Management flowchart (Cazzato 2019)", "finding",
        "The ICoMSKR/ICIR flowchart: oligometastatic disease is treated locally with curative "
        "intent, plurimetastatic disease palliatively by need (consolidation, pain, size "
        "reduction), radiotherapy and embolization combinable throughout.",
        "Il diagramma ICoMSKR/ICIR: la malattia oligometastatica si tratta localmente con "
        "intento curativo, quella plurimetastatica in modo palliativo secondo il bisogno "
        "(consolidamento, dolore, riduzione di volume), con radioterapia ed embolizzazione "
        "sempre combinabili.",
        CAZZATO, "[G]",
    ),
    Rule(
        "DS-CAZZATO-CURATIVE-NEAR", "Curative ablation near a structure", "suggestion",
        "Oligometastatic lesion very close to a neural or vascular structure: "
        "electrochemotherapy or cryoablation (with thermal protection).",
        "Lesione oligometastatica molto vicina a una struttura nervosa o vascolare: "
        "elettrochemioterapia o crioablazione (con protezione termica).",
        f"{CAZZATO}; {FILIPPIADIS}", "[G]", ("near_structure_mm",),
    ),
    Rule(
        "DS-CAZZATO-CURATIVE-SMALL", "Curative ablation, small lesion", "suggestion",
        "Small oligometastatic lesion away from neural and vascular structures: "
        "radiofrequency ablation, curative up to about 3 cm.",
        "Piccola lesione oligometastatica lontana da strutture nervose e vascolari: ablazione "
        "con radiofrequenza, curativa fino a circa 3 cm.",
        f"{CAZZATO}; {FILIPPIADIS}", "[G]", ("small_lesion_mm", "near_structure_mm"),
    ),
    Rule(
        "DS-CAZZATO-CURATIVE-BIG", "Curative ablation, big lesion", "suggestion",
        "Bigger oligometastatic lesion away from neural and vascular structures: microwave "
        "ablation or cryoablation.",
        "Lesione oligometastatica più grande lontana da strutture nervose e vascolari: "
        "ablazione con microonde o crioablazione.",
        CAZZATO, "[G]", ("small_lesion_mm", "near_structure_mm"),
    ),
    Rule(
        "DS-ABLATION-CEMENT", "Ablation with cementoplasty", "suggestion",
        "When consolidation is needed, cementoplasty follows the ablation in the same session "
        "(R5), because ablation can weaken the bone further.",
        "Se serve consolidamento, la cementoplastica segue l'ablazione nella stessa seduta "
        "(R5), perché l'ablazione può indebolire ulteriormente l'osso.",
        f"{CAZZATO}; {FILIPPIADIS}", "[G]",
    ),
    Rule(
        "DS-CAZZATO-CONSOLIDATION", "Palliative consolidation", "suggestion",
        "Plurimetastatic lesion that needs consolidation: osteoplasty (vertebroplasty, "
        "cementoplasty) or osteosynthesis (e.g. percutaneous screws).",
        "Lesione plurimetastatica che richiede consolidamento: osteoplastica (vertebroplastica, "
        "cementoplastica) o osteosintesi (es. viti percutanee).",
        CAZZATO, "[G]",
    ),
    Rule(
        "DS-CAZZATO-PAIN", "Palliative pain management", "suggestion",
        "Plurimetastatic painful lesion that needs no consolidation: thermal ablation or "
        "electrochemotherapy, subject to DS-HEAT-NEAR and DS-MSCC-NO-ABLATION.",
        "Lesione plurimetastatica dolorosa che non richiede consolidamento: termoablazione o "
        "elettrochemioterapia, nei limiti di DS-HEAT-NEAR e DS-MSCC-NO-ABLATION.",
        f"{CAZZATO}; pain threshold: {LOCAL}", "[G]", ("pain_vas_min",),
    ),
    Rule(
        "DS-CAZZATO-SIZE-REDUCTION", "Palliative embolization", "suggestion",
        "Plurimetastatic lesion needing size reduction (extension into the spinal canal or "
        "the soft tissues, or hypervascular): arterial embolization.",
        "Lesione plurimetastatica da ridurre di volume (estesa nel canale vertebrale o nei "
        "tessuti molli, o ipervascolare): embolizzazione arteriosa.",
        f"{CAZZATO}; {FACCHINI}; {ROSSI}", "[G]",
    ),
    Rule(
        "DS-CAZZATO-RT", "Radiotherapy", "suggestion",
        "Radiotherapy is combinable with every branch; palliative schedules 8 Gy × 1, 20 Gy/5, "
        "24 Gy/6 or 30 Gy/10 relieve pain equally (R17).",
        "La radioterapia è combinabile con ogni ramo; gli schemi palliativi 8 Gy × 1, 20 Gy/5, "
        "24 Gy/6 o 30 Gy/10 danno lo stesso sollievo dal dolore (R17).",
        f"{CAZZATO}; {LUTZ}", "[G]",
    ),
)

RULES: dict[str, Rule] = {rule.rule_id: rule for rule in _RULES}


def finding(rule_id: str, result: Any, messages: Sequence[Message]) -> Finding:
    """A Finding of ``rule_id``: title, source and evidence from the catalogue, the rationale
    rendered in English from ``messages`` (kept for translation)."""
    rule = RULES[rule_id]
    return Finding(
        rule_id=rule_id, title=rule.title, result=result,
        rationale=render_all(messages), source=rule.source, evidence=rule.evidence,
        rationale_i18n=tuple(messages),
    )


def suggestion(
    rule_id: str, procedure_type: str, intent: str, messages: Sequence[Message], *,
    key: str, purpose: str = "", prepares: str = "",
) -> Suggestion:
    """A Suggestion of ``rule_id`` (source and evidence from the catalogue). An embolization
    keeps ``embolization_purpose`` equal to ``purpose`` (transition alias)."""
    rule = RULES[rule_id]
    return Suggestion(
        procedure_type=procedure_type, intent=intent, rule_id=rule_id,
        rationale=render_all(messages), source=rule.source, evidence=rule.evidence,
        embolization_purpose=purpose if procedure_type == "embolization" else "",
        key=key, purpose=purpose, prepares=prepares, rationale_i18n=tuple(messages),
    )
