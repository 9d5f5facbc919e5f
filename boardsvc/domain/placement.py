"""Automatic agenda placement: which meeting a ready case goes to, and why (pure Python).

Rules (clinical-rules.md §1 and §3):
- R13: a case goes on the earliest meeting whose submission cut-off has not passed. After the
  cut-off only an urgent (or emergency) case may be added, and only with a recorded reason.
- R14: a case takes 5 minutes (standard) or 10 minutes (complex: an interventional-radiology
  candidate, several lesions, or an emergency); a meeting is full when the next case would
  overrun its capacity.
- R9-R12: an emergency (suspected MSCC) never waits for the weekly meeting; it goes to an ad-hoc
  or virtual meeting within 24 h (created when none fits) and is ratified at the next regular one.
  A new ad-hoc meeting is held inside the board's on-call window (local hours, default
  08:00-20:00): a case arriving at 03:30 is discussed at 08:00, not at 05:30. The on-call people
  are told at once when the case arrives (R12, boardsvc/services/emergency.py), so the window
  only decides when the board meets, never when someone hears of the case.
- Urgent cases are placed first, then carried-over cases (rolled forward from an earlier
  meeting) before new ones of the same urgency, then first-come-first-served by the time they
  became ready.

Every result carries the reasons for the chosen meeting *and* for each earlier meeting that was
passed over, so a coordinator can see why a case landed where it did. Deterministic: ``now`` is
an argument and ties are broken by ids.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cases.domain.codes import Urgency

from .codes import MeetingStatus

_URGENCY_RANK: dict[str, int] = {Urgency.EMERGENCY: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}

# R14 defaults (minutes per case), allowed 2-15 per board.
STANDARD_MINUTES_DEFAULT = 5
COMPLEX_MINUTES_DEFAULT = 10
CASE_MINUTES_MIN = 2
CASE_MINUTES_MAX = 15

# Procedures performed by interventional radiology (cases.domain.codes.ProcedureType values).
# A case whose decision support suggests any of them is "complex" (R14: 10 min).
IR_PROCEDURES = frozenset(
    {"embolization", "rfa", "mwa", "cryoablation", "ect", "vertebroplasty", "mrgfus"}
)

# R9-R12: an emergency decision within 24 h; an ad-hoc meeting is set up this long from now.
EMERGENCY_WINDOW = timedelta(hours=24)
ADHOC_LEAD_DEFAULT = timedelta(hours=2)
ADHOC_DURATION_MINUTES_DEFAULT = 30
# The on-call window for ad-hoc meetings, local wall-clock time in the board's zone [I: a site
# setting; NICE NG234 asks for immediate contact (R12), not a meeting at night].
ONCALL_START_DEFAULT = time(8, 0)
ONCALL_END_DEFAULT = time(20, 0)


@dataclass(frozen=True)
class CaseInfo:
    case_id: int
    urgency: str
    ready_at: datetime
    lesion_count: int = 1
    ir_candidate: bool = False
    emergency: bool = False  # decision support's MSCC flag, or urgency "emergency"
    carry_count: int = 0  # times the case was rolled forward undiscussed (0: a new case)

    @property
    def is_emergency(self) -> bool:
        return self.emergency or self.urgency == Urgency.EMERGENCY

    @property
    def is_urgent(self) -> bool:
        return self.urgency in (Urgency.URGENT, Urgency.EMERGENCY) or self.emergency


@dataclass(frozen=True)
class MeetingInfo:
    meeting_id: int
    starts_at: datetime
    cutoff_at: datetime
    capacity_minutes: int
    used_minutes: int = 0
    status: str = MeetingStatus.PLANNED
    adhoc: bool = False

    @property
    def free_minutes(self) -> int:
        return self.capacity_minutes - self.used_minutes


@dataclass(frozen=True)
class Reason:
    """Why a meeting was chosen or passed over. ``code`` is stable; ``message`` is for people
    (plain English); ``params`` are the values the message was built from (strings: times as
    ``_fmt`` gives them, minutes, and ``variant`` where one code has several wordings), so that
    a page or a notice can word it again in the reader's language (boardsvc/labels.py)."""

    code: str  # chosen | cut_off_passed | full | not_open | emergency_adhoc | create_adhoc | none
    message: str
    meeting_id: int | None = None
    starts_at: datetime | None = None
    params: dict[str, str] = field(default_factory=dict, hash=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "meeting_id": self.meeting_id,
            "starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class OncallWindow:
    """The local hours in which a board holds ad-hoc (emergency) meetings.

    ``start == end`` means around the clock; ``start > end`` is a window across midnight (e.g.
    20:00-08:00 for a night service).
    """

    tz_name: str
    start: time = ONCALL_START_DEFAULT
    end: time = ONCALL_END_DEFAULT

    @property
    def always(self) -> bool:
        return self.start == self.end

    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M} {self.tz_name}"


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    # A wall-clock time in the spring-forward gap (02:30 on the DST day) is read with the
    # offset before the change, i.e. it lands on 03:30: the next moment that exists.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def oncall_start(earliest: datetime, window: OncallWindow | None,
                 duration_minutes: int = ADHOC_DURATION_MINUTES_DEFAULT) -> datetime:
    """The first moment at or after ``earliest`` when a meeting of ``duration_minutes`` fits
    wholly inside the on-call window (DST-safe: windows are built per local date).

    No window, or an around-the-clock one, returns ``earliest``. A window shorter than the
    meeting falls back to the start of the next window. Raises ValueError for a naive
    ``earliest``.
    """
    if earliest.tzinfo is None:
        raise ValueError("earliest must be timezone-aware")
    if window is None or window.always:
        return earliest
    zone = ZoneInfo(window.tz_name)
    duration = timedelta(minutes=duration_minutes)
    today = earliest.astimezone(zone).date()
    first_start: datetime | None = None
    # Yesterday's window may still be open (a window across midnight); three days ahead is
    # always enough for a daily window.
    for offset in range(-1, 4):
        day = today + timedelta(days=offset)
        opens = _local(day, window.start, zone)
        closes = _local(day + timedelta(days=1) if window.end < window.start else day,
                        window.end, zone)
        start = max(earliest, opens)
        if start + duration <= closes:
            return start
        if opens >= earliest and first_start is None:
            first_start = opens
    return first_start if first_start is not None else earliest


