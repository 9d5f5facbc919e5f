"""Translatable labels of the coded vocabularies (cases.domain.codes), for pages, documents and
notifications alike.

Generated from the enums' English labels so that makemessages finds every string; the domain
keeps plain English (it imports no Django). ``code_label`` falls back to the English label for
a code added later, so a missing translation never breaks a page.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.domain import codes
from cases.domain.texts import render_all

LABELS: dict[str, dict[str, Promise]] = {
    "Urgency": {
        'routine': _('Routine'),
        'urgent': _('Urgent'),
        'emergency': _('Emergency'),
    },
    "Sex": {
        'female': _('Female'),
        'male': _('Male'),
        'other': _('Other'),
        'unknown': _('Unknown'),
    },
    "Histology": {
        'renal_cell': _('Renal cell carcinoma'),
        'thyroid_follicular': _('Thyroid carcinoma (follicular)'),
        'thyroid_other': _('Thyroid carcinoma (other)'),
        'hepatocellular': _('Hepatocellular carcinoma'),
        'neuroendocrine': _('Neuroendocrine tumour'),
        'melanoma': _('Melanoma'),
        'leiomyosarcoma': _('Leiomyosarcoma'),
        'haemangiopericytoma': _('Haemangiopericytoma'),
        'giant_cell_tumour': _('Giant-cell tumour'),
        'aggressive_haemangioma': _('Aggressive haemangioma'),
        'multiple_myeloma': _('Multiple myeloma'),
        'plasmacytoma': _('Plasmacytoma'),
        'prostate': _('Prostate'),
        'breast': _('Breast'),
        'lung': _('Lung'),
        'gastrointestinal': _('Gastrointestinal'),
        'osteosarcoma': _('Osteosarcoma'),
        'chondrosarcoma': _('Chondrosarcoma'),
        'ewing_sarcoma': _('Ewing sarcoma'),
        'other_sarcoma': _('Other sarcoma'),
        'other': _('Other'),
        'unknown_primary': _('Unknown primary'),
    },
    "SkeletalSite": {
        'vertebra': _('Vertebra'),
        'sacrum': _('Sacrum'),
        'pelvis': _('Pelvis'),
        'long_bone_upper': _('Long bone, upper limb'),
        'long_bone_lower': _('Long bone, lower limb'),
        'rib': _('Rib'),
        'skull': _('Skull'),
        'other': _('Other'),
    },
    "LesionPattern": {
        'lytic': _('Lytic'),
        'blastic': _('Blastic'),
        'mixed': _('Mixed'),
    },
    "Vascularity": {
        'hyper': _('Hyper'),
        'hypo': _('Hypo'),
        'not_assessed': _('Not assessed'),
    },
    "VascularityMethod": {
        'dce_mri': _('DCE-MRI'),
        'angiography': _('Angiography'),
        'ct_perfusion': _('CT perfusion'),
        'none': _('None'),
    },
    "ProcedureType": {
        'radiotherapy': _('Radiotherapy'),
        'embolization': _('Embolization'),
        'rfa': _('Radiofrequency ablation (RFA)'),
        'mwa': _('Microwave ablation (MWA)'),
        'cryoablation': _('Cryoablation'),
        'ect': _('Electrochemotherapy (ECT)'),
        'mrgfus': _('MR-guided focused ultrasound (MRgFUS)'),
        'vertebroplasty': _('Vertebroplasty / cementoplasty'),
        'osteosynthesis': _('Osteosynthesis'),
        'surgery': _('Surgery'),
        'follow_up_ct': _('Follow-up CT'),
        'follow_up_mri': _('Follow-up MRI'),
        'mri_whole_spine': _('MRI whole spine'),
    },
    "EmbolizationPurpose": {
        'pre_operative': _('Pre-operative'),
        'palliative': _('Palliative'),
        'curative': _('Curative'),
        'adjuvant': _('Adjuvant'),
    },
    "ProcedurePurpose": {
        'pre_operative': _('Pre-operative'),
        'pre_ablation': _('Pre-ablation'),
        'palliative': _('Palliative'),
        'curative': _('Curative'),
        'post_operative': _('Post-operative'),
    },
    "Intent": {
        'curative': _('Curative'),
        'palliative': _('Palliative'),
        'diagnostic': _('Diagnostic'),
        'follow_up': _('Follow-up'),
    },
    "CaseStatus": {
        'submitted': _('Submitted'),
        'ready_for_mdt': _('Ready for MDT'),
        'listed': _('Listed'),
        'discussed': _('Discussed'),
        'plan_scheduled': _('Plan scheduled'),
        'in_treatment': _('In treatment'),
        'follow_up': _('Follow-up'),
        'closed': _('Closed'),
    },
    "BilskyGrade": {
        '0': _('0'),
        '1a': _('1a'),
        '1b': _('1b'),
        '1c': _('1c'),
        '2': _('2'),
        '3': _('3'),
    },
    "SinsLocation": {
        'junctional': _('Junctional'),
        'mobile': _('Mobile'),
        'semi_rigid': _('Semi rigid'),
        'rigid': _('Rigid'),
    },
    "SinsPain": {
        'mechanical': _('Mechanical'),
        'occasional': _('Occasional'),
        'pain_free': _('Pain free'),
    },
    "SinsAlignment": {
        'subluxation': _('Subluxation'),
        'de_novo_deformity': _('De novo deformity'),
        'normal': _('Normal'),
    },
    "SinsCollapse": {
        'over_50': _('Over 50'),
        'under_50': _('Under 50'),
        'none_over_50_involved': _('None over 50 involved'),
        'none': _('None'),
    },
    "SinsPosterolateral": {
        'bilateral': _('Bilateral'),
        'unilateral': _('Unilateral'),
        'none': _('None'),
    },
    "MirelsSite": {
        'upper_limb': _('Upper limb'),
        'lower_limb': _('Lower limb'),
        'peritrochanteric': _('Peritrochanteric'),
    },
    "MirelsPain": {
        'mild': _('Mild'),
        'moderate': _('Moderate'),
        'functional': _('Functional'),
    },
    "MirelsSize": {
        'under_third': _('Under third'),
        'third_to_two_thirds': _('Third to two thirds'),
        'over_two_thirds': _('Over two thirds'),
    },
}


def code_label(vocabulary: str, value: str) -> str:
    """The translated label of ``value`` in ``vocabulary`` (an enum name of cases.domain.codes)."""
    if not value:
        return ""
    label = LABELS.get(vocabulary, {}).get(value)
    if label is not None:
        return str(label)
    enum = getattr(codes, vocabulary, None)
    try:
        return enum(value).label if enum is not None else value
    except ValueError:
        return value


# Categories and flags of a finding's result (cases/domain/scores.py, vascularity.py, ...).
RESULT_LABELS: dict[str, Promise] = {
    "stable": _("stable"),
    "potentially_unstable": _("potentially unstable"),
    "unstable": _("unstable"),
    "incomplete": _("incomplete"),
    "low_risk": _("low risk"),
    "borderline": _("borderline"),
    "high_risk": _("high risk"),
    "hypervascular": _("hypervascular"),
    "prophylactic_fixation": _("prophylactic fixation"),
    "imaging_advised": _("imaging advised"),
    "feasible": _("feasible"),
    "preop_recommended": _("pre-operative embolization recommended"),
    "needed": _("needed"),
    "allowed": _("allowed"),
    "emergency": _("emergency"),
}


def result_label(key: str) -> str:
    """A finding's category or flag in the active language (plain words for an unknown one)."""
    label = RESULT_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ")


