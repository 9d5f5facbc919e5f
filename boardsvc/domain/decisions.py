"""Did the MDT follow the decision-support suggestions it saw? (pure Python)

clinical-rules.md: "Everything below is decision *support*. The MDT makes the decision ...
overrides should be allowed with a recorded reason." A decision records the suggestions shown
(a snapshot) and whether the plan followed them; a plan that departs needs an override reason.

A procedure follows a suggestion when its type, its purpose (issue 11, item 2: a pre-operative
embolization where a palliative one was suggested departs) and its target lesion match.

The suggestions come typed (cases.domain.facts.CaseSupport, read through
cases.selectors.case_support_get) when a decision is recorded; an amendment re-checks against
the snapshot stored with the decision, which is the JSON form of the same values
(cases.domain.support.support_as_dict).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cases.domain.facts import CaseSupport
from cases.domain.purposes import legacy_purpose, purpose_from_item

# Work-up and surveillance steps (R8 follow-up imaging, R9 MRI whole spine) support any plan;
# adding them is never a departure from the suggested treatment.
SUPPORTING_PROCEDURES = frozenset({"follow_up_ct", "follow_up_mri", "mri_whole_spine"})


@dataclass(frozen=True)
class Departure:
    index: int | None
    procedure_type: str
    target_lesion: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"index": self.index, "procedure_type": self.procedure_type,
                "target_lesion": self.target_lesion, "message": self.message}


@dataclass(frozen=True)
class AdherenceResult:
    followed: bool
    departures: tuple[Departure, ...]


# lesion public id → procedure type → suggested purposes ("" for a suggestion without one)
Suggested = dict[str, dict[str, set[str]]]


def suggested_in_support(support: CaseSupport) -> Suggested:
    """What decision support suggests, per lesion and procedure type."""
    out: Suggested = {}
    for lesion in support.lesions:
        kinds = out.setdefault(lesion.lesion.public_id, {})
        for s in lesion.suggestions:
            purpose = legacy_purpose(s.purpose or s.embolization_purpose)
            kinds.setdefault(s.procedure_type, set()).add(purpose)
    return out


def suggested_in_snapshot(snapshot: Mapping[str, Any]) -> Suggested:
    """The same from a decision's stored snapshot (JSON). Snapshots are kept as recorded, so
    older ones may lack members: a missing list reads as empty, a missing purpose as none (or
    the deprecated ``embolization_purpose``)."""
    out: Suggested = {}
    for lesion in snapshot.get("lesions") or []:
        kinds = out.setdefault(str(lesion.get("lesion", "")), {})
        for s in lesion.get("suggestions") or []:
            kinds.setdefault(str(s.get("procedure_type", "")), set()).add(purpose_from_item(s))
    return out


def _purpose_follows(purpose: str, suggested: set[str]) -> bool:
    """A suggestion without a purpose admits any; otherwise the purposes must match (a plan
    item without a purpose where one was suggested departs: it would escape R1-R3)."""
    return "" in suggested or purpose in suggested


def _purpose_text(purposes: set[str]) -> str:
    return " or ".join(sorted(p.replace("_", "-") for p in purposes if p)) or "none"


def plan_adherence(
    *, procedures: Sequence[Mapping[str, Any]], support: CaseSupport | Mapping[str, Any]
) -> AdherenceResult:
    """Compare a planned procedure list with the suggestions: ``support`` as decision support
    gives it now (typed), or as a decision's stored snapshot.

    A procedure departs when its type was not suggested for its target lesion (or, with no
    target, for any lesion), or was suggested with another purpose (purpose given as
    ``purpose`` or the deprecated ``embolization_purpose``). An empty plan departs when
    anything was suggested. Supporting imaging steps never depart.
    """
    suggested = (suggested_in_support(support) if isinstance(support, CaseSupport)
                 else suggested_in_snapshot(support))
    anywhere: dict[str, set[str]] = {}
    for kinds in suggested.values():
        for kind, purposes in kinds.items():
            anywhere.setdefault(kind, set()).update(purposes)
    departures: list[Departure] = []
    for index, item in enumerate(procedures):
        kind = str(item.get("procedure_type", ""))
        if kind in SUPPORTING_PROCEDURES:
            continue
        target = str(item.get("target_lesion") or "")
        allowed = suggested.get(target, {}) if target else anywhere
        where = "for its target lesion" if target else "for any lesion"
        label = kind.replace("_", " ")
        if kind not in allowed:
            departures.append(Departure(index, kind, target,
                                        f"{label} was not suggested {where}."))
            continue
        purpose = purpose_from_item(item)
        if not _purpose_follows(purpose, allowed[kind]):
            given = (f"A {purpose.replace('_', '-')} {label}" if purpose
                     else f"{'An' if label[:1] in 'aeiou' else 'A'} {label} without a purpose")
            departures.append(Departure(index, kind, target, (
                f"{given} was not suggested {where} (suggested purpose: "
                f"{_purpose_text(allowed[kind])}).")))
    if not procedures and anywhere:
        departures.append(Departure(None, "", "", "The plan contains none of the suggested "
                                    "procedures."))
    return AdherenceResult(followed=not departures, departures=tuple(departures))
