"""The purpose of a planned procedure and the procedure it prepares (issue 11, item 2), pure.

The vocabulary and the allowed combinations are the contract in codes.py
(``ProcedurePurpose``, ``PURPOSES_BY_PROCEDURE``, ``PREPARED_BY_PURPOSE``); this module reads
plan items in and says what is wrong with them, so the service, the API and the pages give the
same answer:

- ``purpose_from_item``: the purpose of a plan item, from ``purpose`` or the deprecated
  ``embolization_purpose`` ("adjuvant" is read as "pre_ablation");
- ``purpose_problem``: why a purpose is not allowed for a procedure type (or None);
- ``prepares_problem``: why a procedure with this purpose cannot prepare that one (or None).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .codes import PREPARED_BY_PURPOSE, PURPOSES_BY_PROCEDURE, ProcedurePurpose

# Values of the retired EmbolizationPurpose vocabulary that changed name.
LEGACY_PURPOSES: dict[str, str] = {"adjuvant": ProcedurePurpose.PRE_ABLATION.value}


def legacy_purpose(value: str) -> str:
    """A purpose in the current vocabulary ("adjuvant" → "pre_ablation"; others unchanged)."""
    value = (value or "").strip()
    return LEGACY_PURPOSES.get(value, value)


def purpose_from_item(item: Mapping[str, Any]) -> str:
    """The purpose a plan item carries: ``purpose`` first, else the deprecated
    ``embolization_purpose`` alias, mapped to the current vocabulary ("" for none)."""
    return legacy_purpose(str(item.get("purpose") or item.get("embolization_purpose") or ""))


def allowed_purposes(procedure_type: str) -> frozenset[str]:
    return PURPOSES_BY_PROCEDURE.get(procedure_type, frozenset())


def purpose_problem(procedure_type: str, purpose: str) -> str | None:
    """None when ``purpose`` ("" = none given) is allowed for ``procedure_type``."""
    if not purpose:
        return None
    allowed = allowed_purposes(procedure_type)
    kind = procedure_type.replace("_", " ")
    if not allowed:
        return f"Only embolizations and ablations carry a purpose, not {kind}."
    if purpose not in allowed:
        return (f"{purpose} is not a purpose for {kind}; allowed: "
                f"{', '.join(sorted(allowed))}.")
    return None


def prepares_problem(*, purpose: str, prepared_type: str) -> str | None:
    """None when a procedure with ``purpose`` may prepare a ``prepared_type`` procedure."""
    prepared = PREPARED_BY_PURPOSE.get(purpose)
    if not prepared:
        options = " or ".join(sorted(PREPARED_BY_PURPOSE))
        return (f"Only a procedure whose purpose is {options} prepares another procedure"
                f"{'' if not purpose else f' (this one is {purpose})'}.")
    if prepared_type not in prepared:
        return (f"A {purpose.replace('_', '-')} procedure prepares "
                f"{', '.join(sorted(prepared))}, not {prepared_type.replace('_', ' ')}.")
    return None