def finding_summary(finding: dict[str, Any]) -> str:
    """A finding's result in a few words: 'SINS 9 (potentially unstable)' reads '9 (…)'."""
    result = finding.get("result")
    if isinstance(result, dict):
        if result.get("score") is not None:
            category = str(result.get("category", ""))
            return f"{result['score']} ({result_label(category)})" if category else str(
                result["score"])
        if result.get("category") == "incomplete":
            return result_label("incomplete")
        flags = [result_label(key) for key, value in result.items() if value is True]
        return ", ".join(flags) if flags else "—"
    return str(result)


def lesion_label(lesion: Any) -> str:
    """A short label of a lesion in the active language, e.g. 'T12 vertebra, 35 mm' /
    'vertebra T12, 35 mm' (no patient data); the domain's label (cases/domain/facts.py) is the
    English one the API and the snapshots keep."""
    level = getattr(lesion, "vertebral_level", "") or ""
    if level:
        where = str(_("%(level)s vertebra") % {"level": level})
    else:
        where = code_label("SkeletalSite", getattr(lesion, "site", "") or "")
    detail = getattr(lesion, "site_detail", "") or ""
    if detail:
        where = f"{where} ({detail})"
    size = getattr(lesion, "max_diameter_mm", None)
    return f"{where}, {size} mm" if size is not None else where


