"""A month of one board with known answers for every KPI figure (synthetic data only).

Board "bone-mets-spine" (Europe/Rome), period 1-31 March 2026, "now" 1 June 2026 (UTC):

- referred in the period to the board: c1, c3, c5, c6 (c2 was referred in January) → 4;
- meetings in the period: M1 10 March 13:00, M2 24 March 13:00 (both closed), M3 31 March
  (planned, no items); M0 10 February (closed, before the period);
- items: M1 c1 discussed, c2 standard of care, c3 deferred; M2 c3 discussed, c4 discussed (first
  discussed at M0), c5 rolled forward → 6 items, 5 cases;
- first discussions in the period: c1 (M1), c2 (M1), c3 (M2); c4 is not a first discussion;
- referral → MDT: c1 8.125 d, c2 68 d, c3 19 d → median 19, p90 58.2, 1 breach (c2 > 28);
- treatments (booked/done): c1 20 March 13:00 (2 h, room A); c3 30 April 13:00; c3 also has a
  cancelled booking on 25 March (ignored); c2 and c4 none;
- MDT → treatment: c1 10 d, c3 37 d (late), c2 running since 10 March (overdue) → median 23.5,
  p90 34.3, 2 breaches;
- decisions recorded in the period: c1 10 March 14:00, c3 and c4 24 March 14:00 → decision →
  treatment c1 9.958 d, c3 36.958 d (late), c4 running (overdue) → median 23.5, p90 34.3,
  2 breaches; quorum met for c1 and c3, not c4;
- referral → treatment: c1 18.125 d, c3 56 d, c2 running (overdue) → median 37.1, 1 breach;
- attendance (held: M1, M2): radiologist at both (2 people), neurosurgeon at M1 only;
- violations first seen in March on c1's plan: R1 soft open, R1 soft acknowledged, R4 hard
  resolved; one in April and one on another board's case are not counted;
- room A (Mon-Fri 07:00-20:00 Rome): 22 weekdays × 780 min = 17160, minus a closure on Monday
  2 March (780) → 16380 open minutes; booked 120 (c1) + 30 (a booking from 28 Feb 22:00 UTC
  to 23:30 UTC, clipped at the period's start, 23:00 UTC) → 150 min, 0.9 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from boardsvc.models import AgendaItem, Attendance, Board, Decision, Meeting
from cases.models import Case
from scheduling.models import Resource, Violation
from tests.factories.boardsvc import AgendaItemFactory, MeetingFactory, make_case
from tests.factories.core import UserFactory
from tests.factories.scheduling import (
    BookingFactory,
    ResourceExceptionFactory,
    ResourceFactory,
    at,
    plan_with,
)

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class KpiWorld:
    board: Board
    other_board: Board
    cases: dict[str, Case]
    room: Resource
    meetings: dict[str, Meeting]


def _case(board: Board, submitted: datetime) -> Case:
    case = make_case(status="listed", requested_board=board.slug)
    Case.objects.filter(pk=case.pk).update(submitted_at=submitted)
    case.refresh_from_db()
    return case


def _meeting(board: Board, starts: datetime, status: str = Meeting.Status.CLOSED) -> Meeting:
    return MeetingFactory(board=board, starts_at=starts, status=status)


def _item(meeting: Meeting, case: Case, outcome: str) -> AgendaItem:
    return AgendaItemFactory(meeting=meeting, case=case, outcome=outcome)


def _decision(item: AgendaItem, recorded: datetime, quorum_met: bool) -> Decision:
    return Decision.objects.create(agenda_item=item, meeting=item.meeting, case=item.case,
                                   recorded_at=recorded, quorum_met=quorum_met)


def _violation(plan: Any, rule: str, severity: str, status: str, seen: datetime,
               key: str) -> Violation:
    return Violation.objects.create(plan=plan, rule_code=f"{rule}_x", rule_id=rule,
                                    severity=severity, bookings_key=key, status=status,
                                    first_seen_at=seen, last_seen_at=seen)


@pytest.fixture
def kpi_world(board, other_board) -> KpiWorld:
    with time_machine.travel(NOW, tick=False):
        c = {
            "c1": _case(board, utc(3, 2, 10)),
            "c2": _case(board, utc(1, 1, 13)),
            "c3": _case(board, utc(3, 5, 13)),
            "c4": _case(board, utc(1, 20, 9)),
            "c5": _case(board, utc(3, 6, 9)),
            "c6": _case(board, utc(3, 7, 9)),
        }
        stranger = _case(other_board, utc(3, 3, 9))
        m0 = _meeting(board, utc(2, 10, 13))
        m1 = _meeting(board, utc(3, 10, 13))
        m2 = _meeting(board, utc(3, 24, 13))
        m3 = _meeting(board, utc(3, 31, 13), Meeting.Status.PLANNED)
        other = _meeting(other_board, utc(3, 12, 13))
        _item(m0, c["c4"], "discussed")
        i1 = _item(m1, c["c1"], "discussed")
        _item(m1, c["c2"], "standard_of_care")
        _item(m1, c["c3"], "deferred")
        i3 = _item(m2, c["c3"], "discussed")
        i4 = _item(m2, c["c4"], "discussed")
        _item(m2, c["c5"], "rolled_forward")
        io = _item(other, stranger, "discussed")
        _decision(i1, utc(3, 10, 14), True)
        _decision(i3, utc(3, 24, 14), True)
        _decision(i4, utc(3, 24, 14), False)
        _decision(io, utc(3, 12, 14), True)

        room = ResourceFactory(code="kpi-room-a", name="Room A")
        ResourceFactory(code="kpi-room-b", name="Room B", hours=False)
        ResourceExceptionFactory(resource=room, start=at(0, 7, base=utc(3, 2).date()),
                                 end=at(0, 20, base=utc(3, 2).date()))
        plan1, (p1,) = plan_with("embolization", case=c["c1"])
        BookingFactory(procedure=p1, resource=room, start=utc(3, 20, 13), end=utc(3, 20, 15))
        _plan3, (p3a, p3b) = plan_with("embolization", "surgery", case=c["c3"])
        BookingFactory(procedure=p3a, resource=room, start=utc(3, 25, 9), end=utc(3, 25, 10),
                       status="cancelled")
        BookingFactory(procedure=p3b, resource=room, start=utc(4, 30, 13), end=utc(4, 30, 14))
        _plan5, (p5,) = plan_with("embolization", case=c["c5"])
        BookingFactory(procedure=p5, resource=room, start=utc(2, 28, 22),
                       end=utc(2, 28, 23, 30), status="done")
        plan_s, _ = plan_with("embolization", case=stranger)

        _violation(plan1, "R1", "soft", "open", utc(3, 21, 8), "a")
        _violation(plan1, "R1", "soft", "acknowledged", utc(3, 22, 8), "b")
        _violation(plan1, "R4", "hard", "resolved", utc(3, 23, 8), "c")
        _violation(plan1, "R4", "hard", "open", utc(4, 10, 8), "d")
        _violation(plan_s, "R1", "soft", "open", utc(3, 21, 8), "e")

        rad, rad2, surgeon = (UserFactory(username=n) for n in ("kpi.rad", "kpi.rad2",
                                                                  "kpi.surgeon"))
        Attendance.objects.create(meeting=m1, user=rad, specialty="radiologist",
                                  arrived_at=utc(3, 10, 13))
        Attendance.objects.create(meeting=m1, user=surgeon, specialty="neurosurgeon",
                                  arrived_at=utc(3, 10, 13))
        Attendance.objects.create(meeting=m2, user=rad, specialty="radiologist",
                                  arrived_at=utc(3, 24, 13))
        Attendance.objects.create(meeting=m2, user=rad2, specialty="radiologist",
                                  stand_in=True, arrived_at=utc(3, 24, 13))
        Attendance.objects.create(meeting=m0, user=surgeon, specialty="neurosurgeon",
                                  arrived_at=utc(2, 10, 13))
    return KpiWorld(board, other_board, c, room, {"m0": m0, "m1": m1, "m2": m2, "m3": m3})


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
