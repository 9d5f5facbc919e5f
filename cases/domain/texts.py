"""Bilingual (English / Italian) rationale templates for decision support, Django-free.

A rationale is built as a list of *messages*, each ``{"key": ..., "params": {...}}`` in plain
JSON, so that it can be stored (decision snapshots), sent over the API and rendered again in
another language by the web pages (cases/labels.py). The domain renders the English text
eagerly into ``Finding.rationale`` / ``Suggestion.rationale``; ``rationale_i18n`` keeps the
messages.

A parameter is a scalar (str, int, float), another message, a coded value
``{"code": "Histology", "value": "renal_cell"}`` (labelled by the caller's ``code_label``, so the
pages show the translated label), a list of those, joined with ", ", or
``{"items": [...], "sep": "; "}`` for another separator.

Adding a message: give it both an "en" and an "it" template with the same placeholders;
tests/cases/domain/test_rulebook.py checks that they match.

Why one module over 500 lines: most of it is the message table itself (data, one entry per
rationale sentence in both languages); splitting it would separate the English and Italian
texts a translator reviews side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from string import Formatter
from typing import Any

from . import codes

Message = dict[str, Any]
CodeLabel = Callable[[str, str], str]

LANGUAGES = ("en", "it")

# key → {"en": template, "it": template}. Placeholders use str.format syntax.
TEMPLATES: dict[str, dict[str, str]] = {
    # --- disease extent (DS-EXTENT) ---------------------------------------------------------
    "extent.oligo": {
        "en": "{count} known metastases (≤ {limit}): oligometastatic; local treatment with "
              "curative intent.",
        "it": "{count} metastasi note (≤ {limit}): malattia oligometastatica; trattamento "
              "locale con intento curativo.",
    },
    "extent.pluri": {
        "en": "{count} known metastases (> {limit}): plurimetastatic; palliative intent, "
              "treatments combined by need.",
        "it": "{count} metastasi note (> {limit}): malattia plurimetastatica; intento "
              "palliativo, trattamenti combinati secondo il bisogno.",
    },
    # --- SINS (DS-SINS) ---------------------------------------------------------------------
    "sins.incomplete": {
        "en": "SINS cannot be scored: record {missing}.",
        "it": "SINS non calcolabile: registrare {missing}.",
    },
    "sins.stable": {
        "en": "SINS {score} (below {low}): stable spine.",
        "it": "SINS {score} (sotto {low}): colonna stabile.",
    },
    "sins.potentially_unstable": {
        "en": "SINS {score} ({low}-{high}): potentially unstable; surgical opinion and "
              "consolidation should be considered.",
        "it": "SINS {score} ({low}-{high}): potenzialmente instabile; valutare il parere del "
              "chirurgo e il consolidamento.",
    },
    "sins.unstable": {
        "en": "SINS {score} ({low} or more): unstable; surgical opinion needed.",
        "it": "SINS {score} ({low} o più): instabile; serve il parere del chirurgo.",
    },
    # --- Mirels (DS-MIRELS) -----------------------------------------------------------------
    "mirels.incomplete": {
        "en": "Mirels cannot be scored: record {missing}.",
        "it": "Mirels non calcolabile: registrare {missing}.",
    },
    "mirels.low_risk": {
        "en": "Mirels {score} (below {threshold}): low fracture risk; radiotherapy without "
              "fixation is reasonable.",
        "it": "Mirels {score} (sotto {threshold}): basso rischio di frattura; è ragionevole la "
              "radioterapia senza fissazione.",
    },
    "mirels.borderline": {
        "en": "Mirels {score} (= {threshold}): borderline fracture risk; consider "
              "prophylactic fixation.",
        "it": "Mirels {score} (= {threshold}): rischio di frattura al limite; considerare la "
              "fissazione profilattica.",
    },
    "mirels.high_risk": {
        "en": "Mirels {score} (above {threshold}): high fracture risk; prophylactic fixation "
              "recommended.",
        "it": "Mirels {score} (sopra {threshold}): alto rischio di frattura; si raccomanda la "
              "fissazione profilattica.",
    },
    # --- consolidation (DS-CONSOLIDATION) ---------------------------------------------------
    "consolidation.needed": {
        "en": "Consolidation needed: {reasons}.",
        "it": "Consolidamento necessario: {reasons}.",
    },
    "consolidation.none": {
        "en": "No sign of a need for consolidation (SINS, Mirels, weight-bearing lytic lesion, "
              "fracture).",
        "it": "Nessun segno di necessità di consolidamento (SINS, Mirels, lesione litica in osso "
              "portante, frattura).",
    },
    "reason.sins": {"en": "SINS {score} ≥ {min}", "it": "SINS {score} ≥ {min}"},
    "reason.mirels": {"en": "Mirels {score} ≥ {min}", "it": "Mirels {score} ≥ {min}"},
    "reason.lytic_weight_bearing": {
        "en": "lytic lesion in a weight-bearing bone",
        "it": "lesione litica in un osso portante",
    },
    "reason.pathological_fracture": {
        "en": "pathological fracture", "it": "frattura patologica",
    },
    # --- vascularity (DS-HYPERVASCULAR) -----------------------------------------------------
    "hyper.imaging": {
        "en": "Hypervascular on imaging (DCE-MRI or angiography), whatever the histology.",
        "it": "Ipervascolare all'imaging (RM-DCE o angiografia), qualunque sia l'istologia.",
    },
    "hyper.imaging_refuted": {
        "en": "Not hypervascular on imaging (DCE-MRI or angiography).",
        "it": "Non ipervascolare all'imaging (RM-DCE o angiografia).",
    },
    "hyper.imaging_overrides": {
        "en": "Imaging overrides the usually hypervascular histology ({histology}).",
        "it": "L'imaging prevale sull'istologia di solito ipervascolare ({histology}).",
    },
    "hyper.histology": {
        "en": "Presumed hypervascular from the histology ({histology}); vascularity not "
              "assessed on imaging.",
        "it": "Presunta ipervascolare per l'istologia ({histology}); vascolarizzazione non "
              "valutata all'imaging.",
    },
    "hyper.variable": {
        "en": "Vascularity of this histology varies.",
        "it": "La vascolarizzazione di questa istologia è variabile.",
    },
    "hyper.confirm": {
        "en": "Confirm with DCE-MRI perfusion or angiography.",
        "it": "Confermare con perfusione RM-DCE o angiografia.",
    },
    "hyper.none": {
        "en": "Not presumed hypervascular: the histology ({histology}) is not typically "
              "hypervascular and vascularity was not assessed on imaging.",
        "it": "Non presunta ipervascolare: l'istologia ({histology}) non è tipicamente "
              "ipervascolare e la vascolarizzazione non è stata valutata all'imaging.",
    },
    "hyper.dce_advised": {
        "en": "Its vascularity varies: DCE-MRI is advised.",
        "it": "La sua vascolarizzazione è variabile: si consiglia la RM-DCE.",
    },
    # --- embolization (DS-EMBOLIZATION) -----------------------------------------------------
    "embo.not_feasible": {
        "en": "Not feasible: the artery of Adamkiewicz arises in the target field. Re-discuss "
              "at the MDT.",
        "it": "Non fattibile: l'arteria di Adamkiewicz origina nel campo da embolizzare. "
              "Ridiscutere in riunione multidisciplinare.",
    },
    "embo.candidate": {
        "en": "Candidate for embolization ({indications}).",
        "it": "Candidata all'embolizzazione ({indications}).",
    },
    "embo.no_indication": {
        "en": "No indication for embolization (not hypervascular, no canal or soft-tissue "
              "extension).",
        "it": "Nessuna indicazione all'embolizzazione (non ipervascolare, nessuna estensione "
              "nel canale o nei tessuti molli).",
    },
    "embo.preop_recommended": {
        "en": "Pre-operative embolization recommended before any surgery on this lesion.",
        "it": "Embolizzazione pre-operatoria raccomandata prima di qualsiasi intervento "
              "chirurgico su questa lesione.",
    },
    "embo.preop_not_recommended": {
        "en": "Pre-operative embolization not recommended: the lesion is not hypervascular "
              "(no blood-loss benefit shown).",
        "it": "Embolizzazione pre-operatoria non raccomandata: la lesione non è ipervascolare "
              "(nessun beneficio dimostrato sulle perdite ematiche).",
    },
    "embo.predictors": {
        "en": "Predictors of success: {predictors}.",
        "it": "Predittori di successo: {predictors}.",
    },
    "embo.no_size_limit": {
        "en": "No size limit for palliative use; repeatable (R7). TACE is not a default option.",
        "it": "Nessun limite di dimensione per l'uso palliativo; ripetibile (R7). La TACE non è "
              "un'opzione predefinita.",
    },
    "indication.hypervascular": {"en": "hypervascular", "it": "ipervascolare"},
    "indication.canal_extension": {
        "en": "extension into the spinal canal", "it": "estensione nel canale vertebrale",
    },
    "indication.soft_tissue_extension": {
        "en": "soft-tissue extension", "it": "estensione ai tessuti molli",
    },
    "predictor.lytic": {"en": "lytic lesion", "it": "lesione litica"},
    "predictor.rapid_growth": {"en": "rapid growth", "it": "crescita rapida"},
    "predictor.pathological_fracture": {
        "en": "pathological fracture", "it": "frattura patologica",
    },
    "predictor.intense_enhancement": {
        "en": "intense contrast enhancement", "it": "intenso enhancement dopo contrasto",
    },
    # --- vertebroplasty (DS-VERTEBROPLASTY) -------------------------------------------------
    "vp.contraindicated": {
        "en": "Vertebroplasty contraindicated: {reasons}.",
        "it": "Vertebroplastica controindicata: {reasons}.",
    },
    "vp.refer": {
        "en": "Refer to the surgical / radiotherapy pathway.",
        "it": "Indirizzare al percorso chirurgico / radioterapico.",
    },
    "vp.no_absolute": {
        "en": "No absolute contraindication to vertebroplasty.",
        "it": "Nessuna controindicazione assoluta alla vertebroplastica.",
    },
    "vp.relative": {
        "en": "Relative contraindications: {reasons}.",
        "it": "Controindicazioni relative: {reasons}.",
    },
    "vp.high_risk": {
        "en": "High risk of cement leakage: needs an experienced operator, CT guidance, a "
              "longer slot and MDT confirmation (not an exclusion).",
        "it": "Alto rischio di fuoriuscita di cemento: servono un operatore esperto, la guida "
              "TC, uno slot più lungo e la conferma multidisciplinare (non è un'esclusione).",
    },
    "vp.abs.active_infection": {
        "en": "local or systemic infection", "it": "infezione locale o sistemica",
    },
    "vp.abs.uncorrectable_coagulopathy": {
        "en": "uncorrectable coagulopathy", "it": "coagulopatia non correggibile",
    },
    "vp.abs.pmma_allergy": {"en": "PMMA allergy", "it": "allergia al PMMA"},
    "vp.abs.asymptomatic": {"en": "asymptomatic lesion", "it": "lesione asintomatica"},
    "vp.abs.cord_compression": {
        "en": "cord compression or myelopathy (surgical/RT pathway)",
        "it": "compressione midollare o mielopatia (percorso chirurgico/radioterapico)",
    },
    "vp.rel.epidural_extension": {
        "en": "epidural extension without neurology",
        "it": "estensione epidurale senza deficit neurologico",
    },
    "vp.rel.posterior_wall": {
        "en": "posterior-wall involvement", "it": "coinvolgimento del muro posteriore",
    },
    "vp.rel.radicular_pain": {"en": "radicular pain", "it": "dolore radicolare"},
    "vp.rel.vertebra_plana": {"en": "vertebra plana", "it": "vertebra plana"},
    "vp.rel.blastic": {"en": "purely blastic lesion", "it": "lesione puramente addensante"},
    # --- MSCC (DS-MSCC) ---------------------------------------------------------------------
    "mscc.none": {
        "en": "No sign of metastatic spinal cord compression (no neurological deficit, no "
              "high-grade epidural compression, not flagged as an emergency).",
        "it": "Nessun segno di compressione midollare metastatica (nessun deficit neurologico, "
              "nessuna compressione epidurale di alto grado, non segnalato come emergenza).",
    },
    "mscc.suspected": {
        "en": "Suspected metastatic spinal cord compression ({reasons}):",
        "it": "Sospetta compressione midollare metastatica ({reasons}):",
    },
    "mscc.reason.urgency_emergency": {
        "en": "referred as an emergency", "it": "inviato come emergenza",
    },
    "mscc.reason.neurological_deficit": {
        "en": "neurological deficit", "it": "deficit neurologico",
    },
    "mscc.reason.high_grade_epidural": {
        "en": "epidural extension with Bilsky grade ≥ {grade}",
        "it": "estensione epidurale con grado di Bilsky ≥ {grade}",
    },
    "mscc.action.mri": {
        "en": "Whole-spine MRI within {hours} h of suspicion (R9).",
        "it": "RM dell'intero rachide entro {hours} h dal sospetto (R9).",
    },
    "mscc.action.rt": {
        "en": "If not for surgery, start radiotherapy within {hours} h of the decision to "
              "treat (R10).",
        "it": "Se non candidato alla chirurgia, iniziare la radioterapia entro {hours} h dalla "
              "decisione di trattare (R10).",
    },
    "mscc.action.advice": {
        "en": "Contact the MSCC coordinator now; expert advice within {hours} h (R12).",
        "it": "Contattare subito il coordinatore MSCC; parere esperto entro {hours} h (R12).",
    },
    "mscc.no_wait": {
        "en": "Do not wait for the weekly MDT.",
        "it": "Non attendere la riunione multidisciplinare settimanale.",
    },
    "mscc.mri_suggestion": {
        "en": "Suspected cord compression: whole-spine MRI within {hours} h (R9).",
        "it": "Sospetta compressione midollare: RM dell'intero rachide entro {hours} h (R9).",
    },
    # --- surgery triggers (DS-MSCC-SURGERY, DS-BILSKY-HIGH, DS-SINS-*) ----------------------
    "surgery.suggestion": {
        "en": "Surgical opinion: {triggers}.",
        "it": "Parere chirurgico: {triggers}.",
    },
    "surgery.trigger.mscc": {
        "en": "cord compression with neurological deficit, decompression and stabilisation "
              "if fit for surgery, otherwise urgent radiotherapy ({rule})",
        "it": "compressione midollare con deficit neurologico, decompressione e "
              "stabilizzazione se operabile, altrimenti radioterapia urgente ({rule})",
    },
    "surgery.trigger.bilsky": {
        "en": "high-grade epidural compression (Bilsky {grade}, ≥ {min}), decompression or "
              "separation surgery before radiotherapy ({rule})",
        "it": "compressione epidurale di alto grado (Bilsky {grade}, ≥ {min}), decompressione "
              "o chirurgia di separazione prima della radioterapia ({rule})",
    },
    "surgery.trigger.sins_unstable": {
        "en": "SINS {score} (≥ {min}), unstable spine, stabilisation surgery ({rule})",
        "it": "SINS {score} (≥ {min}), colonna instabile, chirurgia di stabilizzazione "
              "({rule})",
    },
    "surgery.trigger.sins_potential": {
        "en": "SINS {score} ({min}-{max}), potentially unstable spine, is stabilisation "
              "needed? ({rule})",
        "it": "SINS {score} ({min}-{max}), colonna potenzialmente instabile, serve una "
              "stabilizzazione? ({rule})",
    },
    "fixation.mirels": {
        "en": "Mirels {score} > {threshold}: high risk of pathological fracture; prophylactic "
              "fixation (osteosynthesis).",
        "it": "Mirels {score} > {threshold}: alto rischio di frattura patologica; fissazione "
              "profilattica (osteosintesi).",
    },
    # --- pre-operative and pre-ablation embolization ----------------------------------------
    "preop.suggestion": {
        "en": "Hypervascular lesion ({basis}): embolization {before}, to reduce blood loss; "
              "surgery the same day or the next, after complete embolization (R1, R2).",
        "it": "Lesione ipervascolare ({basis}): embolizzazione {before}, per ridurre le "
              "perdite ematiche; intervento lo stesso giorno o il giorno dopo, a "
              "embolizzazione completa (R1, R2).",
    },
    "preablation.suggestion": {
        "en": "Hypervascular lesion ({basis}): embolization {before}, then the ablation as "
              "soon as possible (same session or ≤ 24 h) to reduce the heat-sink effect (R3).",
        "it": "Lesione ipervascolare ({basis}): embolizzazione {before}, poi l'ablazione il "
              "prima possibile (stessa seduta o ≤ 24 h) per ridurre l'effetto heat-sink (R3).",
    },
    "before.surgery": {
        "en": "before the surgery it prepares",
        "it": "prima dell'intervento chirurgico che prepara",
    },
    "before.osteosynthesis": {
        "en": "before the osteosynthesis it prepares",
        "it": "prima dell'osteosintesi che prepara",
    },
    "before.rfa": {
        "en": "before the radiofrequency ablation",
        "it": "prima dell'ablazione con radiofrequenza",
    },
    "before.mwa": {
        "en": "before the microwave ablation", "it": "prima dell'ablazione con microonde",
    },
    "before.cryoablation": {
        "en": "before the cryoablation", "it": "prima della crioablazione",
    },
    "basis.imaging": {"en": "on imaging", "it": "all'imaging"},
    "basis.histology": {
        "en": "presumed from the histology; confirm on angiography",
        "it": "presunta dall'istologia; confermare all'angiografia",
    },
    # --- proximity and MSCC exclusions (DS-HEAT-NEAR, DS-MSCC-NO-ABLATION) -------------------
    "heat.excluded": {
        "en": "Heat-based ablation (RFA, MWA, MRgFUS) excluded: {where} (≤ {near} mm, "
              "near_structure_mm). Cryoablation only with thermal protection; "
              "electrochemotherapy or radiotherapy as alternatives.",
        "it": "Ablazione termica a caldo (RFA, MWA, MRgFUS) esclusa: {where} (≤ {near} mm, "
              "near_structure_mm). Crioablazione solo con protezione termica; "
              "elettrochemioterapia o radioterapia come alternative.",
    },
    "where.neural_spine": {
        "en": "{mm} mm from the spinal cord or a nerve root",
        "it": "a {mm} mm dal midollo spinale o da una radice nervosa",
    },
    "where.neural": {
        "en": "{mm} mm from a neural structure", "it": "a {mm} mm da una struttura nervosa",
    },
    "where.vascular": {
        "en": "{mm} mm from a vascular structure", "it": "a {mm} mm da una struttura vascolare",
    },
    "where.canal": {
        "en": "the tumour extends into the spinal canal, against the thecal sac",
        "it": "il tumore si estende nel canale vertebrale, a contatto con il sacco durale",
    },
    "removed": {
        "en": "Removed from the suggestions: {procedures}.",
        "it": "Rimosse dai suggerimenti: {procedures}.",
    },
    "mscc.no_ablation": {
        "en": "Cord compression with neurological deficit: ablation (RFA, MWA, cryoablation, "
              "ECT, MRgFUS) and vertebroplasty are excluded (absolute contraindication); "
              "surgical decompression and stabilisation, or urgent radiotherapy.",
        "it": "Compressione midollare con deficit neurologico: ablazione (RFA, MWA, "
              "crioablazione, ECT, MRgFUS) e vertebroplastica escluse (controindicazione "
              "assoluta); decompressione e stabilizzazione chirurgica, o radioterapia urgente.",
    },
    # --- Cazzato flowchart (DS-CAZZATO-*) ---------------------------------------------------
    "cz.curative.near": {
        "en": "Oligometastatic, {where} (≤ {near} mm): electrochemotherapy, or cryoablation "
              "with thermal protection of the structure (e.g. hydro- or CO2-dissection, "
              "temperature monitoring).",
        "it": "Oligometastatica, {where} (≤ {near} mm): elettrochemioterapia, o crioablazione "
              "con protezione termica della struttura (es. idro- o CO2-dissezione, "
              "monitoraggio della temperatura).",
    },
    "cz.curative.small": {
        "en": "Oligometastatic, small lesion ({size} mm ≤ {small} mm) away from neural and "
              "vascular structures: radiofrequency ablation.",
        "it": "Oligometastatica, lesione piccola ({size} mm ≤ {small} mm) lontana da strutture "
              "nervose e vascolari: ablazione con radiofrequenza.",
    },
    "cz.curative.big": {
        "en": "Oligometastatic, big lesion ({size} mm > {small} mm) away from neural and "
              "vascular structures: microwave ablation or cryoablation.",
        "it": "Oligometastatica, lesione grande ({size} mm > {small} mm) lontana da strutture "
              "nervose e vascolari: ablazione con microonde o crioablazione.",
    },
    "cz.distance_unknown": {
        "en": "Distance to neural and vascular structures not recorded; verify before choosing "
              "the ablation technique.",
        "it": "Distanza da strutture nervose e vascolari non registrata; verificarla prima di "
              "scegliere la tecnica di ablazione.",
    },
    "cz.cement": {
        "en": "Combination: cementoplasty in the same session as the ablation (R5), because "
              "consolidation is needed.",
        "it": "Combinazione: cementoplastica nella stessa seduta dell'ablazione (R5), perché "
              "serve un consolidamento.",
    },
    "cz.rt.curative": {
        "en": "Radiotherapy (e.g. spine SBRT) is a combinable option; if combined with "
              "embolization, the RT course ends first (R4).",
        "it": "La radioterapia (es. SBRT vertebrale) è un'opzione combinabile; se combinata "
              "con l'embolizzazione, il ciclo di RT termina prima (R4).",
    },
    "cz.rt.palliative": {
        "en": "Palliative radiotherapy is always a combinable option (8 Gy × 1, 20 Gy/5, "
              "24 Gy/6, 30 Gy/10; R17); before any embolization of this lesion (R4).",
        "it": "La radioterapia palliativa è sempre un'opzione combinabile (8 Gy × 1, 20 Gy/5, "
              "24 Gy/6, 30 Gy/10; R17); prima di qualsiasi embolizzazione di questa lesione "
              "(R4).",
    },
    "cz.rt.mscc": {
        "en": "If not for surgery, radiotherapy starts within {hours} h of the decision to "
              "treat (R10).",
        "it": "Se non candidato alla chirurgia, la radioterapia inizia entro {hours} h dalla "
              "decisione di trattare (R10).",
    },
    "cz.consolidation": {
        "en": "Plurimetastatic with a need for consolidation: osteoplasty or osteosynthesis.",
        "it": "Plurimetastatica con necessità di consolidamento: osteoplastica o osteosintesi.",
    },
    "cz.pain": {
        "en": "Plurimetastatic, painful lesion (VAS {vas}) without a need for consolidation: "
              "thermal ablation or electrochemotherapy.",
        "it": "Plurimetastatica, lesione dolorosa (VAS {vas}) senza necessità di "
              "consolidamento: termoablazione o elettrochemioterapia.",
    },
    "cz.pain.near_cryo": {
        "en": "Cryoablation only with thermal protection of the nearby structure.",
        "it": "Crioablazione solo con protezione termica della struttura vicina.",
    },
    "cz.size_reduction": {
        "en": "Plurimetastatic; tumour size reduction needed ({indications}): arterial "
              "embolization.",
        "it": "Plurimetastatica; serve una riduzione di volume del tumore ({indications}): "
              "embolizzazione arteriosa.",
    },
    "cz.summary": {
        "en": "{intent} intent ({branch}). Branches: {leaves}.",
        "it": "Intento {intent} ({branch}). Rami: {leaves}.",
    },
    "cz.summary.end": {
        "en": "Combine therapies according to the lesion and the therapeutic goal; the MDT "
              "decides.",
        "it": "Combinare le terapie secondo la lesione e l'obiettivo terapeutico; decide la "
              "riunione multidisciplinare.",
    },
    "cz.note.adamkiewicz": {
        "en": "Embolization left out: the artery of Adamkiewicz is in the field (re-discuss).",
        "it": "Embolizzazione esclusa: l'arteria di Adamkiewicz è nel campo (ridiscutere).",
    },
    "cz.note.vp": {
        "en": "Vertebroplasty left out: absolute contraindication (DS-VERTEBROPLASTY).",
        "it": "Vertebroplastica esclusa: controindicazione assoluta (DS-VERTEBROPLASTY).",
    },
    "intent.curative": {"en": "Curative", "it": "curativo"},
    "intent.palliative": {"en": "Palliative", "it": "palliativo"},
    "branch.oligometastatic": {"en": "oligometastatic", "it": "oligometastatica"},
    "branch.plurimetastatic": {"en": "plurimetastatic", "it": "plurimetastatica"},
    "leaf.none": {"en": "none beyond radiotherapy", "it": "nessuno oltre la radioterapia"},
    "leaf.near_structures": {"en": "near structures", "it": "vicino a strutture"},
    "leaf.small": {"en": "small", "it": "piccola"},
    "leaf.big": {"en": "big", "it": "grande"},
    "leaf.consolidation": {"en": "consolidation", "it": "consolidamento"},
    "leaf.pain": {"en": "pain", "it": "dolore"},
    "leaf.size_reduction": {"en": "size reduction", "it": "riduzione di volume"},
    "leaf.cord_compression": {"en": "cord compression", "it": "compressione midollare"},
}


def msg(key: str, **params: Any) -> Message:
    """A message (JSON form). Raises KeyError for an unknown key, so typos fail in tests."""
    if key not in TEMPLATES:
        raise KeyError(key)
    return {"key": key, "params": params}


def code(vocabulary: str, value: str) -> dict[str, str]:
    """A coded value as a parameter, labelled in the reader's language."""
    return {"code": vocabulary, "value": value}


