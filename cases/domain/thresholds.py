"""The registry of configurable clinical thresholds used by decision support.

Every number the decision-support rules compare against lives here, with its default from
../shared/domain/clinical-rules.md, the range a site may choose from, the unit, the rule it feeds,
the rationale and the source (with its evidence tag). A site's override is stored in
cases.models.SiteParameter; ``effective_thresholds`` merges overrides onto the defaults and
ignores anything out of range, so a bad row can never silently change a recommendation.

Rule ids used by decision support (clinical-rules.md):
- ``2.1.cazzato``       §2.1 Cazzato et al. 2019 management flowchart
- ``2.1.consolidation`` §2.1 "need for consolidation" inputs
- ``2.1.mirels``        §2.1 Mirels score (long bones)
- ``2.6.sins``          §2.6 SINS (spine stability)
- ``2.4.hypervascular`` §2.4 hypervascular assessment (imaging first)
- ``2.5.embolization``  §2.5 embolization candidacy and predictors; §2.3 pre-operative use
- ``2.6.vertebroplasty``§2.6 vertebroplasty high-risk features and contraindications
- ``R9-R12``            MSCC emergency pathway
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    """One configurable threshold. ``integer`` parameters must be whole numbers."""

    key: str
    default: float
    min: float
    max: float
    unit: str
    rule_id: str
    rationale: str
    source: str
    integer: bool = True

    def validate(self, value: float) -> str | None:
        """Return an error message when ``value`` is not allowed, else None."""
        if self.integer and float(value) != int(value):
            return f"{self.key} must be a whole number."
        if not (self.min <= value <= self.max):
            return (
                f"{self.key} must be between {_fmt(self.min)} and {_fmt(self.max)} {self.unit}."
            )
        return None


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


_PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        key="oligo_max",
        default=5, min=1, max=10, unit="metastases", rule_id="2.1.cazzato",
        rationale="At most this many known metastases counts as oligometastatic disease, "
        "for which the Cazzato flowchart proposes local treatment with curative intent.",
        source="ESTRO/ASTRO oligometastasis consensus (1-5 lesions) [I]; Cazzato 2019 [seed]",
    ),
    Parameter(
        key="small_lesion_mm",
        default=30, min=10, max=60, unit="mm", rule_id="2.1.cazzato",
        rationale="A lesion up to this diameter is 'small': radiofrequency ablation can be "
        "curative; bigger lesions need microwave ablation or cryoablation.",
        source="Filippiadis review PMC4035489 (ablation curative up to about 3 cm) [I]",
    ),
    Parameter(
        key="near_structure_mm",
        default=10, min=1, max=30, unit="mm", rule_id="2.1.cazzato",
        rationale="A lesion this close (or closer) to a neural or vascular structure is 'very "
        "close': electrochemotherapy or cryoablation instead of heat-based ablation.",
        source="Cazzato et al. Radiol Med 2019 [seed]; threshold [I]",
    ),
    Parameter(
        key="sins_potentially_unstable_min",
        default=7, min=5, max=10, unit="points", rule_id="2.6.sins",
        rationale="A SINS score from this value is 'potentially unstable': surgical opinion and "
        "consolidation should be considered.",
        source="Fisher et al. Spine 2010;35:E1221 [I]",
    ),
    Parameter(
        key="sins_unstable_min",
        default=13, min=11, max=18, unit="points", rule_id="2.6.sins",
        rationale="A SINS score from this value is 'unstable'.",
        source="Fisher et al. Spine 2010;35:E1221 [I]",
    ),
    Parameter(
        key="mirels_fixation_min",
        default=8, min=7, max=10, unit="points", rule_id="2.1.mirels",
        rationale="A Mirels score from this value suggests prophylactic fixation "
        "(the threshold value itself is borderline).",
        source="Mirels, Clin Orthop 1989 [I]; clinical-rules.md §2.1 (Mirels ≥ 8) [I]",
    ),
    Parameter(
        key="pain_vas_min",
        default=4, min=1, max=10, unit="VAS points", rule_id="2.1.cazzato",
        rationale="Pain from this VAS score on a painful lesion counts as a 'need for pain "
        "management' in the palliative branch.",
        source="Moderate pain threshold [I]",
    ),
    Parameter(
        key="mscc_bilsky_min",
        default=2, min=1, max=3, unit="Bilsky grade", rule_id="R9-R12",
        rationale="Epidural extension of this Bilsky (ESCC) grade or higher is high-grade "
        "compression and triggers the MSCC emergency pathway.",
        source="Bilsky/ESCC scale; clinical-rules.md §2.6 [I]; NICE NG234 [G]",
    ),
    Parameter(
        key="mscc_mri_hours",
        default=24, min=1, max=24, unit="hours", rule_id="R9",
        rationale="Suspected MSCC: whole-spine MRI within this many hours of suspicion.",
        source="NICE CG75/NG234; QS56 [G]",
    ),
    Parameter(
        key="mscc_rt_hours",
        default=24, min=1, max=24, unit="hours", rule_id="R10",
        rationale="MSCC not for surgery: radiotherapy starts within this many hours of the "
        "decision to treat.",
        source="NICE QS56 statement 6 [G]",
    ),
    Parameter(
        key="mscc_expert_advice_hours",
        default=24, min=1, max=24, unit="hours", rule_id="R12",
        rationale="MSCC: contact the MSCC coordinator at once; expert advice within this many "
        "hours.",
        source="NICE NG234; BMJ 2023 summary [G]",
    ),
)

PARAMETERS: dict[str, Parameter] = {p.key: p for p in _PARAMETERS}


def parameter_get(key: str) -> Parameter:
    """Raise KeyError for an unknown key."""
    return PARAMETERS[key]


def effective_thresholds(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Defaults with a site's overrides applied.

    Unknown keys and out-of-range values are ignored (the default stands), so decision support
    never runs on a threshold outside the range clinical-rules.md allows.
    """
    values = {key: float(p.default) for key, p in PARAMETERS.items()}
    for key, value in (overrides or {}).items():
        parameter = PARAMETERS.get(key)
        if parameter is not None and parameter.validate(float(value)) is None:
            values[key] = float(value)
    return values


DEFAULTS: dict[str, float] = effective_thresholds()
