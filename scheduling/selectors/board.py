"""The booking board (issue 13): for one plan's procedure, the resources that can take it, their
opening hours, closures and bookings over a day or a week, and every free start with what the
timing rules make of it before anything is clicked.

The verdicts use the engine's own window function (``rules.allowed_windows``, one rule at a
time against the patient's other active bookings, as the timeline draws them: the whole plan,
and the patient's other plans) and the running clocks (R9-R11, ``engine_context.plan_deadlines``);
``domain/board.py`` says where a start falls. Booking itself stays the plan booking page's
preview and ``services.booking_create``, which re-check everything.

Queries are constant in the number of bookings and slots shown (callers import the module:
``from scheduling.selectors import board``). Every range read of bookings is bounded on the
start index from both sides (a booking lasts at most ``MAX_BOOKING_LENGTH``, a database CHECK),
so its cost follows what is booked in the window, not the rooms' history. Bookings are read as
``BoardBooking`` values (the columns the board shows), not model instances; the people booked
with them (``board_people``) and the cases to identify (``board_cases``) are one query each,
for the rooms a page shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from cases.models import Case, PlannedProcedure, TreatmentPlan
from core.errors import RuleError
from core.timezones import site_timezone
from scheduling import engine_context
from scheduling.domain import rules as rules_engine
from scheduling.domain import slots
from scheduling.domain.board import (
    RuleBand,
    SlotStatus,
    SlotVerdict,
    Step,
    booking_order,
    slot_verdict,
)
from scheduling.domain.types import (
    MAX_BOOKING_LENGTH,
    Anchor,
    AvailabilityException,
    ExceptionKind,
    Interval,
    RuleKind,
    Severity,
    WeeklyHours,
)
from scheduling.models import Booking, BookingStaff, Resource, ResourceException, TimingRule
from scheduling.selectors.values import (
    catalogue_entry,
    patient_booking_views,
    placement_request,
    rule_specs,
    staff_fits,
    staff_free_time,
)

#: The verdict's rule id when nobody of a kind the procedure needs (operator, anaesthesia) is
#: free and working then: the booking would be refused with the same rule (StaffUnavailable).
STAFF_RULE = "staff_unavailable"

#: Start times offered on the board: every half hour of a free period the procedure fits in.
BOARD_STEP = timedelta(minutes=30)
#: The board's views and how many days each shows (a bounded window: no pagination).
VIEWS = {"day": 1, "week": 7}
CANCELLED = Booking.Status.CANCELLED


#: The order people are listed on a booking: the operator first, then anaesthesia.
STAFF_ORDER = {"interventional_radiologist": 0, "surgeon": 1, "anaesthetist": 2}


@dataclass(frozen=True)
class BoardPerson:
    """A person booked with a room booking (a Resource of a staff kind), as the board shows
    them. ``name_it`` lets core.web.localized.localized_name pick the Italian name."""

    public_id: UUID
    code: str
    name: str
    name_it: str
    kind: str


@dataclass
class BoardBooking:
    """A booking as the board shows it (read with ``values_list``: no model instances).
    ``pseudonym`` is the patient's public id; ``case_id`` is what identification needs
    (``board_cases``); ``staff`` is filled by ``board_people``."""

    pk: int
    public_id: UUID
    resource_id: int
    start: datetime
    end: datetime
    status: str
    version: int
    plan_id: int
    case_id: int
    pseudonym: UUID
    procedure_type: str
    staff: list[BoardPerson] = field(default_factory=list)


BOOKING_COLUMNS = ("pk", "public_id", "resource_id", "start", "end", "status", "version",
                   "plan_id", "plan__case_id", "patient__public_id",
                   "procedure__procedure_type")


@dataclass(frozen=True)
class BoardSlot:
    resource: Resource
    start: datetime
    end: datetime
    verdict: SlotVerdict


@dataclass
class PlanBoard:
    plan: TreatmentPlan
    procedures: list[dict[str, Any]]
    chosen: PlannedProcedure | None
    duration: timedelta
    tz: str
    first_day: date
    days: list[date]
    lo: datetime
    hi: datetime
    resources: list[Resource]
    open_periods: dict[int, list[Interval]] = field(default_factory=dict)
    closures: list[ResourceException] = field(default_factory=list)
    bookings: list[BoardBooking] = field(default_factory=list)
    slots: list[BoardSlot] = field(default_factory=list)
    bands: list[RuleBand] = field(default_factory=list)
    rules: dict[str, dict[str, str]] = field(default_factory=dict)


def _order(procedures: list[PlannedProcedure]) -> list[PlannedProcedure]:
    by_id = {str(p.public_id): p for p in procedures}
    steps = [Step(procedure_id=str(p.public_id), sequence=p.sequence,
                  prepares_id=str(p.prepares.public_id) if p.prepares else None)
             for p in procedures]
    return [by_id[pid] for pid in booking_order(steps)]


def _bands(*, plan: TreatmentPlan, procedure: PlannedProcedure, duration: timedelta,
           horizon: tuple[datetime, datetime], now: datetime) -> list[RuleBand]:
    """Each rule that binds a start of ``procedure`` in ``horizon``, with its window: the LAG
    rules against the patient's other active bookings, one rule at a time (the timeline's
    shading), and the clocks still running for the plan."""
    views = patient_booking_views(patient_id=plan.case.patient_id)
    others = [v for v in views if v.procedure_id != str(procedure.public_id)]
    request = placement_request(procedure, patient_id=plan.case.patient_id)
    bands: list[RuleBand] = []
    for spec in rule_specs():
        if not spec.active or spec.kind != RuleKind.LAG:
            continue
        alone = dataclasses.replace(spec, preferred_lag=None)
        placed = rules_engine.allowed_windows(request=request, bookings=others, rules=[alone],
                                              horizon=horizon)
        if not placed.reasons:
            continue
        preferred = None
        if spec.preferred_lag is not None:
            preferred = rules_engine.allowed_windows(request=request, bookings=others,
                                                     rules=[spec], horizon=horizon).preferred
        bands.append(RuleBand(
            rule_id=spec.rule_id, rule_code=spec.code, severity=spec.severity,
            windows=placed.hard if spec.severity == Severity.HARD else placed.preferred,
            preferred=preferred))
    for deadline in engine_context.plan_deadlines(plan=plan):
        if procedure.procedure_type not in deadline.procedure_types or deadline.missed(now):
            continue
        shift = duration if deadline.anchor == Anchor.END else timedelta(0)
        earliest = (deadline.earliest - shift) if deadline.earliest else horizon[0]
        latest = deadline.due - shift
        windows = ((rules_engine.StartWindow(earliest, latest),) if earliest <= latest else ())
        bands.append(RuleBand(rule_id=deadline.rule_id, rule_code=deadline.rule_code,
                              severity=deadline.severity_at(now), windows=windows))
    return bands


def parse_view(raw: str) -> int:
    """The number of days ``?view=`` shows (``day`` when absent); RuleError naming ``view``."""
    if raw in ("", None):
        return VIEWS["day"]
    if raw not in VIEWS:
        raise RuleError("Use view=day or view=week.", field="view", rule="choice")
    return VIEWS[raw]


def plan_board(*, plan: TreatmentPlan, procedure: str = "", first_day: date, days: int,
               now: datetime) -> PlanBoard:
    """The board of ``plan`` for ``procedure`` (a public id; the first unbooked procedure in the
    rules' order when empty) over ``days`` days from ``first_day``, in the site's zone.

    Raises RuleError (field ``procedure``) when the procedure is not one of the plan's.
    """
    procedures = _order(list(plan.procedures.select_related(
        "prepares", "same_session_with", "target_lesion").order_by("sequence")))
    own = list(Booking.objects.filter(plan=plan).exclude(status=CANCELLED)
               .select_related("resource").order_by("start", "pk"))
    booked: dict[int, Booking] = {}
    for b in own:
        booked.setdefault(b.procedure_id, b)
    chosen: PlannedProcedure | None
    if procedure:
        chosen = next((p for p in procedures if str(p.public_id) == procedure), None)
        if chosen is None:
            raise RuleError("Not a procedure of this plan.", field="procedure",
                            rule="not_in_plan")
    else:
        chosen = next((p for p in procedures if p.pk not in booked), None)
    tz = site_timezone()
    zone = ZoneInfo(tz)
    lo = datetime.combine(first_day, time.min, tzinfo=zone)
    hi = datetime.combine(first_day + timedelta(days=days), time.min, tzinfo=zone)
    board = PlanBoard(
        plan=plan,
        procedures=[{"procedure": p, "booking": booked.get(p.pk), "step": k + 1}
                    for k, p in enumerate(procedures)],
        chosen=chosen, duration=timedelta(0), tz=tz, first_day=first_day,
        days=[first_day + timedelta(days=k) for k in range(days)], lo=lo, hi=hi, resources=[])
    if chosen is None:
        return board
    entry = catalogue_entry(chosen.procedure_type)
    board.duration = duration = timedelta(minutes=entry.duration_minutes)
    board.resources = resources = list(
        Resource.objects.filter(active=True, kind__in=list(entry.resource_kinds))
        .prefetch_related("opening_hours").order_by("code"))
    window = Interval(lo, hi)
    room_ids = [r.pk for r in resources]
    board.closures = list(
        ResourceException.objects.filter(resource_id__in=room_ids, start__lt=hi, end__gt=lo)
        .order_by("start", "pk"))
    board.bookings = [BoardBooking(*row) for row in _bookings_in(room_ids, lo, hi)
                      .values_list(*BOOKING_COLUMNS)]
    board.bands = _bands(plan=plan, procedure=chosen, duration=duration, horizon=(lo, hi),
                         now=now)
    codes = {b.rule_code for b in board.bands}
    board.rules = {r.code: {"rule_id": r.rule_id, "rationale": r.rationale,
                            "severity": r.severity}
                   for r in TimingRule.objects.filter(code__in=codes)}
    # Grouped once by room: each room's busy time and closures (no scan per room).
    busy: dict[int, list[Interval]] = {}
    for b in board.bookings:
        busy.setdefault(b.resource_id, []).append(Interval(b.start, b.end))
    exceptions: dict[int, list[AvailabilityException]] = {}
    for x in board.closures:
        exceptions.setdefault(x.resource_id, []).append(
            AvailabilityException(ExceptionKind(x.kind), x.start, x.end))
    # Bookable starts begin at the next quarter hour: earlier ones would be retrospective.
    quarter = timedelta(minutes=15)
    epoch = datetime.min.replace(tzinfo=now.tzinfo)
    from_now = now + (quarter - (now - epoch) % quarter) % quarter
    # The people the procedure needs (scheduling.services.staffing): a start with nobody of a
    # needed kind free and working is refused, as the booking would be.
    people_free = (staff_free_time(procedure_type=chosen.procedure_type,
                                   window=Interval(max(lo, from_now), hi))
                   if from_now < hi else {})
    for resource in resources:
        hours = [WeeklyHours(h.weekday, h.opens, h.closes) for h in resource.opening_hours.all()]
        closed = exceptions.get(resource.pk, [])
        board.open_periods[resource.pk] = slots.open_periods(
            hours=hours, exceptions=closed, tz=resource.timezone, window=window)
        if from_now >= hi:
            continue
        free = slots.free_periods(hours=hours, exceptions=closed,
                                  busy=busy.get(resource.pk, []), tz=resource.timezone,
                                  window=Interval(max(lo, from_now), hi), min_duration=duration)
        for period in free:
            start = period.start
            while start + duration <= period.end:
                verdict = slot_verdict(start, board.bands)
                if people_free and staff_fits(people_free, Interval(start, start + duration)):
                    verdict = SlotVerdict(SlotStatus.REFUSED, (*(
                        verdict.rule_ids if verdict.status == SlotStatus.REFUSED else ()),
                        STAFF_RULE))
                board.slots.append(BoardSlot(resource=resource, start=start,
                                             end=start + duration, verdict=verdict))
                start += BOARD_STEP
    return board


def _bookings_in(room_ids: Collection[int], lo: datetime, hi: datetime) -> Any:
    """The active bookings of these rooms overlapping [lo, hi): ``start`` bounded on both
    sides (a booking lasts at most MAX_BOOKING_LENGTH), so the (resource, start, end) index
    bounds the scan; ``end > lo`` keeps only those still running at ``lo``."""
    return (Booking.objects.filter(resource_id__in=list(room_ids), start__lt=hi,
                                   start__gte=lo - MAX_BOOKING_LENGTH, end__gt=lo)
            .exclude(status=CANCELLED).order_by("start", "pk"))


def board_people(board: PlanBoard, *, resource_ids: Collection[int] | None = None) -> None:
    """Fill ``staff`` on the board's bookings in the rooms ``resource_ids`` (every room of the
    board when None): the people booked with each, operator first, in ONE query whatever the
    number of bookings (joined through the same bounded range read as the bookings)."""
    ids = [r.pk for r in board.resources] if resource_ids is None else list(resource_ids)
    rows = (BookingStaff.objects.filter(
                active=True, booking__in=_bookings_in(ids, board.lo, board.hi).values("pk"))
            .values_list("booking_id", "resource__public_id", "resource__code",
                         "resource__name", "resource__name_it", "resource__kind")
            .order_by())
    people: dict[int, list[BoardPerson]] = {}
    for booking_id, public_id, code, name, name_it, kind in rows:
        people.setdefault(booking_id, []).append(BoardPerson(public_id, code, name, name_it,
                                                             kind))
    for booking in board.bookings:
        if booking.pk in people:
            booking.staff = sorted(people[booking.pk],
                                   key=lambda p: (STAFF_ORDER.get(p.kind, 9), p.name, p.code))


def board_cases(case_ids: Iterable[int]) -> list[Case]:
    """The cases of the patients a board page shows, with what identification needs
    (cases.selectors.patient_identity: the case's and the patient's public ids, name and birth
    date), one query and only those columns."""
    return list(Case.objects.filter(pk__in=sorted(set(case_ids))).select_related("patient")
                .only("public_id", "patient", "patient__public_id", "patient__given_name",
                      "patient__family_name", "patient__birth_date")
                .order_by("pk"))


def site_zone() -> str:
    """The site's time zone name (the board shows every time in it)."""
    return site_timezone()


def resources_by_public_id(public_ids: set[str]) -> dict[str, Resource]:
    """The rooms and people named by a proposal, by public id (one query)."""
    return {str(r.public_id): r for r in Resource.objects.filter(public_id__in=public_ids)}


def plan_procedures_by_public_id(plan: TreatmentPlan) -> dict[str, PlannedProcedure]:
    """The plan's procedures by public id (one query), to name a proposal's items."""
    return {str(p.public_id): p for p in plan.procedures.all()}


def procedures_by_public_id(public_ids: set[str]) -> dict[str, PlannedProcedure]:
    """These planned procedures by public id, their plan's case and patient loaded (one
    query), to name the items of a waiting-list run."""
    return {str(p.public_id): p for p in PlannedProcedure.objects.filter(
        public_id__in=list(public_ids)).select_related("plan__case__patient")}
