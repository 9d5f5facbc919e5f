"""The case status lifecycle: which transitions are legal.

submitted → ready for MDT → listed → discussed → plan scheduled → in treatment → follow-up → closed,
with the backward moves a real MDT needs (a listed case deferred back to ready, a discussed case
re-listed for re-discussion) and closing from any open state (e.g. the patient died or declined).
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class IllegalTransition(Exception):
    current: CaseStatus
    requested: CaseStatus

    @property
    def allowed(self) -> list[str]:
        return sorted(s.value for s in TRANSITIONS[self.current])

    def __str__(self) -> str:
        return (
            f"A case cannot move from {self.current.value!r} to {self.requested.value!r}; "
            f"allowed: {', '.join(self.allowed) or 'none'}."
        )


def allowed_transitions(current: CaseStatus | str) -> list[str]:
    return sorted(s.value for s in TRANSITIONS[CaseStatus(current)])


def check_transition(current: CaseStatus | str, requested: CaseStatus | str) -> None:
    """Raise IllegalTransition unless ``current → requested`` is in the lifecycle."""
    cur, req = CaseStatus(current), CaseStatus(requested)
    if req not in TRANSITIONS[cur]:
        raise IllegalTransition(cur, req)
