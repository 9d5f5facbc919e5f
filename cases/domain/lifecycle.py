"""The case status lifecycle: which transitions are legal.

submitted → ready for MDT → listed → discussed → plan scheduled → in treatment → follow-up → closed,
with the backward moves a real MDT needs (a listed case deferred back to ready, a discussed case
re-listed for re-discussion) and closing from any open state (e.g. the patient died or declined).
"""

from __future__ import annotations

from core.errors import Conflict

from .codes import CaseStatus

S = CaseStatus

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.SUBMITTED: frozenset({S.READY_FOR_MDT, S.CLOSED}),
    S.READY_FOR_MDT: frozenset({S.SUBMITTED, S.LISTED, S.CLOSED}),
    S.LISTED: frozenset({S.READY_FOR_MDT, S.DISCUSSED, S.CLOSED}),
    S.DISCUSSED: frozenset({S.LISTED, S.READY_FOR_MDT, S.PLAN_SCHEDULED, S.FOLLOW_UP, S.CLOSED}),
    S.PLAN_SCHEDULED: frozenset({S.IN_TREATMENT, S.DISCUSSED, S.READY_FOR_MDT, S.CLOSED}),
    S.IN_TREATMENT: frozenset({S.FOLLOW_UP, S.READY_FOR_MDT, S.CLOSED}),
    S.FOLLOW_UP: frozenset({S.READY_FOR_MDT, S.CLOSED}),
    S.CLOSED: frozenset({S.READY_FOR_MDT}),  # re-referral of the same case
}


class IllegalTransition(Conflict):
    """``current → requested`` is not in the lifecycle (409 on the field ``to``; ``extra``
    names the current status and the allowed ones)."""

    rule = "illegal_transition"
    code = "illegal_transition"
    field = "to"

    def __init__(self, current: CaseStatus, requested: CaseStatus) -> None:
        self.current = current
        self.requested = requested
        allowed = allowed_transitions(current)
        super().__init__(
            f"A case cannot move from {current.value!r} to {requested.value!r}; "
            f"allowed: {', '.join(allowed) or 'none'}.",
            extra={"current": current.value, "allowed": allowed},
        )

    @property
    def allowed(self) -> list[str]:
        return allowed_transitions(self.current)


def allowed_transitions(current: CaseStatus | str) -> list[str]:
    return sorted(s.value for s in TRANSITIONS[CaseStatus(current)])


def check_transition(current: CaseStatus | str, requested: CaseStatus | str) -> None:
    """Raise IllegalTransition unless ``current → requested`` is in the lifecycle."""
    cur, req = CaseStatus(current), CaseStatus(requested)
    if req not in TRANSITIONS[cur]:
        raise IllegalTransition(cur, req)
