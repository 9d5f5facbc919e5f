"""Consistency of a submitted lesion: data that contradicts itself is refused at intake.

Readiness (readiness.py) is about what is *missing* before a discussion; this module is about
what cannot be true together, so intake refuses it outright, with every problem at once
(issue 11, item 10). Each check reads raw submitted values (codes as strings), so it can run on
a payload whose other fields failed validation, and names the field that is wrong:

- a vertebral level belongs to a spinal lesion: a vertebra (C1-L5, or S1-S5) or the sacrum
  (S1-S5 only); a long bone, the pelvis or a rib has none;
- vascularity is an imaging finding: "hyper" or "hypo" needs the method that showed it
  (DCE-MRI, angiography or CT perfusion; clinical-rules.md §2.3-§2.4: the benefit of
  embolization is shown only where hypervascularity was confirmed on imaging);
- SINS (Fisher 2010) scores the spine only; Mirels (1989) scores long bones only, and its site
  component must match the limb (upper limb for a humerus/radius/ulna lesion; lower limb or
  peritrochanteric for a femur/tibia/fibula lesion);
- a Bilsky (ESCC) grade and vertebra-specific findings (vertebra plana, posterior-wall
  involvement) describe a spinal lesion, and a Bilsky grade needs epidural extension.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .codes import MirelsSite, SkeletalSite, Vascularity, VascularityMethod

SPINE_SITES = frozenset({SkeletalSite.VERTEBRA.value, SkeletalSite.SACRUM.value})
LONG_BONE_SITES = frozenset({SkeletalSite.LONG_BONE_UPPER.value,
                             SkeletalSite.LONG_BONE_LOWER.value})
SINS_FIELDS = ("sins_location", "sins_pain", "sins_alignment", "sins_collapse",
               "sins_posterolateral")
MIRELS_FIELDS = ("mirels_site", "mirels_pain", "mirels_size")
_MIRELS_SITES_BY_LIMB = {
    SkeletalSite.LONG_BONE_UPPER.value: frozenset({MirelsSite.UPPER_LIMB.value}),
    SkeletalSite.LONG_BONE_LOWER.value: frozenset({MirelsSite.LOWER_LIMB.value,
                                                   MirelsSite.PERITROCHANTERIC.value}),
}


@dataclass(frozen=True)
class Inconsistency:
    """One contradiction: the field to fix, a stable rule code and a plain-English message."""

    field: str
    rule: str
    message: str

    def as_dict(self, prefix: str = "") -> dict[str, str]:
        return {"field": f"{prefix}.{self.field}" if prefix else self.field, "rule": self.rule,
                "message": self.message}


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    return "" if value is None else str(value).strip()


def _flag(values: Mapping[str, Any], name: str) -> bool:
    value = values.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "on", "1", "yes")
    return bool(value)


def lesion_inconsistencies(values: Mapping[str, Any]) -> list[Inconsistency]:
    """Every contradiction in one lesion's submitted values (empty when consistent).

    ``values`` maps LESION_FIELDS names to raw codes (str), booleans or None; absent keys are
    read as not given. Deterministic, in field order.
    """
    site = _text(values, "site")
    spine = site in SPINE_SITES
    out: list[Inconsistency] = []
    level = _text(values, "vertebral_level")
    if site == SkeletalSite.VERTEBRA.value and not level:
        out.append(Inconsistency("vertebral_level", "required",
                                 "A vertebral lesion needs its vertebral level (C1-S5)."))
    elif level and site and not spine:
        out.append(Inconsistency(
            "vertebral_level", "level_needs_spine",
            f"A vertebral level ({level}) is given for a lesion that is not in the spine; "
            "choose the vertebra or sacrum as the site, or leave the level blank."))
    elif level and site == SkeletalSite.SACRUM.value and not level.startswith("S"):
        out.append(Inconsistency(
            "vertebral_level", "sacrum_level",
            f"A sacral lesion has a sacral level (S1-S5), not {level}."))
    vascularity = _text(values, "vascularity")
    method = _text(values, "vascularity_method") or VascularityMethod.NONE.value
    if vascularity in (Vascularity.HYPER.value, Vascularity.HYPO.value) and \
            method == VascularityMethod.NONE.value:
        word = "Hypervascular" if vascularity == Vascularity.HYPER.value else "Hypovascular"
        out.append(Inconsistency(
            "vascularity_method", "required_with_vascularity",
            f"{word} needs the imaging that showed it (DCE-MRI, angiography or CT "
            "perfusion); otherwise record vascularity as not assessed."))
    if _text(values, "bilsky_grade"):
        if site and not spine:
            out.append(Inconsistency("bilsky_grade", "spine_only",
                                     "A Bilsky grade describes epidural compression in the "
                                     "spine; this lesion is not in the spine."))
        elif not _flag(values, "epidural_extension"):
            out.append(Inconsistency("bilsky_grade", "needs_epidural_extension",
                                     "A Bilsky grade is given only with epidural extension."))
    if site and not spine:
        for name, label in (("vertebra_plana", "Vertebra plana"),
                            ("posterior_wall_involved", "Posterior-wall involvement")):
            if _flag(values, name):
                out.append(Inconsistency(name, "spine_only",
                                         f"{label} describes a vertebra; this lesion is not in "
                                         "the spine."))
        for name in SINS_FIELDS:
            if _text(values, name):
                out.append(Inconsistency(name, "sins_spine_only",
                                         "SINS scores spinal lesions only; leave it blank for "
                                         "this site."))
    if site and site not in LONG_BONE_SITES:
        for name in MIRELS_FIELDS:
            if _text(values, name):
                out.append(Inconsistency(name, "mirels_long_bone_only",
                                         "Mirels scores long-bone lesions only; leave it blank "
                                         "for this site."))
    mirels_site = _text(values, "mirels_site")
    allowed = _MIRELS_SITES_BY_LIMB.get(site)
    if allowed is not None and mirels_site and mirels_site not in allowed:
        limb = "an upper-limb" if site == SkeletalSite.LONG_BONE_UPPER.value else "a lower-limb"
        out.append(Inconsistency("mirels_site", "mirels_site_mismatch",
                                 f"The Mirels site ({mirels_site.replace('_', ' ')}) does not "
                                 f"match {limb} long bone."))
    return out
