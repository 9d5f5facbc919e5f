"""Value types for decision support: the facts it reads and the findings it returns.

Decision-support functions take these frozen dataclasses (never model instances) so that they
stay pure and testable without a database; cases/selectors.py maps models onto them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .codes import (
    Histology,
    LesionPattern,
    SkeletalSite,
    Urgency,
    Vascularity,
)


@dataclass(frozen=True)
class LesionFacts:
    """The features of one lesion that decision support reads. Codes are the codes.py values."""

    site: str = SkeletalSite.OTHER
    max_diameter_mm: int = 20
    pattern: str = LesionPattern.LYTIC
    vertebral_level: str = ""
    site_detail: str = ""
    public_id: str = ""
    vascularity: str = Vascularity.NOT_ASSESSED
    vascularity_method: str = "none"
    pathological_fracture: bool = False
    epidural_extension: bool = False
    bilsky_grade: str = ""
    soft_tissue_extension: bool = False
    distance_neural_mm: int | None = None
    distance_vascular_mm: int | None = None
    rapid_growth: bool = False
    neurological_deficit: bool = False
    painful: bool = True
    weight_bearing: bool = False
    adamkiewicz_in_field: bool = False
    vertebra_plana: bool = False
    posterior_wall_involved: bool = False
    intense_enhancement: bool = False
    radicular_pain: bool = False
    sins_location: str = ""
    sins_pain: str = ""
    sins_alignment: str = ""
    sins_collapse: str = ""
    sins_posterolateral: str = ""
    mirels_site: str = ""
    mirels_pain: str = ""
    mirels_size: str = ""

    @property
    def is_spine(self) -> bool:
        return self.site in (SkeletalSite.VERTEBRA, SkeletalSite.SACRUM)

    @property
    def is_long_bone(self) -> bool:
        return self.site in (SkeletalSite.LONG_BONE_UPPER, SkeletalSite.LONG_BONE_LOWER)

    @property
    def label(self) -> str:
        """A short human label, e.g. 'T12 vertebra, 35 mm' (no patient data)."""
        where = (
            f"{self.vertebral_level} vertebra"
            if self.vertebral_level
            else SkeletalSite(self.site).label.capitalize()
        )
        if self.site_detail:
            where = f"{where} ({self.site_detail})"
        return f"{where}, {self.max_diameter_mm} mm"


@dataclass(frozen=True)
class CaseFacts:
    """The case-level inputs of decision support and readiness."""

    primary_histology: str = Histology.OTHER
    metastases_count: int = 1
    pain_vas: int = 0
    ecog: int = 0
    urgency: str = Urgency.ROUTINE
    urgency_reason: str = ""
    imaging_available: bool = True
    active_infection: bool = False
    uncorrectable_coagulopathy: bool = False
    pmma_allergy: bool = False
    lesions: tuple[LesionFacts, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One rule's result, with the rule id, a plain-English rationale and its source.

    ``rule_id`` is a public id of cases/domain/rulebook.py (docs/clinical-rules.md);
    ``rationale_i18n`` holds the rationale as texts.py messages, so the pages can show it in
    the reader's language (snapshots stored before it existed lack it: show ``rationale``).
    """

    rule_id: str
    title: str
    result: Any
    rationale: str
    source: str
    evidence: str
    rationale_i18n: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Suggestion:
    """A procedure decision support offers for an MDT to consider (never a decision).

    ``key`` names the suggestion within its lesion's list (stable across runs: "surgery",
    "preop_embolization", ...); ``purpose`` is a codes.ProcedurePurpose value ("" when the
    procedure carries none); ``prepares`` is the key of the suggestion this one prepares (a
    pre-operative embolization prepares the surgery) so that a plan recorded as suggested links
    them and the timing rules (R1-R3) bind the pair.
    """

    procedure_type: str
    intent: str
    rule_id: str
    rationale: str
    source: str
    evidence: str
    embolization_purpose: str = ""  # transition alias of ``purpose`` for embolizations
    key: str = ""
    purpose: str = ""
    prepares: str = ""
    rationale_i18n: tuple[dict[str, Any], ...] = ()  # the rationale as texts.py messages

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


RequirementParams = dict[str, str | list[str]]


@dataclass(frozen=True)
class Requirement:
    """Something that must be resolved before a case is ready for MDT discussion.

    ``message`` is the plain-English text; ``params`` are the values it was built from, in plain
    JSON (strings, lists of strings: codes, the lesion's number and label fields), so that a page
    or a notice can word it again in the reader's language (cases/labels.requirement_text).
    Requirements stored before ``params`` existed lack them: show their ``message``.
    """

    code: str
    message: str
    lesion: str = ""  # the lesion's public id when the requirement concerns one lesion
    params: RequirementParams = field(default_factory=dict, hash=False)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **(
            {"lesion": self.lesion} if self.lesion else {}
        ), "params": {name: list(value) if isinstance(value, list) else value
                      for name, value in self.params.items()}}


@dataclass(frozen=True)
class LesionSupport:
    lesion: LesionFacts
    findings: tuple[Finding, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()


@dataclass(frozen=True)
class CaseSupport:
    findings: tuple[Finding, ...] = ()
    lesions: tuple[LesionSupport, ...] = field(default_factory=tuple)
    emergency: bool = False