def choices(vocabulary: str, *, blank: str | None = None) -> list[tuple[str, str]]:
    """Translated (value, label) choices, optionally preceded by a blank option."""
    items: list[tuple[str, str]] = [(v, str(label)) for v, label in LABELS[vocabulary].items()]
    return ([("", blank)] if blank is not None else []) + items


# Titles of the decision-support rules (cases/domain/rulebook.py), by rule id. The rationales
# are translated from their message keys (cases/domain/texts.py), not here.
RULE_TITLES: dict[str, Promise] = {
    "DS-EXTENT": _("Disease extent"),
    "DS-SINS": _("Spinal instability (SINS)"),
    "DS-MIRELS": _("Fracture risk (Mirels)"),
    "DS-CONSOLIDATION": _("Need for consolidation"),
    "DS-HYPERVASCULAR": _("Hypervascular lesion"),
    "DS-EMBOLIZATION": _("Arterial embolization"),
    "DS-VERTEBROPLASTY": _("Vertebroplasty safety"),
    "DS-MSCC": _("MSCC emergency pathway"),
    "DS-MSCC-SURGERY": _("Surgery for cord compression"),
    "DS-MSCC-NO-ABLATION": _("No ablation or cement with cord compression and deficit"),
    "DS-BILSKY-HIGH": _("High-grade epidural compression"),
    "DS-SINS-UNSTABLE": _("Unstable spine (SINS)"),
    "DS-SINS-POTENTIAL": _("Potentially unstable spine (SINS)"),
    "DS-MIRELS-FIXATION": _("Prophylactic fixation (Mirels)"),
    "DS-PREOP-EMBO": _("Pre-operative embolization"),
    "DS-PREABLATION-EMBO": _("Embolization before thermal ablation"),
    "DS-HEAT-NEAR": _("Heat-based ablation near neural or vascular structures"),
    "DS-CAZZATO": _("Management flowchart (Cazzato 2019)"),
    "DS-CAZZATO-CURATIVE-NEAR": _("Curative ablation near a structure"),
    "DS-CAZZATO-CURATIVE-SMALL": _("Curative ablation, small lesion"),
    "DS-CAZZATO-CURATIVE-BIG": _("Curative ablation, big lesion"),
    "DS-ABLATION-CEMENT": _("Ablation with cementoplasty"),
    "DS-CAZZATO-CONSOLIDATION": _("Palliative consolidation"),
    "DS-CAZZATO-PAIN": _("Palliative pain management"),
    "DS-CAZZATO-SIZE-REDUCTION": _("Palliative embolization"),
    "DS-CAZZATO-RT": _("Radiotherapy"),
}


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def _localized(item: dict[str, Any], lang: str) -> dict[str, Any]:
    """A copy of one finding or suggestion with its title and rationale in ``lang``.

    Items stored before rationales carried message keys (old decision snapshots) keep their
    English rationale; a title with no translation keeps the English one.
    """
    out = dict(item)
    title = RULE_TITLES.get(str(item.get("rule_id", "")))
    if "title" in item and title is not None:
        out["title"] = str(title)
    messages = item.get("rationale_i18n")
    if lang != "en" and messages:
        text = render_all(messages, lang, code_label)
        if text:
            out["rationale"] = text
    return out


def support_localized(support: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    """Decision support (cases.selectors.case_decision_support) with every finding title and
    every finding and suggestion rationale in the active language (or ``lang``).

    The API and the stored snapshots stay in English; only what a page shows is translated.
    """
    lang = lang or _language()
    return {
        **support,
        "case": [_localized(f, lang) for f in support.get("case", []) or []],
        "lesions": [
            {
                **item,
                "findings": [_localized(f, lang) for f in item.get("findings", []) or []],
                "suggestions": [_localized(s, lang) for s in item.get("suggestions", []) or []],
            }
            for item in support.get("lesions", []) or []
        ],
    }
