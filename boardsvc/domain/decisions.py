"""Did the MDT follow the decision-support suggestions it saw? (pure Python)

clinical-rules.md: "Everything below is decision *support*. The MDT makes the decision ...
overrides should be allowed with a recorded reason." A decision records the suggestions shown
(a snapshot) and whether the plan followed them; a plan that departs needs an override reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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


def _suggested(support: Mapping[str, Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for lesion in support.get("lesions", []) or []:
        key = str(lesion.get("lesion", ""))
        out[key] = {str(s.get("procedure_type", "")) for s in lesion.get("suggestions", []) or []}
    return out


def plan_adherence(
    *, procedures: Sequence[Mapping[str, Any]], support: Mapping[str, Any]
) -> AdherenceResult:
    """Compare a planned procedure list with the decision-support snapshot.

    A procedure departs when its type was not suggested for its target lesion (or, with no
    target, for any lesion). An empty plan departs when anything was suggested. Supporting
    imaging steps never depart.
    """
    suggested = _suggested(support)
    anywhere = set().union(*suggested.values()) if suggested else set()
    departures: list[Departure] = []
    for index, item in enumerate(procedures):
        kind = str(item.get("procedure_type", ""))
        if kind in SUPPORTING_PROCEDURES:
            continue
        target = str(item.get("target_lesion") or "")
        allowed = suggested.get(target, set()) if target else anywhere
        if kind not in allowed:
            where = "for its target lesion" if target else "for any lesion"
            departures.append(Departure(index, kind, target,
                                        f"{kind.replace('_', ' ')} was not suggested {where}."))
    if not procedures and anywhere:
        departures.append(Departure(None, "", "", "The plan contains none of the suggested "
                                    "procedures."))
    return AdherenceResult(followed=not departures, departures=tuple(departures))