@dataclass(frozen=True)
class AdhocRequest:
    """An ad-hoc (virtual) meeting the caller must create for an emergency."""

    starts_at: datetime
    duration_minutes: int


@dataclass(frozen=True)
class PlacementResult:
    case_id: int
    outcome: str  # "placed" | "create_adhoc" | "no_meeting"
    minutes: int
    complex_case: bool
    meeting_id: int | None = None
    late_addition: bool = False
    ratification_required: bool = False
    adhoc: AdhocRequest | None = None
    # An earlier meeting an urgent case could join as a late addition, if a reason is recorded.
    late_candidate_meeting_id: int | None = None
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    def explanation(self) -> list[dict[str, object]]:
        return [reason.as_dict() for reason in self.reasons]


def is_complex(*, ir_candidate: bool, lesion_count: int, emergency: bool) -> bool:
    """R14: a case is complex when IR may treat it, it has several lesions, or it is urgent MSCC."""
    return ir_candidate or lesion_count > 1 or emergency


def case_minutes(
    case: CaseInfo,
    *,
    standard_minutes: int = STANDARD_MINUTES_DEFAULT,
    complex_minutes: int = COMPLEX_MINUTES_DEFAULT,
) -> tuple[int, bool]:
    """The minutes to allot to a case (R14) and whether it counts as complex."""
    complex_case = is_complex(
        ir_candidate=case.ir_candidate, lesion_count=case.lesion_count, emergency=case.is_emergency
    )
    return (complex_minutes if complex_case else standard_minutes), complex_case


def placement_order(cases: Iterable[CaseInfo]) -> list[CaseInfo]:
    """Emergencies, then urgent cases, then routine ones; within each urgency carried-over
    cases before new ones (a rolled-forward case must not slip behind a newer one week after
    week), then first come first served."""
    return sorted(
        cases, key=lambda c: (_URGENCY_RANK.get(c.urgency, 2) if not c.emergency else 0,
                              0 if c.carry_count > 0 else 1, c.ready_at, c.case_id)
    )


def _fmt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _room(free: int, meeting: MeetingInfo, minutes: int) -> dict[str, str]:
    """A reason's minutes: free, of the meeting's capacity, and what the case needs (R14)."""
    return {"free": str(free), "capacity": str(meeting.capacity_minutes),
            "minutes": str(minutes)}


