"""Whether a timing rule binds two procedures, and on what grounds (issue 11, items 2 and 3).

One answer for the engine's evaluation, the allowed windows, the solver and the verdicts, so
they never disagree:

1. **Linked**: one procedure prepares the other (``prepares_id``: a pre-operative embolization
   and its surgery, a pre-ablation embolization and its ablation). The rule binds the pair,
   whatever their target lesions.
2. **Linked elsewhere**: a procedure prepares *another* procedure of the kind the other one is
   (this embolization prepares the other surgery). The rule binds that link instead: stated as
   not applicable, with the reason.
3. **Same patient** rules (R17) bind any two procedures of the patient.
4. **Same lesion** rules bind two procedures whose target lesions are equal; different lesions
   are not applicable (stated). When a target lesion is **missing**, the rule applies at
   patient scope and says so (``note``): a rule is never skipped in silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cases.domain.codes import PREPARED_BY_PURPOSE

from .types import Scope, TimingRuleSpec

LINKED = "linked"
SAME_LESION = "same_lesion"
SAME_PATIENT = "same_patient"
PATIENT_FALLBACK = "patient_fallback"


class ProcedureLike(Protocol):
    """What scoping reads of a procedure (an Occurrence, a planned procedure, a probe)."""

    @property
    def procedure_id(self) -> str: ...
    @property
    def procedure_type(self) -> str: ...
    @property
    def patient_id(self) -> str: ...
    @property
    def lesion_id(self) -> str | None: ...
    @property
    def purpose(self) -> str: ...
    @property
    def prepares_id(self) -> str | None: ...


@dataclass(frozen=True)
class PairScope:
    """``applies``; ``basis`` (linked, same_lesion, same_patient, patient_fallback); ``note``
    when the rule was widened to the patient for want of a target lesion; ``reason`` when it
    does not apply."""

    applies: bool
    basis: str = ""
    note: str = ""
    reason: str = ""


def _label(procedure_type: str) -> str:
    return procedure_type.replace("_", " ")


def linked(a: ProcedureLike, b: ProcedureLike) -> bool:
    """One of the two prepares the other."""
    return (a.prepares_id is not None and a.prepares_id == b.procedure_id) or (
        b.prepares_id is not None and b.prepares_id == a.procedure_id)


def prepares_kind(preparer: ProcedureLike, procedure_type: str) -> bool:
    """Whether ``preparer``'s purpose prepares procedures of ``procedure_type``."""
    return procedure_type in PREPARED_BY_PURPOSE.get(preparer.purpose, frozenset())


def pair_scope(rule: TimingRuleSpec, a: ProcedureLike, b: ProcedureLike) -> PairScope:
    """Whether ``rule`` binds ``a`` and ``b`` (either order), and on what grounds."""
    if a.patient_id and b.patient_id and a.patient_id != b.patient_id:
        return PairScope(False, reason="the procedures are of different patients")
    if linked(a, b):
        return PairScope(True, LINKED)
    for x, y in ((a, b), (b, a)):
        if x.prepares_id is not None and prepares_kind(x, y.procedure_type):
            return PairScope(False, reason=(
                f"the {_label(x.procedure_type)} prepares another {_label(y.procedure_type)} "
                "of the plan; the rule binds that pair"))
    if rule.scope != Scope.SAME_LESION:
        return PairScope(True, SAME_PATIENT)
    if a.lesion_id is not None and b.lesion_id is not None:
        if a.lesion_id == b.lesion_id:
            return PairScope(True, SAME_LESION)
        return PairScope(False, reason="the procedures target different lesions")
    missing = [p for p in (a, b) if p.lesion_id is None]
    if len(missing) == 2:
        if a.procedure_type == b.procedure_type:
            what = f"neither {_label(a.procedure_type)} has a target lesion"
        else:
            what = (f"neither the {_label(a.procedure_type)} nor the "
                    f"{_label(b.procedure_type)} has a target lesion")
    else:
        what = f"the {_label(missing[0].procedure_type)} has no target lesion"
    return PairScope(True, PATIENT_FALLBACK, note=f"applied at patient scope: {what}")