def joined(items: Sequence[Any], sep: str) -> dict[str, Any]:
    """A list parameter joined with ``sep`` instead of ", "."""
    return {"items": list(items), "sep": sep}


def english_code_label(vocabulary: str, value: str) -> str:
    enum = getattr(codes, vocabulary, None)
    try:
        label: str = enum(value).label if enum is not None else value
    except ValueError:
        return value
    return label


def _param(value: Any, lang: str, code_label: CodeLabel) -> str:
    if isinstance(value, Mapping):
        if "key" in value:
            return render(value, lang, code_label)
        if "code" in value:
            return code_label(str(value["code"]), str(value.get("value", "")))
        if "items" in value:
            return str(value.get("sep", ", ")).join(
                _param(item, lang, code_label) for item in value["items"])
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(_param(item, lang, code_label) for item in value)
    return str(value)


def render(message: Mapping[str, Any], lang: str = "en",
           code_label: CodeLabel = english_code_label) -> str:
    """One message in ``lang`` ("en" or "it"; anything else falls back to English).

    An unknown key (e.g. a message from a newer version stored in an old snapshot) renders as
    the empty string rather than failing, so a page never breaks on it.
    """
    templates = TEMPLATES.get(str(message.get("key", "")))
    if templates is None:
        return ""
    template = templates.get(lang) or templates["en"]
    params = message.get("params") or {}
    return template.format(**{name: _param(value, lang, code_label)
                              for name, value in params.items()})


def render_all(messages: Iterable[Mapping[str, Any]], lang: str = "en",
               code_label: CodeLabel = english_code_label) -> str:
    """Messages joined into one rationale, each a sentence (or a sentence fragment)."""
    return " ".join(part for part in (render(m, lang, code_label) for m in messages) if part)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}

