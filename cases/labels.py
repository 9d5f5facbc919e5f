"""Translatable labels of the coded vocabularies (cases.domain.codes), for pages, documents and
notifications alike.

Generated from the enums' English labels so that makemessages finds every string; the domain
keeps plain English (it imports no Django). ``code_label`` falls back to the English label for
a code added later, so a missing translation never breaks a page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import SimpleNamespace
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language, pgettext_lazy
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


# Readiness requirements (cases/domain/readiness.py), by code: the domain's English message
# worded again from ``Requirement.params`` in the active language.
REQUIREMENT_TEXTS: dict[str, Promise] = {
    "imaging_not_available": _("Relevant imaging is not available for review at the meeting."),
    # Translators: %(urgency)s is "urgent" or "emergency" (translated with the context
    # "urgency, in a sentence").
    "urgency_reason_missing": _("The case is marked %(urgency)s; give the clinical reason for "
                                "the urgency."),
    "no_lesions": _("The case has no lesions described."),
    # Translators: %(lesion)s is e.g. "Lesion 1 (T12 vertebra, 35 mm)"; %(missing)s the SINS
    # components not recorded, e.g. "pain, alignment".
    "sins_incomplete": _("%(lesion)s: spine lesion without the SINS components (%(missing)s)."),
    # Translators: %(lesion)s is e.g. "Lesion 2 (Long bone, lower limb, 40 mm)"; %(missing)s
    # the Mirels components not recorded, e.g. "pain, size".
    "mirels_incomplete": _("%(lesion)s: long-bone lesion without the Mirels components "
                           "(%(missing)s)."),
    # Translators: %(lesion)s is e.g. "Lesion 1 (T12 vertebra, 35 mm)".
    "bilsky_missing": _("%(lesion)s: epidural extension without a Bilsky grade."),
    # Translators: %(lesion)s is e.g. "Lesion 1 (T12 vertebra, 35 mm)".
    "vascularity_method_missing": _("%(lesion)s: vascularity is given without the imaging "
                                    "method (DCE-MRI or angiography)."),
}

# Translators: %(number)s is the lesion's number in the case (1, 2, ...), %(label)s its short
# label, e.g. "T12 vertebra, 35 mm".
LESION_NAME = _("Lesion %(number)s (%(label)s)")

# The components of the SINS and Mirels scores, as a requirement lists the missing ones.
SCORE_COMPONENTS: dict[str, Promise] = {
    "sins_location": pgettext_lazy("SINS component", "location"),
    "sins_pain": pgettext_lazy("SINS component", "pain"),
    "sins_alignment": pgettext_lazy("SINS component", "alignment"),
    "sins_collapse": pgettext_lazy("SINS component", "vertebral body collapse"),
    "sins_posterolateral": pgettext_lazy("SINS component", "posterolateral involvement"),
    "mirels_site": pgettext_lazy("Mirels component", "site"),
    "mirels_pain": pgettext_lazy("Mirels component", "pain"),
    "mirels_size": pgettext_lazy("Mirels component", "size"),
}

URGENCY_IN_SENTENCE: dict[str, Promise] = {
    "routine": pgettext_lazy("urgency, in a sentence", "routine"),
    "urgent": pgettext_lazy("urgency, in a sentence", "urgent"),
    "emergency": pgettext_lazy("urgency, in a sentence", "emergency"),
}

_LESION_CODES = ("sins_incomplete", "mirels_incomplete", "bilsky_missing",
                 "vascularity_method_missing")
# The parameters a requirement needs to be worded again; one stored without them (before
# Requirement.params existed) keeps its English message.
_REQUIRED_PARAMS: dict[str, tuple[str, ...]] = {
    "urgency_reason_missing": ("urgency",),
    "sins_incomplete": ("lesion_number", "missing"),
    "mirels_incomplete": ("lesion_number", "missing"),
    "bilsky_missing": ("lesion_number",),
    "vascularity_method_missing": ("lesion_number",),
}


def _requirement_lesion(params: Mapping[str, Any]) -> str:
    size = str(params.get("lesion_size_mm", "") or "")
    lesion = SimpleNamespace(vertebral_level=str(params.get("lesion_level", "") or ""),
                             site=str(params.get("lesion_site", "") or ""),
                             site_detail=str(params.get("lesion_detail", "") or ""),
                             max_diameter_mm=size or None)
    return str(LESION_NAME) % {"number": params["lesion_number"], "label": lesion_label(lesion)}


def _components(names: Any) -> str:
    items = names if isinstance(names, list | tuple) else [names]
    return ", ".join(str(SCORE_COMPONENTS.get(str(n), n)) for n in items)


def requirement_text(code: str, params: Mapping[str, Any] | None, fallback_message: str) -> str:
    """A readiness requirement (cases/domain/readiness.py) in the active language, worded from
    its code and parameters (``Requirement.params``). An unknown code (a newer version's), or
    one stored without the parameters it needs, gives ``fallback_message``: the stored English.
    """
    template = REQUIREMENT_TEXTS.get(code)
    params = params or {}
    if template is None or any(not params.get(name) for name in _REQUIRED_PARAMS.get(code, ())):
        return fallback_message
    values: dict[str, str] = {}
    try:
        if code == "urgency_reason_missing":
            urgency = str(params["urgency"])
            values["urgency"] = str(URGENCY_IN_SENTENCE.get(urgency, urgency))
        if code in _LESION_CODES:
            values["lesion"] = _requirement_lesion(params)
        if "missing" in _REQUIRED_PARAMS.get(code, ()):
            values["missing"] = _components(params["missing"])
        return str(template) % values
    except (KeyError, TypeError, ValueError):  # a translation with a broken placeholder
        return fallback_message


def readiness_localized(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Readiness requirements (cases.selectors.case_readiness, or as stored) with each
    ``message`` in the active language; the API and stored rows keep the English."""
    return [{**item, "message": requirement_text(str(item.get("code", "")), item.get("params"),
                                                 str(item.get("message", "")))}
            for item in items]


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
