"""The structured MDT outcome: its categories and the per-board outcome template (pure Python).

A board's template (``Board.outcome_template``) lists the structured fields the decision form
shows and which of them are mandatory; nothing mandatory is ever filled in silently.
boardsvc.models builds its TextChoices from these values (labels are the models').
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from core.errors import RuleError

from .errors import BoardRuleError


class OutcomeCategory(StrEnum):
    """What kind of outcome the MDT reached for a case."""

    TREATMENT = "treatment"
    INVESTIGATION = "investigation"
    SURVEILLANCE = "surveillance"
    SUPPORTIVE_CARE = "supportive_care"
    REFER = "refer"
    OTHER = "other"


# The structured fields of an outcome, in the order the form shows them.
OUTCOME_FIELDS = ("outcome_category", "intent", "procedures", "follow_up",
                  "responsible_clinician", "outcome_text")


def outcome_template_default() -> dict[str, object]:
    """Every structured field shown; category, intent and the responsible clinician
    mandatory (a site edits this per board)."""
    return {"fields": list(OUTCOME_FIELDS),
            "required": ["outcome_category", "intent", "responsible_clinician"]}


# What each structured field is called in a refusal (the pages show their own translated labels).
FIELD_LABELS = {"outcome_category": "The outcome category", "intent": "The intent",
                "procedures": "The plan", "follow_up": "The follow-up",
                "responsible_clinician": "The responsible clinician",
                "outcome_text": "The outcome text"}


def template_fields(template: object) -> tuple[str, ...]:
    """The fields a template shows, in the form's order (the default's for a malformed one).
    ``outcome_text`` is always shown: it is the free-text record of the discussion."""
    default = outcome_template_default()
    raw = template.get("fields") if isinstance(template, dict) else None
    names = raw if isinstance(raw, list) else default["fields"]
    assert isinstance(names, list)
    shown = {str(n) for n in names} | {"outcome_text"}
    return tuple(f for f in OUTCOME_FIELDS if f in shown)


def template_required(template: object) -> frozenset[str]:
    """The mandatory fields of a template (the default's for a malformed one); the free text
    is always mandatory."""
    default = outcome_template_default()
    raw = template.get("required") if isinstance(template, dict) else None
    names = raw if isinstance(raw, list) else default["required"]
    assert isinstance(names, list)
    return frozenset({str(n) for n in names if str(n) in OUTCOME_FIELDS} | {"outcome_text"})


class OutcomeIncomplete(BoardRuleError):
    """A mandatory field of the board's outcome template was left empty (→ 400). ``errors``
    has one entry per missing field, in the form's order; ``field`` names the first."""

    def __init__(self, message: str, *, field: str, errors: list[dict[str, Any]]) -> None:
        RuleError.__init__(self, message, field=field, rule="required", status=400,
                           errors=errors)


def outcome_missing(template: object, values: Mapping[str, object],
                    only: Iterable[str] | None = None) -> OutcomeIncomplete | None:
    """The refusal for the mandatory fields left empty in ``values`` (None when complete).
    ``only`` limits the check to some fields (an amendment checks what it changes)."""
    required = template_required(template)
    wanted = set(OUTCOME_FIELDS if only is None else only)
    missing = [f for f in OUTCOME_FIELDS if f in required and f in wanted
               and _empty(values.get(f))]
    if not missing:
        return None
    errors = [{"field": f, "rule": "required",
               "message": f"{FIELD_LABELS[f]} is required by this board's outcome template."}
              for f in missing]
    return OutcomeIncomplete(str(errors[0]["message"]), field=missing[0], errors=errors)


def _empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return not value
    return False
