"""Pathway clocks (clinical-rules.md R16, issue 13): how long a case has waited between two
events of its pathway, against a site-configurable target in days.

- **CWT-28** referral → MDT discussion, 28 days (the Faster Diagnosis Standard's 28 days, with
  the MDT discussion as the point the diagnosis and the plan are communicated);
- **CWT-31** decision to treat → first treatment, 31 days;
- **CWT-62** referral → first treatment, 62 days.

Defaults are NHS England's cancer waiting-time standards (October 2023); a site edits the
target and the alert lead time (``PATCH /api/v1/clock-targets/{code}/``) within the ranges
below. The database seeds the defaults (scheduling migration 0014).

A clock *starts* at its start event, is *due* ``target_days`` later and *stops* at its stop
event. While it runs, it is *breached* once ``now`` is past the due time, and *alerting* from
``alert_lead_days`` before it. A stopped clock was *met* when it stopped by the due time.
Pure and deterministic: ``now`` is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class StartEvent(StrEnum):
    REFERRAL = "referral"  # the case was submitted (Case.submitted_at)
    DECISION = "decision"  # the MDT decision behind the active plan


class StopEvent(StrEnum):
    MDT_DISCUSSION = "mdt_discussion"  # the case was first discussed (status "discussed")
    FIRST_TREATMENT = "first_treatment"  # the active plan's first booking has started


class ClockState(StrEnum):
    RUNNING = "running"  # not stopped, not due yet, outside the alert lead time
    DUE_SOON = "due_soon"  # not stopped, within the alert lead time
    BREACHED = "breached"  # not stopped, past the due time
    MET = "met"  # stopped by the due time
    MISSED = "missed"  # stopped after the due time
    NOT_STARTED = "not_started"  # the start event has not happened (no decision yet)


#: What an administrator may set, per clock: (target days low, high), (lead days low, high).
TARGET_DAYS_RANGE = (1, 366)
LEAD_DAYS_RANGE = (0, 30)


@dataclass(frozen=True)
class ClockTargetSpec:
    """One pathway clock target as data (stable ``clock_id``, rationale and source)."""

    code: str
    clock_id: str
    name: str
    start_event: StartEvent
    stop_event: StopEvent
    target_days: int
    alert_lead_days: int
    rationale: str
    source: str
    active: bool = True


SOURCE = "NHS England, Cancer waiting times standards, October 2023 (clinical-rules.md R16) [G]"

DEFAULT_TARGETS: tuple[ClockTargetSpec, ...] = (
    ClockTargetSpec(
        code="referral-to-mdt", clock_id="CWT-28", name="Referral to MDT discussion",
        start_event=StartEvent.REFERRAL, stop_event=StopEvent.MDT_DISCUSSION,
        target_days=28, alert_lead_days=5,
        rationale=("The 28-day Faster Diagnosis Standard: a referred patient learns the "
                   "diagnosis and the plan within 28 days; the MDT discussion is where both "
                   "are settled."),
        source=SOURCE),
    ClockTargetSpec(
        code="decision-to-treatment", clock_id="CWT-31", name="Decision to first treatment",
        start_event=StartEvent.DECISION, stop_event=StopEvent.FIRST_TREATMENT,
        target_days=31, alert_lead_days=5,
        rationale=("The 31-day standard: the first treatment starts within 31 days of the "
                   "decision to treat."),
        source=SOURCE),
    ClockTargetSpec(
        code="referral-to-treatment", clock_id="CWT-62", name="Referral to first treatment",
        start_event=StartEvent.REFERRAL, stop_event=StopEvent.FIRST_TREATMENT,
        target_days=62, alert_lead_days=7,
        rationale=("The 62-day standard: the first treatment starts within 62 days of the "
                   "referral."),
        source=SOURCE),
)


@dataclass(frozen=True)
class ClockReading:
    """One clock of one case at ``now``. ``time_left`` is negative once breached (or missed:
    how late it stopped); None when not started."""

    clock_id: str
    code: str
    started_at: datetime | None
    due_at: datetime | None
    stopped_at: datetime | None
    state: ClockState
    time_left: timedelta | None

    @property
    def breached(self) -> bool:
        return self.state in (ClockState.BREACHED, ClockState.MISSED)

    @property
    def running(self) -> bool:
        return self.state in (ClockState.RUNNING, ClockState.DUE_SOON, ClockState.BREACHED)


def read_clock(*, clock_id: str, code: str, started_at: datetime | None, target_days: int,
               alert_lead_days: int, stopped_at: datetime | None,
               now: datetime) -> ClockReading:
    """The clock's state at ``now``. A stop event dated after ``now`` (a booking still ahead)
    has not happened yet, so the clock still runs."""
    if started_at is None:
        return ClockReading(clock_id, code, None, None, None, ClockState.NOT_STARTED, None)
    due = started_at + timedelta(days=target_days)
    if stopped_at is not None and stopped_at <= now:
        state = ClockState.MET if stopped_at <= due else ClockState.MISSED
        return ClockReading(clock_id, code, started_at, due, stopped_at, state, due - stopped_at)
    left = due - now
    if left < timedelta(0):
        state = ClockState.BREACHED
    elif left <= timedelta(days=alert_lead_days):
        state = ClockState.DUE_SOON
    else:
        state = ClockState.RUNNING
    return ClockReading(clock_id, code, started_at, due, None, state, left)


def whole_days(delta: timedelta) -> int:
    """Days in ``delta``, rounded towards zero ("3 d left" for 3 days 20 hours; a clock 5 hours
    past its due time is "breached 0 d ago")."""
    seconds = delta.total_seconds()
    days = int(abs(seconds) // 86400)
    return days if seconds >= 0 else -days


#: A timing-rule deadline this close (or already missed) puts its plan at the top of the
#: coordinator's worklist (issue 13): R9 and R10 run for 24 h, the R1 window for 72 h at most,
#: so two days ahead shows every one of them while something can still be done.
RULE_SOON = timedelta(hours=48)


@dataclass(frozen=True)
class RuleDeadlineReading:
    """One running timing-rule deadline of a plan at ``now`` (R9, R10, R11 from a case event;
    the R1 window from a pre-operative embolization to its surgery): the rule's stable id and
    code, when the measured procedure is due, and the rule's rationale and source (as data,
    from the site's TimingRule row). ``time_left`` is negative once missed."""

    rule_id: str
    code: str
    severity: str
    event_at: datetime | None
    due_at: datetime
    time_left: timedelta
    rationale: str
    source: str

    @property
    def missed(self) -> bool:
        return self.time_left < timedelta(0)

    @property
    def soon(self) -> bool:
        """Due within RULE_SOON, or missed."""
        return self.time_left <= RULE_SOON


def read_rule_deadline(*, rule_id: str, code: str, severity: str, event_at: datetime | None,
                       due_at: datetime, rationale: str, source: str,
                       now: datetime) -> RuleDeadlineReading:
    """The deadline as it stands at ``now``."""
    return RuleDeadlineReading(rule_id=rule_id, code=code, severity=severity, event_at=event_at,
                               due_at=due_at, time_left=due_at - now, rationale=rationale,
                               source=source)


def whole_hours(delta: timedelta) -> int:
    """Hours in ``delta``, rounded towards zero, signed like ``delta`` ("5 h left", "missed
    3 h ago" for -3 h 40 min)."""
    seconds = delta.total_seconds()
    hours = int(abs(seconds) // 3600)
    return hours if seconds >= 0 else -hours
