"""KPI figures per board and period, computed by the database.

Every figure is a fixed number of aggregate queries, whatever the number of cases (pinned by
tests/boardsvc/kpi/test_queries.py). Python only assembles rows the database has already
grouped: outcomes, rules, specialties, resources. The one exception is room opening time,
which is calendar arithmetic over the resources' opening hours and closures (a few rows per
resource), not over cases or bookings.

Definitions (docs: see each function):
- the board's meetings in the period: meetings of the board starting inside the period, not
  cancelled; "held" meetings are those in session or closed;
- a first discussion: an agenda item discussed or taken as standard of care at one of those
  meetings, for a case with no earlier discussion at any meeting;
- the first treatment: the earliest booked or done booking of any of the case's plans starting
  at or after the anchor (the meeting's start, or the decision).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from boardsvc.domain.codes import ItemOutcome, MeetingStatus
from boardsvc.models import AgendaItem, Attendance, Board, Decision, Meeting
from cases.models import Case
from scheduling.domain.catalogue import STAFF_KINDS
from scheduling.domain.types import MAX_BOOKING_LENGTH, BookingStatus, ExceptionKind
from scheduling.models import (
    Booking,
    BookingStaff,
    OpeningHours,
    Resource,
    ResourceException,
    Violation,
)

from .aggregates import (
    EpochSeconds,
    PercentileCont,
    as_duration,
    has_percentile_aggregate,
    sorted_percentiles,
)
from .period import Period
from .targets import WaitTarget, wait_targets

DISCUSSED = (ItemOutcome.DISCUSSED.value, ItemOutcome.STANDARD_OF_CARE.value)
TREATMENT_STATUSES = (BookingStatus.BOOKED.value, BookingStatus.DONE.value)
HELD = (MeetingStatus.IN_SESSION.value, MeetingStatus.CLOSED.value)
CLOSED_KINDS = (ExceptionKind.CLOSURE.value, ExceptionKind.MAINTENANCE.value)
PERCENTILES = (0.5, 0.9)


def _meetings(board: Board, period: Period) -> QuerySet[Meeting]:
    return Meeting.objects.filter(board=board, starts_at__gte=period.start,
                                  starts_at__lt=period.end).exclude(
        status=MeetingStatus.CANCELLED.value)


def _items(board: Board, period: Period) -> QuerySet[AgendaItem]:
    """Items on the board's meetings in the period (meeting_board_start_idx, then the items'
    (meeting, position) index)."""
    return AgendaItem.objects.filter(meeting__in=_meetings(board, period).values("pk"))


# ---------------------------------------------------------------- activity

def kpi_activity(*, board: Board, period: Period) -> dict[str, int]:
    """Cases referred (submitted in the period asking for this board: case_board_status_idx
    and the submitted_at index) and what became of the agenda items of the board's meetings
    in the period, by outcome. Two queries."""
    referred = Case.objects.filter(requested_board=board.slug, submitted_at__gte=period.start,
                                   submitted_at__lt=period.end).count()
    counts = _items(board, period).aggregate(
        listed=Count("pk"),
        cases_listed=Count("case", distinct=True),
        discussed=Count("pk", filter=Q(outcome=ItemOutcome.DISCUSSED.value)),
        standard_of_care=Count("pk", filter=Q(outcome=ItemOutcome.STANDARD_OF_CARE.value)),
        deferred=Count("pk", filter=Q(outcome=ItemOutcome.DEFERRED.value)),
        rolled_forward=Count("pk", filter=Q(outcome=ItemOutcome.ROLLED_FORWARD.value)),
        withdrawn=Count("pk", filter=Q(outcome=ItemOutcome.WITHDRAWN.value)),
        pending=Count("pk", filter=Q(outcome=ItemOutcome.PENDING.value)),
    )
    return {"referred": referred, **{k: int(v or 0) for k, v in counts.items()}}


# ---------------------------------------------------------------- waiting times

@dataclass(frozen=True)
class WaitFigure:
    id: str
    target_days: int
    target_source: str
    cohort: int  # cases whose clock started (first discussion, decision) in the period
    measured: int  # of which the clock has stopped (treated, or discussed)
    median: timedelta | None
    p90: timedelta | None
    breaches: int  # stopped over target, plus still running and already over target
    within_target: int

    @property
    def median_days(self) -> float | None:
        return _days(self.median)

    @property
    def p90_days(self) -> float | None:
        return _days(self.p90)


def _days(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 86400, 1)


def _first_treatment(anchor: str) -> Min:
    """The first treatment at or after ``anchor``: one LEFT JOIN case → plans → bookings and
    a MIN per row (GROUP BY), not a correlated subquery repeated in every expression."""
    bookings = "case__plans__bookings"
    return Min(f"{bookings}__start", filter=Q(**{
        f"{bookings}__status__in": TREATMENT_STATUSES, f"{bookings}__start__gte": F(anchor)}))


def _first_discussions(board: Board, period: Period) -> QuerySet[AgendaItem]:
    earlier = AgendaItem.objects.filter(
        case_id=OuterRef("case_id"), outcome__in=DISCUSSED,
        meeting__starts_at__lt=OuterRef("meeting__starts_at"))
    return (_items(board, period).filter(outcome__in=DISCUSSED)
            .exclude(Exists(earlier)))


def _measure(queryset: QuerySet[Any], clocks: list[tuple[str, str, str]], now: datetime,
             targets: dict[str, WaitTarget]) -> list[WaitFigure]:
    """Counts, percentiles and breaches of each clock ``(id, start, stop)`` over the rows of
    ``queryset`` (``start``/``stop``: field paths or annotations; a NULL stop is a clock still
    running), as epoch-second differences computed by the database.

    PostgreSQL: one aggregate query for every clock (percentile_cont skips the NULL waits).
    SQLite: one query for the counts, then one sorted single-column read per clock.
    """
    names = [f"w{n}" for n in range(len(clocks))]
    rows = queryset.annotate(**{f"{w}_start": EpochSeconds(F(start))
                                for w, (_, start, _) in zip(names, clocks, strict=True)},
                             **{f"{w}_stop": EpochSeconds(F(stop))
                                for w, (_, _, stop) in zip(names, clocks, strict=True)})
    rows = rows.annotate(**{w: F(f"{w}_stop") - F(f"{w}_start") for w in names})
    aggregates: dict[str, Any] = {"cohort": Count("pk")}
    for w, (wait_id, _, _) in zip(names, clocks, strict=True):
        days = targets[wait_id].days
        stopped = Q(**{f"{w}_stop__isnull": False})
        aggregates[f"{w}_measured"] = Count("pk", filter=stopped)
        aggregates[f"{w}_late"] = Count("pk", filter=stopped & Q(**{
            f"{w}__gt": timedelta(days=days).total_seconds()}))
        aggregates[f"{w}_overdue"] = Count("pk", filter=Q(**{
            f"{w}_stop__isnull": True,
            f"{w}_start__lt": (now - timedelta(days=days)).timestamp()}))
        if has_percentile_aggregate():
            aggregates.update({f"{w}_p{int(f * 100)}": PercentileCont(w, f) for f in PERCENTILES})
    counts = rows.aggregate(**aggregates)
    figures = []
    for w, (wait_id, _, _) in zip(names, clocks, strict=True):
        if has_percentile_aggregate():
            found = {f: as_duration(counts[f"{w}_p{int(f * 100)}"]) for f in PERCENTILES}
        else:
            found = sorted_percentiles(rows.filter(**{f"{w}_stop__isnull": False}), w,
                                       PERCENTILES)
        late = counts[f"{w}_late"]
        figures.append(WaitFigure(
            id=wait_id, target_days=targets[wait_id].days,
            target_source=targets[wait_id].source, cohort=counts["cohort"],
            measured=counts[f"{w}_measured"], median=found[0.5], p90=found[0.9],
            breaches=late + counts[f"{w}_overdue"],
            within_target=counts[f"{w}_measured"] - late))
    return figures


def kpi_waits(*, board: Board, period: Period, now: datetime | None = None
              ) -> list[WaitFigure]:
    """Median and 90th percentile of each pathway interval against its target, with breaches.

    - referral → MDT: cases first discussed at the board's meetings in the period, from the
      case's submission to the meeting's start;
    - MDT → first treatment and referral → first treatment: the same cases, to their first
      treatment;
    - decision → first treatment: decisions recorded at the board's meetings in the period.

    A clock still running counts as a breach once it is past its target (at ``now``).
    The site's targets (one query), then two queries on PostgreSQL (one per cohort,
    percentile_cont included); on SQLite two count queries plus one sorted read of each
    interval's durations (seven in all).
    """
    now = now or timezone.now()
    targets = wait_targets()
    treated = _first_discussions(board, period).annotate(
        first_treatment=_first_treatment("meeting__starts_at"))
    decisions = Decision.objects.filter(
        meeting__board=board, recorded_at__gte=period.start, recorded_at__lt=period.end,
    ).annotate(first_treatment=_first_treatment("recorded_at"))
    by_id = {w.id: w for w in [
        *_measure(treated, [
            ("referral_to_mdt", "case__submitted_at", "meeting__starts_at"),
            ("mdt_to_treatment", "meeting__starts_at", "first_treatment"),
            ("referral_to_treatment", "case__submitted_at", "first_treatment"),
        ], now, targets),
        *_measure(decisions, [
            ("decision_to_treatment", "recorded_at", "first_treatment"),
        ], now, targets),
    ]}
    return [by_id[w] for w in ("referral_to_mdt", "mdt_to_treatment", "decision_to_treatment",
                               "referral_to_treatment")]


# ---------------------------------------------------------------- room utilisation

@dataclass(frozen=True)
class Utilisation:
    resource_code: str
    resource_name: str
    kind: str
    open_minutes: int
    booked_minutes: int

    @property
    def percent(self) -> float | None:
        if not self.open_minutes:
            return None
        return round(100 * self.booked_minutes / self.open_minutes, 1)


def _weekday_counts(first: date, last: date) -> list[int]:
    """How many Mondays, Tuesdays, ... Sundays the inclusive range holds."""
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    counts = [weeks] * 7
    for n in range(rest):
        counts[(first.weekday() + n) % 7] += 1
    return counts


def _overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> timedelta:
    return max(timedelta(0), min(a[1], b[1]) - max(a[0], b[0]))


def _minutes(opens: time, closes: time) -> int:
    return (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)


def _open_minutes(resource: Resource, hours: list[OpeningHours],
                  closures: list[tuple[datetime, datetime]], period: Period) -> int:
    """Opening time in the period (wall-clock hours in the resource's own zone: each weekday's
    hours times how often that weekday occurs) minus the part of each closure or maintenance
    window that falls inside opening hours, day by day over the closure's own days only."""
    counts = _weekday_counts(period.first, period.last)
    total: int = sum(counts[row.weekday] * _minutes(row.opens, row.closes) for row in hours)
    zone = ZoneInfo(resource.timezone)
    by_weekday: dict[int, list[OpeningHours]] = defaultdict(list)
    for row in hours:
        by_weekday[row.weekday].append(row)
    closed = timedelta(0)
    for start, end in closures:
        clipped = (max(start, period.start), min(end, period.end))
        day = clipped[0].astimezone(zone).date()
        while day <= clipped[1].astimezone(zone).date():
            for row in by_weekday.get(day.weekday(), ()):
                span = (datetime.combine(day, row.opens, tzinfo=zone),
                        datetime.combine(day, row.closes, tzinfo=zone))
                closed += _overlap(span, clipped)
            day += timedelta(days=1)
    return total - int(closed.total_seconds() // 60)


def kpi_utilisation(*, period: Period) -> list[Utilisation]:
    """Booked minutes over open minutes per active resource in the period (site-wide: rooms
    and people are shared by every board). Booked: bookings booked or done, clipped to the
    period (the (resource, start, end) index, read from both sides: a booking lasts at most
    MAX_BOOKING_LENGTH, so the scan does not grow with the history); for a person, the
    bookings they are staffed on. Four queries, five when the site keeps people's calendars."""
    resources = list(Resource.objects.filter(active=True).order_by("kind", "code"))
    hours: dict[int, list[OpeningHours]] = defaultdict(list)
    for row in OpeningHours.objects.filter(resource__in=[r.pk for r in resources]):
        hours[row.resource_id].append(row)
    closures: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for exc in ResourceException.objects.filter(
            resource__in=[r.pk for r in resources], kind__in=CLOSED_KINDS,
            end__gt=period.start, start__lt=period.end).only("resource_id", "start", "end"):
        closures[exc.resource_id].append((exc.start, exc.end))
    clip_start = Greatest(F("start"), Value(period.start, output_field=DateTimeField()))
    clip_end = Least(F("end"), Value(period.end, output_field=DateTimeField()))
    booked = {
        row["resource_id"]: row["seconds"]
        for row in Booking.objects.filter(
            resource__in=[r.pk for r in resources], status__in=TREATMENT_STATUSES,
            start__lt=period.end, end__gt=period.start,
            start__gte=period.start - MAX_BOOKING_LENGTH,
        ).values("resource_id").annotate(
            seconds=Sum(EpochSeconds(clip_end) - EpochSeconds(clip_start))).order_by()
    }
    # People (operators, anaesthesia) are busy through the bookings they are staffed on: one
    # more query, only when the site keeps their calendars.
    people = [r.pk for r in resources if r.kind in STAFF_KINDS]
    if people:
        booked.update({
            row["resource_id"]: row["seconds"]
            for row in BookingStaff.objects.filter(
                resource__in=people, active=True, booking__status__in=TREATMENT_STATUSES,
                start__lt=period.end, end__gt=period.start,
                start__gte=period.start - MAX_BOOKING_LENGTH,
            ).values("resource_id").annotate(
                seconds=Sum(EpochSeconds(clip_end) - EpochSeconds(clip_start))).order_by()
        })
    return [
        Utilisation(
            resource_code=r.code, resource_name=r.name, kind=r.kind,
            open_minutes=_open_minutes(r, hours[r.pk], closures[r.pk], period),
            booked_minutes=int(round(booked.get(r.pk) or 0) // 60),
        )
        for r in resources
    ]


# ---------------------------------------------------------------- attendance and quorum

@dataclass(frozen=True)
class SpecialtyAttendance:
    specialty: str
    required: bool  # named in the board's quorum requirements (R15)
    meetings_attended: int
    meetings_held: int
    people: int

    @property
    def percent(self) -> float | None:
        if not self.meetings_held:
            return None
        return round(100 * self.meetings_attended / self.meetings_held, 1)


def kpi_attendance(*, board: Board, period: Period) -> dict[str, Any]:
    """Per specialty, at how many of the board's meetings held in the period someone covered
    it; and how many decisions were taken with the quorum met. Three queries."""
    held = _meetings(board, period).filter(status__in=HELD)
    meetings_held = held.count()
    rows = (Attendance.objects.filter(meeting__in=held.values("pk"))
            .values("specialty")
            .annotate(meetings=Count("meeting", distinct=True), people=Count("user", distinct=True))
            .order_by("specialty"))
    required = {s for group in (board.quorum_requirements or []) for s in group}
    found = {row["specialty"]: row for row in rows}
    specialties = sorted(set(found) | required)
    decisions = Decision.objects.filter(meeting__in=held.values("pk")).aggregate(
        total=Count("pk"), quorum_met=Count("pk", filter=Q(quorum_met=True)))
    return {
        "meetings_held": meetings_held,
        "decisions": decisions["total"],
        "decisions_quorum_met": decisions["quorum_met"],
        "specialties": [
            SpecialtyAttendance(
                specialty=s, required=s in required,
                meetings_attended=found.get(s, {}).get("meetings", 0),
                meetings_held=meetings_held, people=found.get(s, {}).get("people", 0))
            for s in specialties
        ],
    }


# ---------------------------------------------------------------- timing-rule violations

def kpi_violations(*, board: Board, period: Period) -> list[dict[str, Any]]:
    """Timing-rule violations first seen in the period, by rule and severity, on plans of the
    board's cases (referred to the board, or decided at one of its meetings). Two queries: the
    period's violations with their case's board (the first_seen_at index), then which of the
    other boards' cases among them were decided here (the decision's case index). As one query
    the "or decided here" could use no index: PostgreSQL hashed every case and every decision
    of the board at hospital scale (66 ms for 552 violations)."""
    found = list(Violation.objects.filter(first_seen_at__gte=period.start,
                                          first_seen_at__lt=period.end)
                 .values_list("rule_id", "severity", "status", "plan__case_id",
                              "plan__case__requested_board").order_by())
    elsewhere = {case_id for *_, case_id, slug in found if slug != board.slug}
    decided_here = set(Decision.objects.filter(case_id__in=elsewhere, meeting__board=board)
                       .values_list("case_id", flat=True).order_by()) if elsewhere else set()
    counts: dict[tuple[str, str], dict[str, Any]] = {}
    for rule_id, severity, status, case_id, slug in found:
        if slug != board.slug and case_id not in decided_here:
            continue
        row = counts.setdefault((rule_id, severity), {
            "rule_id": rule_id, "severity": severity, "total": 0,
            **{s.value: 0 for s in Violation.Status}})
        row["total"] += 1
        row[status] += 1
    return [counts[key] for key in sorted(counts)]


# ---------------------------------------------------------------- who reads the dashboards

def kpi_boards(*, principal: Any) -> list[Board]:
    """The active boards whose dashboards the principal may read, by name: every board for
    group coordinators and administrators, else those where they are chair or board
    coordinator (service leads). One query."""
    from boardsvc.models import BoardMember

    boards = Board.objects.filter(active=True).order_by("name", "pk")
    if principal.is_coordinator or principal.is_admin:
        return list(boards)
    if not principal.is_user:
        return []
    return list(boards.filter(members__user=principal.user, members__active=True,
                              members__role__in=[BoardMember.Role.CHAIR,
                                                 BoardMember.Role.COORDINATOR]).distinct())
