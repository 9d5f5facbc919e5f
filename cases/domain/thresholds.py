"""The registry of configurable clinical thresholds used by decision support.

Every number the decision-support rules compare against lives here, with its default, the
range a site may choose from, the unit, the rule it feeds (an id of cases/domain/rulebook.py, or
a timing rule R9-R12), the rationale and the source (with its evidence tag). The same table is
in docs/clinical-rules.md. A site's override is stored in cases.models.SiteParameter;
``effective_thresholds`` merges overrides onto the defaults and ignores anything out of range,
so a bad row can never silently change a recommendation.
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
        default=5, min=1, max=10, unit="metastases", rule_id="DS-EXTENT",
        rationale="At most this many known metastases counts as oligometastatic disease, "
        "for which the Cazzato flowchart proposes local treatment with curative intent.",
        source="Lievens Y et al. Radiother Oncol 2020;148:157-66 (ESTRO-ASTRO, 1-5 lesions) "
        "[G]; Cazzato RL et al. Radiol Med 2019;124:34-49 [G]; value: local consensus [I]",
    ),
    Parameter(
        key="small_lesion_mm",
        default=30, min=10, max=60, unit="mm", rule_id="DS-CAZZATO-CURATIVE-SMALL",
        rationale="A lesion up to this diameter is 'small': radiofrequency ablation can be "
        "curative; bigger lesions need microwave ablation or cryoablation.",
        source="Filippiadis DK et al. Insights Imaging 2014;5:339-46 (ablation curative up to "
        "about 3 cm) [S]; value: local consensus [I]",
    ),
    Parameter(
        key="near_structure_mm",
        default=10, min=1, max=30, unit="mm", rule_id="DS-HEAT-NEAR",
        rationale="A lesion this close (or closer) to a neural or vascular structure is 'very "
        "close': heat-based ablation (RFA, MWA, MRgFUS) is excluded in every branch; "
        "electrochemotherapy, cryoablation with thermal protection or radiotherapy instead "
        "(also DS-CAZZATO-CURATIVE-NEAR).",
        source="Cazzato RL et al. Radiol Med 2019 [G]; Filippiadis DK et al. Insights Imaging "
        "2014 [S]; value: local consensus [I]",
    ),
    Parameter(
        key="sins_potentially_unstable_min",
        default=7, min=5, max=10, unit="points", rule_id="DS-SINS",
        rationale="A SINS score from this value is 'potentially unstable': a surgical opinion is "
        "suggested (DS-SINS-POTENTIAL) and consolidation should be considered.",
        source="Fisher CG et al. Spine 2010;35:E1221-9 [G]",
    ),
    Parameter(
        key="sins_unstable_min",
        default=13, min=11, max=18, unit="points", rule_id="DS-SINS",
        rationale="A SINS score from this value is 'unstable': stabilisation surgery is "
        "suggested (DS-SINS-UNSTABLE).",
        source="Fisher CG et al. Spine 2010;35:E1221-9 [G]",
    ),
    Parameter(
        key="mirels_fixation_min",
        default=8, min=7, max=10, unit="points", rule_id="DS-MIRELS",
        rationale="A Mirels score from this value calls for consolidation; the value itself is "
        "borderline, and above it prophylactic fixation is suggested (DS-MIRELS-FIXATION).",
        source="Mirels H. Clin Orthop Relat Res 1989;(249):256-64 [S]",
    ),
    Parameter(
        key="pain_vas_min",
        default=4, min=1, max=10, unit="VAS points", rule_id="DS-CAZZATO-PAIN",
        rationale="Pain from this VAS score on a painful lesion counts as a 'need for pain "
        "management' in the palliative branch.",
        source="Moderate pain threshold: local consensus [I]",
    ),
    Parameter(
        key="mscc_bilsky_min",
        default=2, min=1, max=3, unit="Bilsky grade", rule_id="DS-MSCC",
        rationale="Epidural extension of this Bilsky (ESCC) grade or higher is high-grade "
        "compression: it triggers the MSCC emergency pathway and a surgical opinion on "
        "decompression (DS-BILSKY-HIGH).",
        source="Bilsky MH et al. J Neurosurg Spine 2010;13:324-8 [G]; NICE NG234 2023 [G]",
    ),
    Parameter(
        key="mscc_mri_hours",
        default=24, min=1, max=24, unit="hours", rule_id="R9",
        rationale="Suspected MSCC: whole-spine MRI within this many hours of suspicion.",
        source="NICE NG234 2023; NICE QS56 [G]",
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
        source="NICE NG234 2023 [G]",
    ),
    Parameter(
        key="notice_routine_hours",
        default=24, min=0, max=168, unit="hours", rule_id="SCH-NOTICE",
        rationale="A proposal (one plan, the waiting list or a repair) books nothing for a "
        "routine case sooner than this after it is made: the patient is called, told how to "
        "prepare (fasting, anticoagulants, transport) and blood tests are taken first. A "
        "coordinator booking by hand is not bound by it.",
        source="Patel IJ et al. J Vasc Interv Radiol 2019;30:1168-84 (SIR consensus on "
        "peri-procedural anticoagulation, stopped days before) [G]; value: local consensus "
        "[I]",
    ),
    Parameter(
        key="notice_urgent_hours",
        default=0, min=0, max=72, unit="hours", rule_id="SCH-NOTICE",
        rationale="The same notice for an urgent case (0: the first free time). An emergency "
        "case, or a plan with a running hard clock (R9, R10), is never given notice: its "
        "clock decides.",
        source="value: local consensus [I]",
    ),
)

PARAMETERS: dict[str, Parameter] = {p.key: p for p in _PARAMETERS}


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
