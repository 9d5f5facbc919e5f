"""The board's status vocabularies (pure Python): the one declaration of each value set.

boardsvc.models builds its TextChoices from these values (labels are the models'), so a status
the domain rules reason about and the status stored in a row cannot drift apart. An agenda
item's priority is the case's urgency (cases.domain.codes.Urgency).
"""

from __future__ import annotations

from enum import StrEnum


class MeetingStatus(StrEnum):
    """planned → frozen (agenda frozen at the cut-off) → in session → closed; planned or frozen
    → cancelled."""

    PLANNED = "planned"
    FROZEN = "frozen"
    IN_SESSION = "in_session"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ItemOutcome(StrEnum):
    """What became of an agenda item."""

    PENDING = "pending"
    DISCUSSED = "discussed"
    STANDARD_OF_CARE = "standard_of_care"  # listed, not discussed
    DEFERRED = "deferred"
    ROLLED_FORWARD = "rolled_forward"
    WITHDRAWN = "withdrawn"


class ItemPurpose(StrEnum):
    """Why a case is on an agenda: to be discussed, or to ratify an emergency decision."""

    DISCUSSION = "discussion"
    RATIFICATION = "ratification"


# Outcomes whose minutes still count against a meeting's capacity (R14); items moved away
# (deferred, rolled forward, withdrawn) free their time.
COUNTING_OUTCOMES = (ItemOutcome.PENDING, ItemOutcome.DISCUSSED, ItemOutcome.STANDARD_OF_CARE)
