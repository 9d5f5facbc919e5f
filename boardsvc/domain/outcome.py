"""The structured MDT outcome: its categories and the per-board outcome template (pure Python).

A board's template (``Board.outcome_template``) lists the structured fields the decision form
shows and which of them are mandatory; nothing mandatory is ever filled in silently.
boardsvc.models builds its TextChoices from these values (labels are the models').
"""

from __future__ import annotations

from enum import StrEnum


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
