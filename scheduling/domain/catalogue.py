"""Domain defaults: resource kinds, the procedure catalogue and the timing rules R1-R11, R17, R18.

Numbers come from docs/clinical-rules.md (the rule table and procedure durations). Values
tagged [I] there are inference: they are seeded as site-editable defaults, never hard-coded in the
engine. The data migration copies ``DEFAULT_RULES`` and ``DEFAULT_PROCEDURES`` into the tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from .types import Anchor, RuleKind, Scope, Severity, TimingRuleSpec


class ResourceKind(StrEnum):
    ANGIO_SUITE = "angio_suite"
    HYBRID_CT_ANGIO = "hybrid_ct_angio"
    CT_ROOM = "ct_room"
    OPERATING_ROOM = "operating_room"
    LINAC = "linac"
    MRI = "mri"
    # People with their own calendars (issue 13): a procedure can need a room and people at once.
    INTERVENTIONAL_RADIOLOGIST = "interventional_radiologist"
    SURGEON = "surgeon"
    ANAESTHETIST = "anaesthetist"


ROOM_KINDS: frozenset[str] = frozenset({
    ResourceKind.ANGIO_SUITE, ResourceKind.HYBRID_CT_ANGIO, ResourceKind.CT_ROOM,
    ResourceKind.OPERATING_ROOM, ResourceKind.LINAC, ResourceKind.MRI})
STAFF_KINDS: frozenset[str] = frozenset({
    ResourceKind.INTERVENTIONAL_RADIOLOGIST, ResourceKind.SURGEON, ResourceKind.ANAESTHETIST})


RESOURCE_KIND_LABELS: dict[str, str] = {
    ResourceKind.ANGIO_SUITE: "Angiography suite",
    ResourceKind.HYBRID_CT_ANGIO: "Hybrid CT-angio room",
    ResourceKind.CT_ROOM: "CT room",
    ResourceKind.OPERATING_ROOM: "Operating room",
    ResourceKind.LINAC: "Linear accelerator (linac)",
    ResourceKind.MRI: "MRI scanner",
    ResourceKind.INTERVENTIONAL_RADIOLOGIST: "Interventional radiologist",
    ResourceKind.SURGEON: "Surgeon (spine or orthopaedic)",
    ResourceKind.ANAESTHETIST: "Anaesthesia team",
}

# cases.domain.codes.ProcedureType values, spelled out so this module stays importable alone.
EMBOLIZATION = "embolization"
SURGERY = "surgery"
OSTEOSYNTHESIS = "osteosynthesis"
# What a pre-operative embolization prepares (cases.domain.codes.PREPARED_BY_PURPOSE): R1 and R2
# bind it to either operation, so a plan linked as suggested never escapes them (issue 11).
OPERATIONS = frozenset({SURGERY, OSTEOSYNTHESIS})
RADIOTHERAPY = "radiotherapy"
VERTEBROPLASTY = "vertebroplasty"
FOLLOW_UP_CT = "follow_up_ct"
MRI_WHOLE_SPINE = "mri_whole_spine"
THERMAL_ABLATIONS = frozenset({"rfa", "mwa", "cryoablation"})

# R17: palliative RT schedules (8 Gy x1, 20/5, 24/6, 30/10) and spine SBRT 24 Gy/2.
RT_FRACTION_OPTIONS: tuple[int, ...] = (1, 2, 5, 6, 10)


@dataclass(frozen=True)
class ProcedureDefaults:
    """A catalogue entry: default slot length (with turnover), the rooms that can host it and
    the people it needs besides the room (one of each kind in ``staff_kinds``, booked for the
    same interval; clinical-rules.md §4)."""

    procedure_type: str
    duration: timedelta
    resource_kinds: frozenset[str]
    fraction_options: tuple[int, ...] = ()
    staff_kinds: tuple[str, ...] = ()


_K = ResourceKind
_IR = (_K.INTERVENTIONAL_RADIOLOGIST,)
_IR_GA = (_K.INTERVENTIONAL_RADIOLOGIST, _K.ANAESTHETIST)
_SURGERY_GA = (_K.SURGEON, _K.ANAESTHETIST)
# Durations: clinical-rules.md §4, the middle of each range [I]; RT is per fraction. People:
# the operator who performs it, and the anaesthesia team where §4 gives general anaesthesia or
# deep sedation (ablations, ECT, MRgFUS, operations); embolization and vertebroplasty are done
# under local anaesthesia with sedation, so a site adds anaesthesia to them if it wants it.
DEFAULT_PROCEDURES: tuple[ProcedureDefaults, ...] = (
    ProcedureDefaults(EMBOLIZATION, timedelta(minutes=150),
                      frozenset({_K.ANGIO_SUITE, _K.HYBRID_CT_ANGIO}), staff_kinds=_IR),
    ProcedureDefaults("rfa", timedelta(minutes=90), frozenset({_K.CT_ROOM, _K.HYBRID_CT_ANGIO}),
                      staff_kinds=_IR_GA),
    ProcedureDefaults("mwa", timedelta(minutes=90), frozenset({_K.CT_ROOM, _K.HYBRID_CT_ANGIO}),
                      staff_kinds=_IR_GA),
    ProcedureDefaults("cryoablation", timedelta(minutes=150),
                      frozenset({_K.CT_ROOM, _K.HYBRID_CT_ANGIO}), staff_kinds=_IR_GA),
    ProcedureDefaults("ect", timedelta(minutes=75), frozenset({_K.CT_ROOM, _K.OPERATING_ROOM}),
                      staff_kinds=_IR_GA),
    ProcedureDefaults("mrgfus", timedelta(minutes=180), frozenset({_K.MRI}), staff_kinds=_IR_GA),
    ProcedureDefaults(VERTEBROPLASTY, timedelta(minutes=60),
                      frozenset({_K.CT_ROOM, _K.ANGIO_SUITE, _K.HYBRID_CT_ANGIO}),
                      staff_kinds=_IR),
    ProcedureDefaults("osteosynthesis", timedelta(minutes=120), frozenset({_K.OPERATING_ROOM}),
                      staff_kinds=_SURGERY_GA),
    ProcedureDefaults(SURGERY, timedelta(minutes=180), frozenset({_K.OPERATING_ROOM}),
                      staff_kinds=_SURGERY_GA),
    ProcedureDefaults(RADIOTHERAPY, timedelta(minutes=15), frozenset({_K.LINAC}),
                      RT_FRACTION_OPTIONS),
    ProcedureDefaults(FOLLOW_UP_CT, timedelta(minutes=20), frozenset({_K.CT_ROOM})),
    ProcedureDefaults("follow_up_mri", timedelta(minutes=45), frozenset({_K.MRI})),
    ProcedureDefaults("mri_whole_spine", timedelta(minutes=45), frozenset({_K.MRI})),
)
PROCEDURE_DEFAULTS: dict[str, ProcedureDefaults] = {p.procedure_type: p for p in DEFAULT_PROCEDURES}

H = timedelta(hours=1)
D = timedelta(days=1)

DEFAULT_RULES: tuple[TimingRuleSpec, ...] = (
    TimingRuleSpec(
        code="R1-window-soft", rule_id="R1", kind=RuleKind.LAG,
        from_procedures=frozenset({EMBOLIZATION}), from_purposes=frozenset({"pre_operative"}),
        to_procedures=OPERATIONS, from_anchor=Anchor.END, to_anchor=Anchor.START,
        # The ordering itself is R2 (hard); this row only bounds the delay.
        max_lag=48 * H, preferred_lag=24 * H,
        severity=Severity.SOFT, scope=Scope.SAME_LESION,
        rationale=(
            "Surgery should follow pre-operative embolization on the same day or the next day: "
            "blood loss is lowest within 24 hours of complete embolization, and beyond 48 hours "
            "the effect is lost to revascularization."
        ),
        source="Kato 2013 Spine; Yuh 2023 JKNS meta-analysis; WJSO 2022 [S]",
    ),
    TimingRuleSpec(
        code="R1-window-hard", rule_id="R1", kind=RuleKind.LAG,
        from_procedures=frozenset({EMBOLIZATION}), from_purposes=frozenset({"pre_operative"}),
        to_procedures=OPERATIONS, from_anchor=Anchor.END, to_anchor=Anchor.START,
        max_lag=72 * H, severity=Severity.HARD, scope=Scope.SAME_LESION,
        rationale=(
            "Surgery more than 72 hours after pre-operative embolization is refused: the "
            "embolized vessels revascularize, so a repeat angiography would be needed."
        ),
        source="72 h cap is inference [I]; clinical-rules.md §2.3",
    ),
    TimingRuleSpec(
        code="R2-order", rule_id="R2", kind=RuleKind.LAG,
        from_procedures=frozenset({EMBOLIZATION}), from_purposes=frozenset({"pre_operative"}),
        to_procedures=OPERATIONS, from_anchor=Anchor.END, to_anchor=Anchor.START,
        min_lag=timedelta(0), severity=Severity.HARD, scope=Scope.SAME_LESION,
        rationale=(
            "A pre-operative embolization must be finished before the surgery it prepares "
            "starts."
        ),
        source="[S] clinical-rules.md §1",
    ),
    TimingRuleSpec(
        code="R3-ablation-after-embolization", rule_id="R3", kind=RuleKind.LAG,
        from_procedures=frozenset({EMBOLIZATION}), to_procedures=THERMAL_ABLATIONS,
        from_anchor=Anchor.END, to_anchor=Anchor.START,
        min_lag=timedelta(0), max_lag=24 * H, preferred_lag=2 * H,
        severity=Severity.SOFT, scope=Scope.SAME_LESION,
        rationale=(
            "Thermal ablation should follow embolization as soon as possible, ideally in the "
            "same session, to minimise the heat-sink effect; warn beyond 24 hours."
        ),
        source="seed 000; rabbit liver PMC3500822 [S]; numbers [I]",
    ),
    TimingRuleSpec(
        code="R4-rt-before-embolization", rule_id="R4", kind=RuleKind.LAG,
        from_procedures=frozenset({RADIOTHERAPY}), to_procedures=frozenset({EMBOLIZATION}),
        from_anchor=Anchor.END, to_anchor=Anchor.START, min_lag=timedelta(0),
        severity=Severity.HARD, scope=Scope.SAME_LESION,
        rationale=(
            "The radiotherapy course must end before embolization of the same lesion: the "
            "hypoxia that embolization causes makes tumour cells radioresistant."
        ),
        source="seed 000 (hypoxia → radioresistance) [seed]",
    ),
    TimingRuleSpec(
        code="R4-gap", rule_id="R4", kind=RuleKind.LAG,
        from_procedures=frozenset({RADIOTHERAPY}), to_procedures=frozenset({EMBOLIZATION}),
        from_anchor=Anchor.END, to_anchor=Anchor.START, max_lag=28 * D,
        severity=Severity.SOFT, scope=Scope.SAME_LESION,
        rationale=(
            "More than 28 days between the end of radiotherapy and embolization: re-discuss "
            "the plan at the MDT."
        ),
        source="gap [I]",
    ),
    TimingRuleSpec(
        code="R5-same-session", rule_id="R5", kind=RuleKind.LAG,
        from_procedures=THERMAL_ABLATIONS, to_procedures=frozenset({VERTEBROPLASTY}),
        from_anchor=Anchor.END, to_anchor=Anchor.START,
        min_lag=timedelta(0), max_lag=12 * H, preferred_lag=1 * H,
        severity=Severity.SOFT, scope=Scope.SAME_LESION,
        rationale=(
            "Thermal ablation and cementoplasty of the same lesion belong in the same session, "
            "ablation first, then cement."
        ),
        source="seed 000; NICE IP overview / Murali 2021 [S]",
    ),
    TimingRuleSpec(
        code="R6-vp-rt", rule_id="R6", kind=RuleKind.LAG,
        from_procedures=frozenset({VERTEBROPLASTY}), to_procedures=frozenset({RADIOTHERAPY}),
        from_anchor=Anchor.END, to_anchor=Anchor.START,
        min_lag=timedelta(0), max_lag=14 * D, preferred_lag=14 * D, symmetric=True,
        severity=Severity.SOFT, scope=Scope.SAME_LESION,
        rationale=(
            "Vertebroplasty and radiotherapy of the same level should be within 14 days of each "
            "other (either order): cement relieves pain quickly while RT takes weeks."
        ),
        source="seed 003; timing [I]",
    ),
    TimingRuleSpec(
        code="R7-repeat-embolization", rule_id="R7", kind=RuleKind.LAG,
        from_procedures=frozenset({EMBOLIZATION}), to_procedures=frozenset({EMBOLIZATION}),
        from_anchor=Anchor.END, to_anchor=Anchor.START, min_lag=30 * D,
        severity=Severity.SOFT, scope=Scope.SAME_LESION,
        rationale=(
            "A repeat palliative embolization of the same lesion should wait at least one "
            "month after the previous one."
        ),
        source="Rossi, 454 cases (repeat at 1-3 months) [S]",
    ),
    TimingRuleSpec(
        code="R8-follow-up-ct", rule_id="R8", kind=RuleKind.FOLLOW_UP,
        from_procedures=frozenset({EMBOLIZATION}), to_procedures=frozenset({FOLLOW_UP_CT}),
        from_anchor=Anchor.END, to_anchor=Anchor.START,
        severity=Severity.SOFT, scope=Scope.SAME_LESION,
        template={"offsets_months": [3, 6, 12], "tolerance_days": 14},
        rationale=(
            "Follow-up CT after embolization at 3, 6 and 12 months (± 2 weeks) to see necrosis, "
            "size change and remineralisation."
        ),
        source="seed 000 (Facchini slide) [seed]; window [I]",
    ),
    TimingRuleSpec(
        code="R17-fractionation", rule_id="R17", kind=RuleKind.FRACTIONATION,
        from_procedures=frozenset({RADIOTHERAPY}), to_procedures=frozenset({RADIOTHERAPY}),
        severity=Severity.SOFT, scope=Scope.SAME_PATIENT,
        template={"fraction_options": list(RT_FRACTION_OPTIONS), "consecutive_working_days": True},
        rationale=(
            "A palliative radiotherapy course is given as 1, 5, 6 or 10 fractions (SBRT: 2) on "
            "consecutive working days, one fraction a day."
        ),
        source="ASTRO 2017; SC.24; SCORAD III [S/G]",
    ),
    TimingRuleSpec(
        code="R18-re-irradiation", rule_id="R18", kind=RuleKind.LAG,
        from_procedures=frozenset({RADIOTHERAPY}), to_procedures=frozenset({RADIOTHERAPY}),
        from_anchor=Anchor.END, to_anchor=Anchor.START, min_lag=30 * D,
        severity=Severity.SOFT, scope=Scope.SAME_LESION,
        rationale=(
            "Re-irradiation of a painful bone metastasis should not start earlier than one "
            "month after the previous course."
        ),
        source="ASTRO 2017 update (Lutz et al.) [G]",
    ),
)

# R9-R11: clocks from a case event (domain/clocks.py), not from another booking. Kept apart from
# DEFAULT_RULES because migration 0003 seeds DEFAULT_RULES before the "clock" kind exists;
# migration 0009 seeds these.
CLOCK_RULES: tuple[TimingRuleSpec, ...] = (
    TimingRuleSpec(
        code="R9-mscc-mri", rule_id="R9", kind=RuleKind.CLOCK,
        from_procedures=frozenset(), to_procedures=frozenset({MRI_WHOLE_SPINE}),
        to_anchor=Anchor.START, max_lag=24 * H,
        severity=Severity.HARD, scope=Scope.SAME_PATIENT,
        template={"event": "suspicion", "pathway": "mscc"},
        rationale=(
            "Suspected metastatic spinal cord compression is an oncological emergency: the "
            "whole-spine MRI is done as soon as possible and within 24 hours of the suspicion."
        ),
        source="NICE CG75/NG234; QS56 [G]",
    ),
    TimingRuleSpec(
        code="R10-mscc-rt", rule_id="R10", kind=RuleKind.CLOCK,
        from_procedures=frozenset(), to_procedures=frozenset({RADIOTHERAPY}),
        to_anchor=Anchor.START, max_lag=24 * H,
        severity=Severity.HARD, scope=Scope.SAME_PATIENT,
        template={"event": "decision_to_treat", "pathway": "mscc",
                  "unless_plan_has": [SURGERY]},
        rationale=(
            "MSCC not for surgery: radiotherapy starts within 24 hours of the decision to treat, "
            "to preserve neurological function."
        ),
        source="NICE QS56 statement 6 [G]",
    ),
    TimingRuleSpec(
        code="R11-spinal-mri", rule_id="R11", kind=RuleKind.CLOCK,
        from_procedures=frozenset(), to_procedures=frozenset({MRI_WHOLE_SPINE}),
        to_anchor=Anchor.START, max_lag=7 * D,
        severity=Severity.SOFT, scope=Scope.SAME_PATIENT,
        template={"event": "suspicion", "pathway": "spinal_without_neurology"},
        rationale=(
            "Suspected spinal metastases without neurological signs: MRI within one week."
        ),
        source="NICE NG234 [G, exact wording not read: verify]",
    ),
)

# Every default rule of a site (the demo seed and the tests' reseed after a flush).
TIMING_RULES: tuple[TimingRuleSpec, ...] = DEFAULT_RULES + CLOCK_RULES
