"""Per-case quorum from attendance (R15), pure Python.

R15 (effective-MDT standards, PMC7910033: "minimum one attending member from each specialty"):
a decision is "MDT-approved" only when at least one person from each core specialty was present
*when the case was discussed*. A requirement is a group of interchangeable specialties (a spine
surgeon may be an orthopaedic surgeon or a neurosurgeon). A stand-in covering a specialty counts
for that specialty. A decision without quorum is still recorded, but flagged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

# R15 default for a bone-metastasis / spine board; site-configurable per board.
BONE_METS_QUORUM: tuple[tuple[str, ...], ...] = (
    ("spine_surgeon", "orthopaedic_surgeon", "neurosurgeon"),
    ("radiation_oncologist",),
    ("radiologist",),
    ("interventional_radiologist",),
)

REQUIREMENT_LABELS: dict[str, str] = {
    "spine_surgeon": "spinal surgeon (spine, orthopaedic or neurosurgeon)",
    "orthopaedic_surgeon": "orthopaedic surgeon",
    "neurosurgeon": "neurosurgeon",
    "radiation_oncologist": "radiation / clinical oncologist",
    "radiologist": "radiologist",
    "interventional_radiologist": "interventional radiologist",
    "medical_oncologist": "medical oncologist",
    "pathologist": "pathologist",
}


@dataclass(frozen=True)
class AttendanceSpan:
    """One person's presence at a meeting: the specialty they cover, from ``arrived_at`` until
    ``left_at`` (None: still there). Half-open: present at ``arrived_at``, gone at ``left_at``."""

    person_id: int
    specialty: str
    arrived_at: datetime
    left_at: datetime | None = None
    stand_in: bool = False

    def present_at(self, moment: datetime) -> bool:
        return self.arrived_at <= moment and (self.left_at is None or moment < self.left_at)


@dataclass(frozen=True)
class QuorumResult:
    met: bool
    at: datetime
    present: tuple[tuple[int, str, bool], ...]  # (person id, specialty, stand-in)
    missing: tuple[tuple[str, ...], ...]  # unmet requirement groups
    covered_by_stand_in: tuple[tuple[str, ...], ...]  # groups met only thanks to a stand-in

    def as_dict(self) -> dict[str, object]:
        return {
            "met": self.met,
            "at": self.at.isoformat(),
            "rule_id": "R15",
            "present": [
                {"person": pid, "specialty": spec, "stand_in": stand_in}
                for pid, spec, stand_in in self.present
            ],
            "missing": [requirement_label(group) for group in self.missing],
            "missing_codes": [list(group) for group in self.missing],
            "covered_by_stand_in": [requirement_label(group) for group in self.covered_by_stand_in],
        }


def requirement_label(group: Sequence[str]) -> str:
    if len(group) == 1:
        return REQUIREMENT_LABELS.get(group[0], group[0].replace("_", " "))
    if group[0] in REQUIREMENT_LABELS and set(group) == set(BONE_METS_QUORUM[0]):
        return REQUIREMENT_LABELS[group[0]]
    return " or ".join(REQUIREMENT_LABELS.get(s, s.replace("_", " ")) for s in group)


def quorum_check(
    *,
    requirements: Iterable[Sequence[str]],
    attendance: Iterable[AttendanceSpan],
    at: datetime,
) -> QuorumResult:
    """Whether every requirement group had someone present at ``at`` (R15).

    Raises ValueError for a naive ``at``. No requirements means quorum is trivially met.
    """
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    present = sorted(
        (span for span in attendance if span.present_at(at)),
        key=lambda s: (s.specialty, s.person_id),
    )
    missing: list[tuple[str, ...]] = []
    by_stand_in: list[tuple[str, ...]] = []
    for raw in requirements:
        group = tuple(raw)
        covering = [span for span in present if span.specialty in group]
        if not covering:
            missing.append(group)
        elif all(span.stand_in for span in covering):
            by_stand_in.append(group)
    return QuorumResult(
        met=not missing,
        at=at,
        present=tuple((s.person_id, s.specialty, s.stand_in) for s in present),
        missing=tuple(missing),
        covered_by_stand_in=tuple(by_stand_in),
    )


def validate_requirements(requirements: object) -> list[list[str]]:
    """Check a board's quorum setting: a list of non-empty lists of specialty codes.

    Raises ValueError naming the problem.
    """
    if not isinstance(requirements, list):
        raise ValueError("Quorum requirements must be a list of specialty groups.")
    clean: list[list[str]] = []
    for index, group in enumerate(requirements):
        if not isinstance(group, list) or not group or not all(
            isinstance(code, str) and code for code in group
        ):
            raise ValueError(f"Quorum group {index} must be a non-empty list of specialty codes.")
        clean.append(list(group))
    return clean