def adhoc_start(now: datetime, lead: timedelta = ADHOC_LEAD_DEFAULT) -> datetime:
    """The start of a new ad-hoc meeting: ``now + lead`` rounded up to the next quarter hour."""
    moment = now + lead
    minutes = math.ceil((moment.minute + moment.second / 60 + moment.microsecond / 6e7) / 15) * 15
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(minutes=minutes)


def place_case(
    *,
    case: CaseInfo,
    meetings: Sequence[MeetingInfo],
    now: datetime,
    standard_minutes: int = STANDARD_MINUTES_DEFAULT,
    complex_minutes: int = COMPLEX_MINUTES_DEFAULT,
    late_reason: str = "",
    adhoc_lead: timedelta = ADHOC_LEAD_DEFAULT,
    adhoc_duration_minutes: int = ADHOC_DURATION_MINUTES_DEFAULT,
    oncall: OncallWindow | None = None,
) -> PlacementResult:
    """Choose the meeting for one case among ``meetings`` of a suitable board.

    Regular path (R13, R14): the earliest regular meeting that has not started, is planned or
    frozen, whose cut-off has not passed and whose free minutes fit the case. With a non-empty
    ``late_reason``, an urgent case may also join a meeting whose cut-off has passed (a late
    addition). Emergency path (R9-R12): the earliest open ad-hoc meeting starting within 24 h with
    room, otherwise a request to create one inside the ``oncall`` window (None: any hour).
    Raises ValueError for a naive ``now``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    minutes, complex_case = case_minutes(
        case, standard_minutes=standard_minutes, complex_minutes=complex_minutes
    )
    base = PlacementResult(case_id=case.case_id, outcome="no_meeting", minutes=minutes,
                           complex_case=complex_case)
    ordered = sorted(meetings, key=lambda m: (m.starts_at, m.meeting_id))
    if case.is_emergency:
        return _place_emergency(base, ordered, now, adhoc_lead, adhoc_duration_minutes, oncall)

    reasons: list[Reason] = []
    late_candidate: int | None = None
    can_be_late = case.is_urgent
    for meeting in ordered:
        if meeting.adhoc or meeting.starts_at <= now:
            continue  # ad-hoc meetings are for emergencies; past meetings are not candidates
        if meeting.status not in (MeetingStatus.PLANNED, MeetingStatus.FROZEN):
            reasons.append(Reason("not_open", f"Meeting on {_fmt(meeting.starts_at)} is "
                                  f"{meeting.status.replace('_', ' ')}.",
                                  meeting.meeting_id, meeting.starts_at,
                                  {"when": _fmt(meeting.starts_at),
                                   "status": str(meeting.status)}))
            continue
        fits = minutes <= meeting.free_minutes
        cut_off_passed = now >= meeting.cutoff_at or meeting.status == MeetingStatus.FROZEN
        if cut_off_passed:
            if can_be_late and late_reason.strip() and fits:
                reasons.append(Reason(
                    "chosen",
                    f"Urgent late addition after the cut-off (R13) with the recorded reason; "
                    f"{meeting.free_minutes} of {meeting.capacity_minutes} minutes free, the "
                    f"case needs {minutes} (R14).",
                    meeting.meeting_id, meeting.starts_at,
                    {"variant": "late", **_room(meeting.free_minutes, meeting, minutes)}))
                return replace(base, outcome="placed", meeting_id=meeting.meeting_id,
                               late_addition=True, reasons=tuple(reasons))
            if can_be_late and fits and late_candidate is None:
                late_candidate = meeting.meeting_id
            hint = (" An urgent case can be added late with a recorded reason."
                    if can_be_late else "")
            reasons.append(Reason(
                "cut_off_passed",
                f"Submission cut-off (R13) for the meeting on {_fmt(meeting.starts_at)} passed "
                f"at {_fmt(meeting.cutoff_at)}.{hint}",
                meeting.meeting_id, meeting.starts_at,
                {"when": _fmt(meeting.starts_at), "cutoff": _fmt(meeting.cutoff_at),
                 "late_possible": "yes" if can_be_late else ""}))
            continue
        if not fits:
            reasons.append(Reason(
                "full",
                f"Meeting on {_fmt(meeting.starts_at)} is full: {max(meeting.free_minutes, 0)} "
                f"of {meeting.capacity_minutes} minutes free, the case needs {minutes} (R14).",
                meeting.meeting_id, meeting.starts_at,
                {"when": _fmt(meeting.starts_at),
                 **_room(max(meeting.free_minutes, 0), meeting, minutes)}))
            continue
        kind = "complex" if complex_case else "standard"
        reasons.append(Reason(
            "chosen",
            f"Earliest meeting whose cut-off (R13) has not passed and with room: "
            f"{meeting.free_minutes} of {meeting.capacity_minutes} minutes free, the case needs "
            f"{minutes} ({kind} case, R14).",
            meeting.meeting_id, meeting.starts_at,
            {"kind": kind, **_room(meeting.free_minutes, meeting, minutes)}))
        return replace(base, outcome="placed", meeting_id=meeting.meeting_id,
                       late_candidate_meeting_id=late_candidate, reasons=tuple(reasons))
    reasons.append(Reason("none", "No upcoming meeting of a suitable board has room before "
                          "its cut-off; the coordinators have been told."))
    return replace(base, late_candidate_meeting_id=late_candidate, reasons=tuple(reasons))


_ADHOC_OPEN = (MeetingStatus.PLANNED, MeetingStatus.FROZEN, MeetingStatus.IN_SESSION)


def _place_emergency(
    base: PlacementResult,
    ordered: Sequence[MeetingInfo],
    now: datetime,
    adhoc_lead: timedelta,
    adhoc_duration_minutes: int,
    oncall: OncallWindow | None = None,
) -> PlacementResult:
    reasons: list[Reason] = [Reason(
        "emergency_adhoc",
        "Emergency (suspected MSCC, R9-R12): decided at an ad-hoc meeting within 24 h instead "
        "of waiting for the weekly meeting, then ratified at the next regular meeting.")]
    horizon = now + EMERGENCY_WINDOW
    starts_at = adhoc_start(now, adhoc_lead)
    for meeting in ordered:
        if not meeting.adhoc or meeting.status not in _ADHOC_OPEN:
            continue
        if meeting.status != MeetingStatus.IN_SESSION and meeting.starts_at < now:
            continue
        if meeting.starts_at > horizon:
            continue
        if base.minutes > meeting.free_minutes:
            reasons.append(Reason("full", f"Ad-hoc meeting on {_fmt(meeting.starts_at)} has "
                                  f"{max(meeting.free_minutes, 0)} minutes free, the case needs "
                                  f"{base.minutes} (R14).", meeting.meeting_id, meeting.starts_at,
                                  {"variant": "adhoc", "when": _fmt(meeting.starts_at),
                                   **_room(max(meeting.free_minutes, 0), meeting,
                                           base.minutes)}))
            # The same people are on that call: a further ad-hoc meeting follows it rather
            # than running at the same time (an ad-hoc meeting lasts its capacity).
            starts_at = max(starts_at,
                            meeting.starts_at + timedelta(minutes=meeting.capacity_minutes))
            continue
        reasons.append(Reason("chosen", f"Ad-hoc meeting on {_fmt(meeting.starts_at)}, within "
                              "24 h (R9-R12).", meeting.meeting_id, meeting.starts_at,
                              {"variant": "adhoc", "when": _fmt(meeting.starts_at)}))
        return replace(base, outcome="placed", meeting_id=meeting.meeting_id,
                       ratification_required=True, reasons=tuple(reasons))
    duration = max(adhoc_duration_minutes, base.minutes)
    earliest = starts_at
    starts_at = oncall_start(earliest, oncall, duration)
    window = ""
    params = {"when": _fmt(starts_at), "oncall_window": "", "beyond_24h": ""}
    if starts_at != earliest and oncall is not None:
        params["oncall_window"] = oncall.label()
        window = (f" That is the start of the board's on-call window ({oncall.label()}); the "
                  "on-call team was told when the case arrived (R12).")
    if starts_at > horizon:
        params["beyond_24h"] = "yes"
        window += (" This is more than 24 h after the case became ready: the MSCC pathway "
                   "(MRI, expert advice, radiotherapy) must go ahead without waiting for it.")
    reasons.append(Reason("create_adhoc", f"No ad-hoc meeting with room within 24 h: a virtual "
                          f"meeting is set up for {_fmt(starts_at)} (R9-R12).{window}",
                          None, starts_at, params))
    return replace(base, outcome="create_adhoc", ratification_required=True,
                   adhoc=AdhocRequest(starts_at, duration), reasons=tuple(reasons))

