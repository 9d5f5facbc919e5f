"""The MSCC emergency clocks (R9-R12) a case's on-call people are told about (pure Python).

clinical-rules.md §1 and §3 (NICE NG234, QS56): contact the MSCC coordinator immediately (R12);
whole-spine MRI within 24 h of the suspicion (R9); expert advice within 24 h (R12);
radiotherapy within 24 h of the decision to treat when the patient is not for surgery (R10);
suspected spinal metastases without neurology: MRI within 1 week (R11). The hours come from the
site's thresholds (cases.domain.thresholds: mscc_mri_hours, mscc_rt_hours,
mscc_expert_advice_hours); the R11 week is fixed here because no site parameter exists for it.

The clocks start at the suspicion, which boardsvc takes to be the moment the referral arrived
(the case's submission time): the earliest time the service knows of.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

R11_MRI_DAYS = 7


@dataclass(frozen=True)
class Deadline:
    """One clock: what must happen, by when (None when it starts at an event still to come)."""

    rule_id: str
    action: str
    due: datetime | None
    note: str = ""
    # A stable name of the clock and its length in hours (when the note gives one), so a caller
    # can word the line in the reader's language (boardsvc/services/emergency.py).
    key: str = ""
    hours: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {"rule_id": self.rule_id, "action": self.action,
                "due": self.due.isoformat() if self.due else None, "note": self.note}


def mscc_deadlines(
    *,
    suspected_at: datetime,
    mri_hours: float = 24,
    rt_hours: float = 24,
    advice_hours: float = 24,
    meeting_at: datetime | None = None,
    neurological: bool = True,
) -> list[Deadline]:
    """The R9-R12 deadlines of a suspected MSCC, in the order they fall due.

    ``meeting_at`` is the ad-hoc meeting, if known: a decision to treat taken there starts the
    R10 clock, so the latest radiotherapy start is shown from it. ``neurological`` False (the
    case was flagged an emergency without a recorded neurological deficit) adds the R11 week
    as the fallback if MSCC is ruled out. Raises ValueError for a naive ``suspected_at``.
    """
    if suspected_at.tzinfo is None:
        raise ValueError("suspected_at must be timezone-aware")
    out = [
        Deadline("R12", "Contact the MSCC coordinator", suspected_at, "immediately",
                 key="contact_coordinator"),
        Deadline("R9", "Whole-spine MRI", suspected_at + timedelta(hours=mri_hours),
                 f"within {mri_hours:g} h of the suspicion", key="mri", hours=mri_hours),
        Deadline("R12", "Expert advice (spinal surgery / clinical oncology)",
                 suspected_at + timedelta(hours=advice_hours),
                 f"within {advice_hours:g} h", key="expert_advice", hours=advice_hours),
        Deadline("R10", "Radiotherapy if not for surgery",
                 meeting_at + timedelta(hours=rt_hours) if meeting_at is not None else None,
                 f"within {rt_hours:g} h of the decision to treat"
                 + (" (if decided at the ad-hoc meeting)" if meeting_at is not None else ""),
                 key="radiotherapy", hours=rt_hours),
    ]
    if not neurological:
        out.append(Deadline("R11", "MRI if MSCC is ruled out (pain only, no neurology)",
                            suspected_at + timedelta(days=R11_MRI_DAYS), "within 1 week",
                            key="mri_without_neurology"))
    return out


def deadline_lines(deadlines: list[Deadline], tz_name: str) -> list[str]:
    """Plain-text lines for a notification, times in the board's zone (no patient data)."""
    zone = ZoneInfo(tz_name)
    lines = []
    for d in deadlines:
        if d.due is None:
            when = d.note
        else:
            local = d.due.astimezone(zone)
            when = f"by {local:%a %d %b %H:%M} {tz_name} ({d.due.astimezone(UTC):%H:%M} UTC)"
            if d.note:
                when = f"{when}, {d.note}"
        lines.append(f"- {d.rule_id} {d.action}: {when}")
    return lines
