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


# lesion public id → (procedure type, purpose) → the procedure types it was suggested to prepare
# (empty when one such suggestion stands on its own)
Prepared = dict[str, dict[tuple[str, str], set[str]]]


def _prepared(lesions: Sequence[tuple[str, Sequence[Mapping[str, Any]]]]) -> Prepared:
    out: Prepared = {}
    for lesion, suggestions in lesions:
        types = {str(s.get("key") or ""): str(s.get("procedure_type", "")) for s in suggestions}
        for s in suggestions:
            slot = out.setdefault(lesion, {}).setdefault(
                (str(s.get("procedure_type", "")), purpose_from_item(s)), set())
            prepares = str(s.get("prepares") or "")
            target = types.get(prepares) if prepares else None
            slot.add(target if target else "*")
    return out


def _prepared_of(support: CaseSupport | Mapping[str, Any]) -> Prepared:
    if isinstance(support, CaseSupport):
        return _prepared([(ls.lesion.public_id, [x.as_dict() for x in ls.suggestions])
                          for ls in support.lesions])
    return _prepared([(str(ls.get("lesion", "")), ls.get("suggestions") or [])
                      for ls in support.get("lesions") or []])


def _preparation_departure(index: int, item: Mapping[str, Any],
                           procedures: Sequence[Mapping[str, Any]],
                           prepared: Prepared) -> Departure | None:
    """A procedure suggested only as the preparation of another (a pre-operative embolization
    before its surgery) departs when the plan does not have that procedure on the same lesion
    (the one it names by ``prepares_index``, when it names one)."""
    kind = str(item.get("procedure_type", ""))
    target = str(item.get("target_lesion") or "")
    wanted = prepared.get(target, {}).get((kind, purpose_from_item(item)))
    if not target or not wanted or "*" in wanted:
        return None
    link = item.get("prepares_index")
    if isinstance(link, int) and 0 <= link < len(procedures):
        others = [procedures[link]]
    else:
        others = [p for i, p in enumerate(procedures) if i != index]
    if any(str(p.get("procedure_type", "")) in wanted
           and str(p.get("target_lesion") or "") == target for p in others):
        return None
    label = kind.replace("_", " ")
    purpose = purpose_from_item(item).replace("_", "-")
    needed = " or ".join(sorted(w.replace("_", " ") for w in wanted))
    return Departure(index, kind, target, (
        f"A {purpose} {label} was suggested only to prepare {needed}, which the plan does not "
        f"have for its target lesion."))


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
    target, for every lesion of the case), when it was suggested only as the preparation of a
    procedure the plan leaves out (a pre-operative embolization without its operation), or was suggested with another purpose (purpose given as
    ``purpose`` or the deprecated ``embolization_purpose``). An empty plan departs when
    anything was suggested. Supporting imaging steps never depart.
    """
    suggested = (suggested_in_support(support) if isinstance(support, CaseSupport)
                 else suggested_in_snapshot(support))
    anywhere = any(kinds for kinds in suggested.values())
    prepared = _prepared_of(support)
    departures: list[Departure] = []
    for index, item in enumerate(procedures):
        kind = str(item.get("procedure_type", ""))
        if kind in SUPPORTING_PROCEDURES:
            continue
        target = str(item.get("target_lesion") or "")
        # Without a target the procedure is for the whole case: it follows only what was
        # suggested for every lesion (a pre-operative embolization suggested for one lesion
        # does not make an untargeted one "as suggested").
        lesions = [suggested.get(target, {})] if target else list(suggested.values()) or [{}]
        where = "for its target lesion" if target else "for every lesion"
        label = kind.replace("_", " ")
        if any(kind not in allowed for allowed in lesions):
            departures.append(Departure(index, kind, target,
                                        f"{label} was not suggested {where}."))
            continue
        purpose = purpose_from_item(item)
        refused = [allowed[kind] for allowed in lesions
                   if not _purpose_follows(purpose, allowed[kind])]
        if refused:
            given = (f"A {purpose.replace('_', '-')} {label}" if purpose
                     else f"{'An' if label[:1] in 'aeiou' else 'A'} {label} without a purpose")
            departures.append(Departure(index, kind, target, (
                f"{given} was not suggested {where} (suggested purpose: "
                f"{_purpose_text(refused[0])}).")))
            continue
        unprepared = _preparation_departure(index, item, procedures, prepared)
        if unprepared is not None:
            departures.append(unprepared)
    if not procedures and anywhere:
        departures.append(Departure(None, "", "", "The plan contains none of the suggested "
                                    "procedures."))
    return AdherenceResult(followed=not departures, departures=tuple(departures))


# Local treatments of one lesion that exclude each other: the MDT chooses one of them, or none
# (thermal and non-thermal ablations, focused ultrasound, surgery, fixation, cementoplasty).
ALTERNATIVE_TYPES = frozenset({"rfa", "mwa", "cryoablation", "ect", "mrgfus", "surgery",
                               "osteosynthesis", "vertebroplasty"})
# Suggestions that complete another rather than replace it: a cementoplasty consolidating the
# ablation in the same session (DS-ABLATION-CEMENT).
ADD_ON_RULES = frozenset({"DS-ABLATION-CEMENT"})


@dataclass(frozen=True)
class Choice:
    """One thing the chair can accept for a lesion: a single suggestion, or a combination the
    algorithm proposes together (a preparation and the procedure it prepares), by suggestion
    key in plan order."""

    keys: tuple[str, ...]

    @property
    def combination(self) -> bool:
        return len(self.keys) > 1


@dataclass(frozen=True)
class LesionChoices:
    """The decision step for one lesion: ``alternatives`` exclude each other (one choice, or
    none); each ``add_on`` can be accepted on its own (radiotherapy, work-up, a cementoplasty
    after an ablation, a palliative embolization)."""

    alternatives: tuple[Choice, ...]
    add_ons: tuple[Choice, ...]


def lesion_choices(suggestions: Sequence[Mapping[str, Any]]) -> LesionChoices:
    """Group one lesion's suggestions (``key``, ``procedure_type``, ``rule_id``, ``prepares``)
    into alternatives and add-ons. A preparation is never offered alone: it comes as a
    combination with the procedure it prepares, right after that procedure's own choice; one
    whose procedure is not suggested is an add-on."""
    by_key = {str(s.get("key") or s.get("procedure_type", "")): s for s in suggestions}
    preparing: dict[str, list[str]] = {}
    for key, s in by_key.items():
        target = str(s.get("prepares") or "")
        if target and target in by_key and target != key:
            preparing.setdefault(target, []).append(key)
    prepared_keys = {k for keys in preparing.values() for k in keys}
    alternatives: list[Choice] = []
    add_ons: list[Choice] = []
    for key, s in by_key.items():
        if key in prepared_keys:
            continue
        alternative = (str(s.get("procedure_type", "")) in ALTERNATIVE_TYPES
                       and str(s.get("rule_id", "")) not in ADD_ON_RULES)
        bucket = alternatives if alternative else add_ons
        bucket.append(Choice((key,)))
        for prep in preparing.get(key, []):
            bucket.append(Choice((prep, key)))
    return LesionChoices(tuple(alternatives), tuple(add_ons))
