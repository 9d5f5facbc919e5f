"""Same session means same session (issue 11, item 11), pure.

A plan may say that two procedures are done in one session (``same_session_with``: ablation
then cementoplasty, R5; embolization then ablation in the hybrid CT-angio room, R3). Once both
are booked they must be in the same room, back to back (one starts when the other ends) or at
the same start. This is a hard check: booking_create and booking_move refuse a change that
breaks a pair (admission.admit), and the solver places a pair together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .types import BookingView

SAME_SESSION = "same_session"


@dataclass(frozen=True)
class SessionProblem:
    """Two procedures planned for one session whose bookings are not one session."""

    procedure_ids: tuple[str, str]
    booking_ids: tuple[str, ...]
    message: str

    @property
    def key(self) -> str:
        return f"{SAME_SESSION}|{','.join(sorted(self.procedure_ids))}"


def _label(procedure_type: str) -> str:
    return procedure_type.replace("_", " ")


def session_pairs(bookings: Iterable[BookingView]) -> list[tuple[str, str]]:
    """The (procedure, procedure) pairs planned for one session that the bookings name,
    each once, sorted."""
    pairs = {tuple(sorted((b.procedure_id, b.same_session_with)))
             for b in bookings if b.same_session_with}
    return sorted((a, b) for a, b in pairs)


def together(a: BookingView, b: BookingView) -> bool:
    """Same room, and back to back (either order) or at the same start."""
    return a.resource_id == b.resource_id and (
        a.end == b.start or b.end == a.start or a.start == b.start)


def same_session_problems(bookings: Iterable[BookingView]) -> list[SessionProblem]:
    """Every same-session pair whose two procedures are both booked but not together.

    A pair with one procedure not yet booked is not a problem (it is pending). Deterministic:
    sorted by the pair's procedure ids.
    """
    items = list(bookings)
    active: dict[str, list[BookingView]] = defaultdict(list)
    for booking in items:
        if booking.active:
            active[booking.procedure_id].append(booking)
    out = []
    for first, second in session_pairs(items):
        if not active.get(first) or not active.get(second):
            continue
        a = min(active[first], key=lambda v: (v.start, v.booking_id))
        b = min(active[second], key=lambda v: (v.start, v.booking_id))
        if together(a, b):
            continue
        where = ("in different rooms" if a.resource_id != b.resource_id
                 else "in the same room but not back to back")
        earlier, later = sorted((a, b), key=lambda v: (v.start, v.booking_id))
        out.append(SessionProblem(
            procedure_ids=(first, second), booking_ids=(earlier.booking_id, later.booking_id),
            message=(f"The {_label(earlier.procedure_type)} and the "
                     f"{_label(later.procedure_type)} are planned for the same session but "
                     f"are booked {where}: book them in one room, one starting when the "
                     "other ends."),
        ))
    return out


def new_session_problems(before: Iterable[BookingView],
                         after: Iterable[BookingView]) -> list[SessionProblem]:
    """Problems present after a change and not before it (what refuses the change)."""
    old = {p.key for p in same_session_problems(before)}
    return [p for p in same_session_problems(after) if p.key not in old]
