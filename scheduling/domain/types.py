"""Value types of the scheduling domain: frozen dataclasses, standard library only.

Every datetime here is timezone-aware (UTC in practice); the domain never reads the clock, so
callers pass ``now`` in. Durations are ``timedelta``; the solver converts them to whole minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum


class Anchor(StrEnum):
    START = "start"
    END = "end"


class Severity(StrEnum):
    HARD = "hard"  # the change is refused
    SOFT = "soft"  # the change is accepted and a warning is recorded


class Scope(StrEnum):
    SAME_LESION = "same_lesion"
    SAME_PATIENT = "same_patient"


class RuleKind(StrEnum):
    LAG = "lag"  # a minimum / maximum time lag between two procedures
    FOLLOW_UP = "follow_up"  # a template of follow-up examinations after a procedure (R8)
    FRACTIONATION = "fractionation"  # a course of fractions on consecutive working days (R17)
    CLOCK = "clock"  # a deadline from a case event: suspicion, decision to treat (R9-R11)


class BookingStatus(StrEnum):
    PROPOSED = "proposed"
    BOOKED = "booked"
    DONE = "done"
    CANCELLED = "cancelled"


# The longest a booking may last (a procedure slot or one RT fraction). A database constraint
# holds it (booking_at_most_one_day), so a range query "bookings overlapping [lo, hi)" is also
# "bookings starting in [lo - MAX_BOOKING_LENGTH, hi)": bounded on both sides of the start
# index however long the history grows (issue 15, items 6 and 7).
MAX_BOOKING_LENGTH = timedelta(hours=24)
ACTIVE_STATUSES: frozenset[str] = frozenset(
    {BookingStatus.PROPOSED, BookingStatus.BOOKED, BookingStatus.DONE}
)
#: The statuses a booking can still be moved or cancelled from (done and cancelled are final).
CHANGEABLE_STATUSES: frozenset[str] = frozenset({BookingStatus.PROPOSED, BookingStatus.BOOKED})


class ExceptionKind(StrEnum):
    CLOSURE = "closure"
    MAINTENANCE = "maintenance"
    EXTRA_SESSION = "extra_session"


# The kinds as a list of values: the API's choices, and its schema's one enum name for them
# (config/settings ENUM_NAME_OVERRIDES).
EXCEPTION_KINDS: list[str] = [k.value for k in ExceptionKind]


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open interval [start, end): back-to-back intervals do not overlap."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Interval bounds must be timezone-aware datetimes.")
        if not self.start < self.end:
            raise ValueError("An interval must end after it starts.")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class BookingView:
    """One booking as the rules engine sees it (ids are opaque strings)."""

    booking_id: str
    procedure_id: str
    procedure_type: str
    resource_id: str
    start: datetime
    end: datetime
    status: str = BookingStatus.BOOKED
    patient_id: str = ""
    lesion_id: str | None = None
    plan_id: str = ""
    purpose: str = ""  # the procedure's purpose (pre_operative, pre_ablation, palliative, ...)
    planned_fractions: int | None = None  # for a radiotherapy course (R17)
    prepares_id: str | None = None  # the procedure this one prepares (R1-R3 bind the pair)
    same_session_with: str | None = None  # the procedure to do in the same session (item 11)
    planned_dose_gy: float | None = None  # total dose of a radiotherapy course (R17 schemes)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class Occurrence:
    """A procedure as performed: the span of its active bookings (an RT course has several).

    ``first_booking_id`` and ``last_booking_id`` are the bookings that give the start and end
    anchors, so a violation can name exactly the bookings that cause it.
    """

    procedure_id: str
    procedure_type: str
    start: datetime
    end: datetime
    first_booking_id: str
    last_booking_id: str
    booking_ids: tuple[str, ...]
    patient_id: str = ""
    lesion_id: str | None = None
    plan_id: str = ""
    purpose: str = ""
    planned_fractions: int | None = None
    fraction_starts: tuple[datetime, ...] = ()
    prepares_id: str | None = None

    def anchor(self, which: Anchor | str) -> datetime:
        return self.start if Anchor(which) == Anchor.START else self.end

    def anchor_booking(self, which: Anchor | str) -> str:
        return self.first_booking_id if Anchor(which) == Anchor.START else self.last_booking_id


@dataclass(frozen=True)
class TimingRuleSpec:
    """A timing rule as data (clinical-rules.md §1). Lags are measured from the ``from``
    procedure's anchor to the ``to`` procedure's anchor: ``lag = to.anchor - from.anchor``.

    - ``min_lag`` / ``max_lag``: bounds (None = unbounded) that a LAG rule enforces.
    - ``preferred_lag``: the lag the solver aims to stay within (an upper target).
    - ``symmetric``: either order is allowed (R6); the earlier procedure plays "from".
    - ``from_purposes``: restricts the from-procedure by its purpose (R1, R2: pre_operative).
    - ``template``: parameters of FOLLOW_UP and FRACTIONATION rules.
    """

    code: str
    rule_id: str
    kind: RuleKind
    from_procedures: frozenset[str]
    to_procedures: frozenset[str]
    severity: Severity
    scope: Scope
    rationale: str
    source: str = ""
    from_anchor: Anchor = Anchor.END
    to_anchor: Anchor = Anchor.START
    min_lag: timedelta | None = None
    max_lag: timedelta | None = None
    preferred_lag: timedelta | None = None
    symmetric: bool = False
    from_purposes: frozenset[str] = frozenset()
    template: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
    active: bool = True


@dataclass(frozen=True)
class Violation:
    """A rule broken by a plan: which rule, how badly, which bookings, and why it matters."""

    rule_code: str
    rule_id: str
    severity: Severity
    booking_ids: tuple[str, ...]
    procedure_ids: tuple[str, ...]
    off_by: timedelta
    message: str
    # Set when the rule was applied more widely than its scope because a target lesion is
    # missing ("applied at patient scope: the surgery has no target lesion"), never silently.
    scope_note: str = ""

    @property
    def key(self) -> str:
        """Stable identity of this violation: the rule and the bookings involved."""
        return f"{self.rule_code}|{','.join(sorted(self.booking_ids))}"


def violation_body(v: Violation) -> dict[str, object]:
    """A violation as the API publishes it (plan validation, booking warnings, and the
    ``violations`` of a refusal by a hard rule)."""
    return {
        "rule": v.rule_id,
        "rule_code": v.rule_code,
        "severity": v.severity.value,
        "bookings": list(v.booking_ids),
        "off_by_minutes": int(v.off_by.total_seconds() // 60),
        "message": v.message,
        "scope_note": v.scope_note,
    }


@dataclass(frozen=True)
class WeeklyHours:
    """Opening hours for one weekday (0 = Monday), in the resource's local time."""

    weekday: int
    opens: time
    closes: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        if not self.opens < self.closes:
            raise ValueError("opening hours must close after they open")


@dataclass(frozen=True)
class AvailabilityException:
    """A closure or maintenance (removes time) or an extra session (adds time), in UTC."""

    kind: ExceptionKind
    start: datetime
    end: datetime
