"""Coded vocabularies shared by the clinical domain, the models and the API.

Plain ``enum.StrEnum`` so that domain code stays free of Django; models build their choices from
these (``choices=[(c.value, c.label) for c in Histology]``). Values are stable API codes; labels
are English and translated in the UI.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS.get(self.value, self.value.replace("_", " "))

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


class Urgency(_Labelled):
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"  # e.g. suspected metastatic spinal cord compression (R9-R12)


class Sex(_Labelled):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Histology(_Labelled):
    """Primary histology (clinical-rules.md §2.4). Hypervascular ones first."""

    RENAL_CELL = "renal_cell"
    THYROID_FOLLICULAR = "thyroid_follicular"
    THYROID_OTHER = "thyroid_other"
    HEPATOCELLULAR = "hepatocellular"
    NEUROENDOCRINE = "neuroendocrine"
    MELANOMA = "melanoma"
    LEIOMYOSARCOMA = "leiomyosarcoma"
    HAEMANGIOPERICYTOMA = "haemangiopericytoma"
    GIANT_CELL_TUMOUR = "giant_cell_tumour"
    AGGRESSIVE_HAEMANGIOMA = "aggressive_haemangioma"
    MULTIPLE_MYELOMA = "multiple_myeloma"
    PLASMACYTOMA = "plasmacytoma"
    PROSTATE = "prostate"
    BREAST = "breast"
    LUNG = "lung"
    GASTROINTESTINAL = "gastrointestinal"
    OSTEOSARCOMA = "osteosarcoma"
    CHONDROSARCOMA = "chondrosarcoma"
    EWING_SARCOMA = "ewing_sarcoma"
    OTHER_SARCOMA = "other_sarcoma"
    OTHER = "other"
    UNKNOWN_PRIMARY = "unknown_primary"


class SkeletalSite(_Labelled):
    VERTEBRA = "vertebra"  # with a vertebral level C1-L5 (and S1-S5 through the sacrum)
    SACRUM = "sacrum"
    PELVIS = "pelvis"
    LONG_BONE_UPPER = "long_bone_upper"  # humerus, radius, ulna
    LONG_BONE_LOWER = "long_bone_lower"  # femur, tibia, fibula
    RIB = "rib"
    SKULL = "skull"
    OTHER = "other"


VERTEBRAL_LEVELS: tuple[str, ...] = (
    *(f"C{i}" for i in range(1, 8)),
    *(f"T{i}" for i in range(1, 13)),
    *(f"L{i}" for i in range(1, 6)),
    *(f"S{i}" for i in range(1, 6)),
)


class LesionPattern(_Labelled):
    LYTIC = "lytic"
    BLASTIC = "blastic"
    MIXED = "mixed"


class Vascularity(_Labelled):
    """Vascularity from imaging (DCE-MRI perfusion or angiography)."""

    HYPER = "hyper"
    HYPO = "hypo"
    NOT_ASSESSED = "not_assessed"


class VascularityMethod(_Labelled):
    DCE_MRI = "dce_mri"
    ANGIOGRAPHY = "angiography"
    CT_PERFUSION = "ct_perfusion"
    NONE = "none"


class ProcedureType(_Labelled):
    """The treatment catalogue (clinical-rules.md §4)."""

    RADIOTHERAPY = "radiotherapy"
    EMBOLIZATION = "embolization"
    RFA = "rfa"
    MWA = "mwa"
    CRYOABLATION = "cryoablation"
    ECT = "ect"
    MRGFUS = "mrgfus"
    VERTEBROPLASTY = "vertebroplasty"  # vertebroplasty / kyphoplasty / cementoplasty
    OSTEOSYNTHESIS = "osteosynthesis"
    SURGERY = "surgery"
    FOLLOW_UP_CT = "follow_up_ct"
    FOLLOW_UP_MRI = "follow_up_mri"
    MRI_WHOLE_SPINE = "mri_whole_spine"


THERMAL_ABLATIONS: frozenset[ProcedureType] = frozenset(
    {ProcedureType.RFA, ProcedureType.MWA, ProcedureType.CRYOABLATION}
)


class EmbolizationPurpose(_Labelled):
    """Kept for the transition to ProcedurePurpose ("adjuvant" is now "pre_ablation")."""

    PRE_OPERATIVE = "pre_operative"
    PALLIATIVE = "palliative"
    CURATIVE = "curative"
    ADJUVANT = "adjuvant"


class ProcedurePurpose(_Labelled):
    """Why a procedure is done, which decides the timing rules that bind it (issue 11, item 2).

    An embolization is pre-operative (prepares a surgery: R1, R2), pre-ablation (prepares an
    ablation: R3), palliative, curative or post-operative; an ablation is curative or palliative.
    Other procedures carry no purpose ("").
    """

    PRE_OPERATIVE = "pre_operative"
    PRE_ABLATION = "pre_ablation"
    PALLIATIVE = "palliative"
    CURATIVE = "curative"
    POST_OPERATIVE = "post_operative"


# The ablations a pre-ablation embolization may prepare; each carries a purpose too.
_ABLATION_TYPES: tuple[str, ...] = tuple(kind.value for kind in (
    ProcedureType.RFA, ProcedureType.MWA, ProcedureType.CRYOABLATION, ProcedureType.ECT,
    ProcedureType.MRGFUS))
# Which purposes each procedure may carry; a procedure not listed carries none.
PURPOSES_BY_PROCEDURE: dict[str, frozenset[str]] = {
    ProcedureType.EMBOLIZATION.value: frozenset(p.value for p in ProcedurePurpose),
    **{kind: frozenset({ProcedurePurpose.CURATIVE.value, ProcedurePurpose.PALLIATIVE.value})
       for kind in _ABLATION_TYPES},
}
# The procedures a purpose prepares (the ``prepares`` link must point at one of these).
PREPARED_BY_PURPOSE: dict[str, frozenset[str]] = {
    ProcedurePurpose.PRE_OPERATIVE.value: frozenset(
        {ProcedureType.SURGERY.value, ProcedureType.OSTEOSYNTHESIS.value}),
    ProcedurePurpose.PRE_ABLATION.value: frozenset(_ABLATION_TYPES),
}


class Intent(_Labelled):
    CURATIVE = "curative"
    PALLIATIVE = "palliative"
    DIAGNOSTIC = "diagnostic"
    FOLLOW_UP = "follow_up"


class CaseStatus(_Labelled):
    SUBMITTED = "submitted"
    READY_FOR_MDT = "ready_for_mdt"
    LISTED = "listed"
    DISCUSSED = "discussed"
    PLAN_SCHEDULED = "plan_scheduled"
    IN_TREATMENT = "in_treatment"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"


class BilskyGrade(_Labelled):
    """Epidural spinal cord compression scale (ESCC / Bilsky)."""

    G0 = "0"
    G1A = "1a"
    G1B = "1b"
    G1C = "1c"
    G2 = "2"
    G3 = "3"


# SINS components (Fisher 2010, Spine 35:E1221)
class SinsLocation(_Labelled):
    JUNCTIONAL = "junctional"  # occiput-C2, C7-T2, T11-L1, L5-S1: 3 points
    MOBILE = "mobile"  # C3-C6, L2-L4: 2
    SEMI_RIGID = "semi_rigid"  # T3-T10: 1
    RIGID = "rigid"  # S2-S5: 0


class SinsPain(_Labelled):
    MECHANICAL = "mechanical"  # 3
    OCCASIONAL = "occasional"  # non-mechanical: 1
    PAIN_FREE = "pain_free"  # 0


class SinsAlignment(_Labelled):
    SUBLUXATION = "subluxation"  # translation: 4
    DE_NOVO_DEFORMITY = "de_novo_deformity"  # kyphosis/scoliosis: 2
    NORMAL = "normal"  # 0


class SinsCollapse(_Labelled):
    OVER_50 = "over_50"  # 3
    UNDER_50 = "under_50"  # 2
    NONE_OVER_50_INVOLVED = "none_over_50_involved"  # no collapse, > 50 % body involved: 1
    NONE = "none"  # 0


class SinsPosterolateral(_Labelled):
    BILATERAL = "bilateral"  # 3
    UNILATERAL = "unilateral"  # 1
    NONE = "none"  # 0


# Mirels components (Mirels 1989), long bones
class MirelsSite(_Labelled):
    UPPER_LIMB = "upper_limb"  # 1
    LOWER_LIMB = "lower_limb"  # 2
    PERITROCHANTERIC = "peritrochanteric"  # 3


class MirelsPain(_Labelled):
    MILD = "mild"  # 1
    MODERATE = "moderate"  # 2
    FUNCTIONAL = "functional"  # 3


class MirelsSize(_Labelled):
    UNDER_THIRD = "under_third"  # < 1/3 of the cortex: 1
    THIRD_TO_TWO_THIRDS = "third_to_two_thirds"  # 2
    OVER_TWO_THIRDS = "over_two_thirds"  # 3


_LABELS: dict[str, str] = {
    "renal_cell": "Renal cell carcinoma",
    "thyroid_follicular": "Thyroid carcinoma (follicular)",
    "thyroid_other": "Thyroid carcinoma (other)",
    "hepatocellular": "Hepatocellular carcinoma",
    "neuroendocrine": "Neuroendocrine tumour",
    "giant_cell_tumour": "Giant-cell tumour",
    "aggressive_haemangioma": "Aggressive haemangioma",
    "multiple_myeloma": "Multiple myeloma",
    "unknown_primary": "Unknown primary",
    "long_bone_upper": "Long bone, upper limb",
    "long_bone_lower": "Long bone, lower limb",
    "rfa": "Radiofrequency ablation (RFA)",
    "mwa": "Microwave ablation (MWA)",
    "ect": "Electrochemotherapy (ECT)",
    "mrgfus": "MR-guided focused ultrasound (MRgFUS)",
    "vertebroplasty": "Vertebroplasty / cementoplasty",
    "follow_up_ct": "Follow-up CT",
    "follow_up_mri": "Follow-up MRI",
    "mri_whole_spine": "MRI whole spine",
    "dce_mri": "DCE-MRI",
    "ct_perfusion": "CT perfusion",
    "ready_for_mdt": "Ready for MDT",
    "plan_scheduled": "Plan scheduled",
    "in_treatment": "In treatment",
    "follow_up": "Follow-up",
    "pre_operative": "Pre-operative",
    "pre_ablation": "Pre-ablation",
    "post_operative": "Post-operative",
    "not_assessed": "Not assessed",
}
