"""Generator of the load benchmark's large data set (issue 15, "Load benchmark").

Fills the PostgreSQL database named by DATABASE_URL (a new, empty, migrated one: the audit table
is append-only, so a data set cannot be removed again) with synthetic data, seeded, at
``--scale 1``:

- users: ~110 clinicians and a coordinator (``load-coordinator``, with a confirmed TOTP device,
  so the load run can open a verified session for the browser pages), and the system client
  ``load-his`` (OAuth2 client credentials, every scope but patient identification);
- 20 boards (weekly meetings, Monday to Friday afternoons, Rome) with ~9 members each covering
  the quorum; 2 years of meetings (96 weeks past, 8 ahead: 2,080), attendance at the held ones;
- 50,000 cases (one synthetic Faker patient each, with a hospital number; ~1.75 lesions per
  case) submitted evenly over the 96 past weeks, each on the agenda of the first meeting of its
  board after the submission (deferred ones again the week after); held meetings record their
  decisions, ~80 % with a treatment plan of two to four procedures (radiotherapy
  as a course of 1, 5 or 10 fractions);
- 10 rooms (5 linacs, 2 CT rooms, an MRI scanner, an angio suite, an operating theatre) and 7
  people (interventional radiologists, surgeons, anaesthesia teams), open 07:00-21:00 Rome,
  Monday to Friday (linacs to Saturday); ~200,000 bookings of the plans over the two years,
  never overlapping per room nor per person (the database's exclusion constraints check both),
  done in the past and booked ahead. Plans decided in the last ``--reserve-days`` are left
  unbooked: their procedures are the load run's booking-create inputs.

Rows are written with bulk_create in batches, not through the services (which would take hours),
but as the services write them: the same constraints, derived fields (case status and ready
time, agenda outcomes and positions, one active plan per case, RT fraction numbers, booking
staff mirroring their booking, statuses by date) and public UUIDs as pseudonyms. Not written:
the audit trail, revisions and outbox rows that the services add beside each change (history,
not read by the measured endpoints). Bookings are 15 minutes (30 for surgery): 200,000 bookings
on 10 rooms in two years leave no room for the catalogue's durations (radiotherapy fractions
and follow-up imaging dominate the count, as they do in a real bone-metastasis pathway).

Migrates the database first (test settings, as bench/_django.py does). Full scale takes about
three minutes on the 2-core host. Usage:

    DATABASE_URL=postgres://... .venv/bin/python bench/load_data.py [--scale 1.0] [--seed 15]
        [--reserve-days 21] [--if-present fail|reuse]
"""

from __future__ import annotations

import argparse
import bisect
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = 50_000
BOOKINGS = 200_000
BOARDS = 20
WEEKS_PAST = 96
WEEKS_AHEAD = 8
ZONE = ZoneInfo("Europe/Rome")
BATCH = 5000
#: Quarter hours a room or person is open per weekday (07:00-21:00 local).
DAY_SLOTS = 56
OPENS = dtime(7, 0)
QUARTER = timedelta(minutes=15)
ROOMS = [("linac", 5), ("ct_room", 2), ("mri", 1), ("angio_suite", 1), ("operating_room", 1)]
PEOPLE = [("interventional_radiologist", 3), ("surgeon", 2), ("anaesthetist", 2)]
#: Days open a week (from Monday): linacs treat on Saturdays too, the rest Monday to Friday.
OPEN_DAYS = {"linac": 6}
#: Quarter hours per booking, by procedure type (see the module docstring).
LENGTH = {"surgery": 2, "osteosynthesis": 2}
CLIENT_NAME = "load-his"
CLIENT_SCOPES = ["agenda:read", "bookings:read", "bookings:write", "cases:read", "cases:write",
                 "decisions:write"]
COORDINATOR = "load-coordinator"
BOARD_PREFIX = "load-board-"

# What each plan holds, and how often: (procedure_type, purpose, index of the procedure it
# prepares); a radiotherapy procedure is a course of fractions (RT_COURSES).
Step = tuple[str, str, int | None]
TEMPLATES: list[tuple[list[Step], float]] = [
    ([("radiotherapy", "", None), ("follow_up_ct", "", None)], 0.30),
    ([("vertebroplasty", "", None), ("radiotherapy", "", None), ("follow_up_mri", "", None)],
     0.20),
    ([("embolization", "pre_operative", 1), ("surgery", "", None), ("radiotherapy", "", None),
      ("follow_up_ct", "", None)], 0.10),
    ([("rfa", "palliative", None), ("vertebroplasty", "", None), ("follow_up_ct", "", None)],
     0.10),
    ([("mri_whole_spine", "", None), ("radiotherapy", "", None), ("follow_up_ct", "", None)],
     0.30),
]
#: Bone-metastasis radiotherapy: 8 Gy x 1, 4 Gy x 5, 3 Gy x 10 (weights).
RT_COURSES = [((1, "8.00"), 0.40), ((5, "20.00"), 0.35), ((10, "30.00"), 0.25)]
#: Days from the previous procedure (or the decision) to the next one's wish date.
FOLLOW_UP_DAYS = 90


@dataclass
class Calendar:
    """Quarter-hour occupancy of one room or person over the window (1 = taken or closed)."""

    pk: int
    kind: str
    taken: bytearray

    def free(self, index: int, length: int) -> bool:
        return not any(self.taken[index:index + length])

    def take(self, index: int, length: int) -> None:
        self.taken[index:index + length] = b"\x01" * length


@dataclass
class Window:
    """The two years, as days from ``first`` (a Monday) and quarter hours within each day."""

    first: date
    days: int
    opens_utc: list[datetime] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Each day's opening in UTC (daylight saving time applied day by day).
        self.opens_utc = [datetime.combine(self.first + timedelta(days=d), OPENS, tzinfo=ZONE)
                          .astimezone(UTC) for d in range(self.days)]

    def at(self, index: int) -> datetime:
        day, quarter = divmod(index, DAY_SLOTS)
        return self.opens_utc[day] + quarter * QUARTER

    def index_on_or_after(self, moment: datetime) -> int:
        day = (moment.astimezone(ZONE).date() - self.first).days
        return max(0, day) * DAY_SLOTS

    def calendar(self, pk: int, kind: str) -> Calendar:
        taken = bytearray(self.days * DAY_SLOTS)
        for d in range(self.days):
            if (self.first + timedelta(days=d)).weekday() >= OPEN_DAYS.get(kind, 5):  # closed
                taken[d * DAY_SLOTS:(d + 1) * DAY_SLOTS] = b"\x01" * DAY_SLOTS
        return Calendar(pk, kind, taken)


def _first_fit(cal: Calendar, start: int, length: int, limit: int,
               staff: Sequence[Sequence[Calendar]]) -> tuple[int, list[Calendar]] | None:
    """The first index >= start (and < limit) where ``length`` quarters are free on ``cal``
    within one day, with one free person of each staff group; None if there is none."""
    want = b"\x00" * length
    pos = start
    while pos < limit:
        index = cal.taken.find(want, pos, limit + length)
        if index < 0 or index >= limit:
            return None
        if index // DAY_SLOTS != (index + length - 1) // DAY_SLOTS:
            pos = (index // DAY_SLOTS + 1) * DAY_SLOTS
            continue
        people = [next((p for p in group if p.free(index, length)), None) for group in staff]
        if all(people):
            return index, [p for p in people if p is not None]
        pos = index + 1
    return None


@contextmanager
def _own_timestamps(*fields: Any) -> Iterator[None]:
    """Let bulk_create keep the times we set on auto_now / auto_now_add fields (history)."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


def _step(label: str, started: float, detail: str) -> float:
    print(f"{label:<44} {detail} in {time.perf_counter() - started:.1f} s", flush=True)
    return time.perf_counter()


def _weighted(rng: random.Random, items: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([i for i, _w in items], weights=[w for _i, w in items])[0]


def present() -> bool:
    """Whether this database already holds the data set."""
    from boardsvc.models import Board

    return Board.objects.filter(slug__startswith=BOARD_PREFIX).exists()


@dataclass
class Run:
    """What the generation steps share: the seeded randomness, the clock, the window, the
    counts reported at the end and the rows later steps refer to."""

    rng: random.Random
    fake: Any
    now: datetime
    window: Window
    counts: dict[str, Any]
    coordinator: Any = None
    boards: list[Any] = field(default_factory=list)
    members: list[Any] = field(default_factory=list)
    meetings: dict[int, list[Any]] = field(default_factory=dict)


def build(*, scale: float, seed: int, reserve_days: int, now: datetime) -> dict[str, Any]:
    """Insert the data set; returns its counts."""
    from faker import Faker

    from core.clients import system_client_create
    from scheduling.models import Violation

    Faker.seed(seed)
    today = now.astimezone(ZONE).date()
    first = today - timedelta(weeks=WEEKS_PAST, days=today.weekday())
    run = Run(rng=random.Random(seed), fake=Faker(["it_IT", "en_GB"]), now=now,
              window=Window(first, (WEEKS_PAST + WEEKS_AHEAD) * 7),
              counts={"scale": scale, "seed": seed, "first_day": first})
    t = time.perf_counter()
    _people_and_boards(run)
    t = _step("users, boards, members", t, f"{len(run.members)} members")
    _meetings(run)
    t = _step("meetings, attendance", t, f"{run.counts['meetings']}")
    case_rows, board_of = _patients_and_cases(run, max(100, int(CASES * scale)))
    t = _step("patients, identifiers", t, f"{len(case_rows)}")
    cases, items, decided = _agendas(run, case_rows, board_of)
    t = _step("cases, lesions, agenda items", t, f"{len(cases)}, {run.counts['lesions']}, "
              f"{len(items)}")
    plans, templates = _decisions_and_plans(run, cases, items, decided)
    t = _step("decisions, plans", t, f"{run.counts['decisions']}, {len(plans)}")
    by_plan = _procedures(run, plans, templates)
    t = _step("planned procedures", t, f"{run.counts['procedures']}")
    booked = _rooms_and_bookings(run, plans, by_plan, reserve_days)
    run.counts["bookings_aimed_at"] = int(BOOKINGS * scale)
    t = _step("rooms, bookings, booking staff", t, f"{len(booked)}; {run.counts['occupancy']}")
    _set_case_statuses(cases=cases, plans=plans, booked=booked, window=run.window, now=now)
    Violation.objects.bulk_create([
        Violation(plan=plan, rule_code="r8-follow-up-ct", rule_id="R8", severity="soft",
                  bookings_key=str(plan.pk), message="Follow-up CT later than planned.",
                  status=run.rng.choice(["open", "acknowledged", "resolved"]),
                  first_seen_at=plan.created_at, last_seen_at=plan.created_at)
        for plan in plans if run.rng.random() < 0.1], batch_size=BATCH)
    system_client_create(name=CLIENT_NAME, scopes=CLIENT_SCOPES, principal=None)
    t = _step("case statuses, violations, system client", t, "")
    _check_sample(run.rng)
    _step("model validation of a sample", t, "passed")
    return run.counts


def _check_sample(rng: random.Random, per_model: int = 40) -> None:
    """Run the models' own validation (fields, choices, constraints) on random rows of every
    table written here: bulk_create skips it, the database checks only its constraints."""
    from django.core.exceptions import ValidationError

    from boardsvc.models import AgendaItem, Attendance, Decision, Meeting
    from cases.models import Case, Lesion, Patient, PlannedProcedure, TreatmentPlan
    from scheduling.models import Booking, BookingStaff

    for model in (Patient, Case, Lesion, Meeting, Attendance, AgendaItem, Decision,
                  TreatmentPlan, PlannedProcedure, Booking, BookingStaff):
        pks = list(model.objects.values_list("pk", flat=True))
        for obj in model.objects.filter(pk__in=rng.sample(pks, min(per_model, len(pks)))):
            try:
                obj.full_clean()
            except ValidationError as exc:
                raise SystemExit(f"{model.__name__} {obj.pk} is not valid: {exc}") from None


def _people_and_boards(run: Run) -> None:
    """Clinicians (12 per specialty), the coordinator with a confirmed TOTP device, and the
    boards, each with one member of every specialty (chair, MSCC coordinator) and the
    coordinator. Nobody can sign in with a password: the load run mints sessions."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from boardsvc.models import Board, BoardMember
    from core.access import GROUP_COORDINATOR

    user_model = get_user_model()
    unusable = make_password(None)
    specialties = ["spine_surgeon", "neurosurgeon", "radiation_oncologist", "radiologist",
                   "interventional_radiologist", "medical_oncologist", "pathologist",
                   "palliative_care", "mscc_coordinator"]
    clinicians = user_model.objects.bulk_create([
        user_model(username=f"load-u{i:03d}", first_name=run.fake.first_name(),
                   last_name=run.fake.last_name(), email=f"load-u{i:03d}@example.org",
                   password=unusable)
        for i in range(len(specialties) * 12)])
    run.coordinator = user_model.objects.create(
        username=COORDINATOR, first_name="Load", last_name="Coordinator",
        email="load@example.org", password=unusable)
    run.coordinator.groups.add(Group.objects.get_or_create(name=GROUP_COORDINATOR)[0])
    TOTPDevice.objects.create(user=run.coordinator, name="load", confirmed=True)
    run.boards = Board.objects.bulk_create([
        Board(slug=f"{BOARD_PREFIX}{b:02d}", name=f"Load board {b:02d}", timezone="Europe/Rome",
              recurrence_weekday=b % 5, recurrence_time=dtime(13 + b // 5, 0),
              default_duration_minutes=150, capacity_minutes=150) for b in range(BOARDS)])
    for b, board in enumerate(run.boards):
        for s, specialty in enumerate(specialties):
            role = {0: "chair", 8: "mscc_coordinator"}.get(s, "member")
            run.members.append(BoardMember(board=board, user=clinicians[s * 12 + (b * 7 + s) % 12],
                                           specialty=specialty, role=role))
        run.members.append(BoardMember(board=board, user=run.coordinator,
                                       specialty="coordinator", role="coordinator"))
    BoardMember.objects.bulk_create(run.members)
    run.counts.update(users=len(clinicians) + 1, boards=len(run.boards),
                      members=len(run.members))


def _meetings(run: Run) -> None:
    """A weekly meeting of every board over the window, its status by the clock, and the
    attendance (90 % of the members) at the held ones."""
    from boardsvc.models import Attendance, Meeting

    now, rows = run.now, []
    for board in run.boards:
        for w in range(WEEKS_PAST + WEEKS_AHEAD):
            day = run.window.first + timedelta(weeks=w, days=board.recurrence_weekday)
            starts = datetime.combine(day, board.recurrence_time, tzinfo=ZONE).astimezone(UTC)
            ends = starts + timedelta(minutes=board.default_duration_minutes)
            cutoff = starts - timedelta(hours=board.cutoff_hours)
            held = ends <= now
            status = ("closed" if held else "in_session" if starts <= now
                      else "frozen" if cutoff <= now else "planned")
            rows.append(Meeting(
                board=board, kind="regular", occurrence_date=day, starts_at=starts, ends_at=ends,
                cutoff_at=cutoff, capacity_minutes=board.capacity_minutes, status=status,
                location="MDT room", frozen_at=cutoff if cutoff <= now else None,
                circulated_at=cutoff if cutoff <= now else None,
                started_at=starts if starts <= now else None, closed_at=ends if held else None))
    for meeting in Meeting.objects.bulk_create(rows, batch_size=BATCH):
        run.meetings.setdefault(meeting.board_id, []).append(meeting)
    Attendance.objects.bulk_create([
        Attendance(meeting=m, user_id=member.user_id, specialty=member.specialty,
                   arrived_at=m.starts_at, left_at=m.ends_at)
        for m in (m for ms in run.meetings.values() for m in ms if m.status == "closed")
        for member in run.members if member.board_id == m.board_id and run.rng.random() < 0.9
    ], batch_size=BATCH)
    run.counts["meetings"] = len(rows)


def _patients_and_cases(run: Run, n_cases: int) -> tuple[list[Any], list[Any]]:
    """The patients (Faker names, a hospital number each), saved; their cases, submitted evenly
    over the past weeks to a random board, not yet saved (their status comes from the agenda).
    Returns the cases and each one's board."""
    from django.conf import settings

    from cases.models import Case, Patient, PatientIdentifier

    rng, fake = run.rng, run.fake
    pool_f = [fake.first_name_female() for _ in range(400)]
    pool_m = [fake.first_name_male() for _ in range(400)]
    pool_last = [fake.last_name() for _ in range(1500)]
    referrers = [f"Dr {fake.first_name()} {fake.last_name()}" for _ in range(300)]
    start = run.window.opens_utc[0]
    span = (run.now - timedelta(hours=1) - start).total_seconds()
    submitted = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(n_cases))
    patients = []
    for at in submitted:
        sex = rng.choice(["female", "male"])
        born = date(1935, 1, 1) + timedelta(days=rng.randrange(56 * 365))
        patients.append(Patient(
            birth_year=born.year, sex=sex, birth_date=born, family_name=rng.choice(pool_last),
            given_name=rng.choice(pool_f if sex == "female" else pool_m), created_at=at))
    with _own_timestamps(Patient._meta.get_field("created_at")):
        patients = Patient.objects.bulk_create(patients, batch_size=BATCH)
    PatientIdentifier.objects.bulk_create([
        PatientIdentifier(patient=p, system=settings.BOARDSVC_HOSPITAL_NUMBER_SYSTEM,
                          value=f"HN{20_000_000 + i * 37:09d}")
        for i, p in enumerate(patients)], batch_size=BATCH)
    histologies = [("breast", 25), ("prostate", 20), ("lung", 18), ("renal_cell", 8),
                   ("multiple_myeloma", 7), ("thyroid_follicular", 3), ("gastrointestinal", 5),
                   ("melanoma", 2), ("hepatocellular", 2), ("unknown_primary", 5), ("other", 5)]
    questions = ["Local treatment options for a painful spinal metastasis?",
                 "Stabilisation or radiotherapy first?",
                 "Pre-operative embolization before decompression?",
                 "Ablation and cementoplasty of a pelvic lesion?",
                 "Impending fracture of the femur: fixation?"]
    case_rows, board_of = [], []
    for i, (patient, at) in enumerate(zip(patients, submitted, strict=True)):
        board = run.boards[rng.randrange(BOARDS)]
        board_of.append(board)
        urgency = _weighted(rng, [("routine", 85), ("urgent", 13), ("emergency", 2)])
        case_rows.append(Case(
            patient=patient, source_system="his-load", external_id=f"HIS-{i:07d}",
            requested_board=board.slug, referring_clinician=rng.choice(referrers),
            clinical_question=rng.choice(questions), urgency=urgency,
            urgency_reason="" if urgency == "routine" else "Pain rising over the last week.",
            primary_histology=_weighted(rng, histologies), metastases_count=rng.randint(1, 12),
            ecog=_weighted(rng, [(0, 20), (1, 40), (2, 25), (3, 12), (4, 3)]),
            pain_vas=rng.randint(0, 10), systemic_therapy_ongoing=rng.random() < 0.5,
            life_expectancy_months=rng.choice([None, 3, 6, 12, 24]),
            status="submitted", submitted_at=at, updated_at=at, ready_at=None))
    return case_rows, board_of


def _agendas(run: Run, case_rows: list[Any], board_of: list[Any]) -> tuple[
        list[Any], list[Any], list[tuple[int, int]]]:
    """Each case on the agenda of its board's first meeting after it was submitted (a few of
    the newest wait for a complete referral); at a held meeting it was discussed (standard of
    care for some), deferred to the week after, or withdrawn. Saves the cases with the status
    this gives them, their lesions and the agenda items. Returns the cases, the items and
    (item index, case index) of every item that got a decision."""
    from boardsvc.models import AgendaItem
    from cases.models import Case, Lesion

    rng, now = run.rng, run.now
    cutoffs = {b: [m.cutoff_at for m in ms] for b, ms in run.meetings.items()}
    items: list[AgendaItem] = []
    item_case: list[int] = []  # index into case_rows
    decided: list[tuple[int, int]] = []
    positions: dict[int, int] = {}

    def put_on(meeting: Any, case_index: int, outcome: str, **extra: Any) -> int:
        positions[meeting.pk] = positions.get(meeting.pk, 0) + 1
        minutes = 10 if rng.random() < 0.15 else 5
        case = case_rows[case_index]
        items.append(AgendaItem(
            meeting=meeting, position=positions[meeting.pk], allotted_minutes=minutes,
            complex_case=minutes == 10, priority=case.urgency, outcome=outcome,
            added_at=max(case.submitted_at, meeting.cutoff_at - timedelta(days=6)),
            discussed_at=(meeting.starts_at + timedelta(minutes=5 * positions[meeting.pk])
                          if outcome in ("discussed", "standard_of_care") else None),
            **extra))
        item_case.append(case_index)
        return len(items) - 1

    for index, (case, board) in enumerate(zip(case_rows, board_of, strict=True)):
        ms = run.meetings[board.pk]
        k = bisect.bisect_right(cutoffs[board.pk], case.submitted_at)
        if k >= len(ms) or (now - case.submitted_at < timedelta(days=2) and rng.random() < 0.3):
            continue  # not on an agenda yet: just submitted, or waiting for a complete referral
        case.status = "ready_for_mdt"
        case.ready_at = case.submitted_at + timedelta(minutes=rng.randint(5, 600))
        meeting = ms[k]
        if meeting.status != "closed":
            put_on(meeting, index, "pending")
            case.status = "listed"
            continue
        roll = rng.random()
        if roll < 0.05 and k + 1 < len(ms):  # deferred, discussed (or waiting) the week after
            put_on(meeting, index, "deferred", defer_reason="Imaging to be reviewed.")
            meeting = ms[k + 1]
            if meeting.status != "closed":
                put_on(meeting, index, "pending")
                case.status = "listed"
                continue
            roll = rng.random() * 0.95
        if roll < 0.97:
            soc = roll >= 0.90
            decided.append((put_on(meeting, index, "standard_of_care" if soc else "discussed",
                                   standard_of_care=soc), index))
            case.status = "discussed"
        else:
            put_on(meeting, index, "withdrawn")
            case.status = "closed"
    with _own_timestamps(*(Case._meta.get_field(n) for n in ("submitted_at", "updated_at"))):
        cases = Case.objects.bulk_create(case_rows, batch_size=BATCH)
    lesions = [_lesion(rng, case, position) for case in cases
               for position in range(_weighted(rng, [(1, 45), (2, 35), (3, 20)]))]
    Lesion.objects.bulk_create(lesions, batch_size=BATCH)
    for item, case_index in zip(items, item_case, strict=True):
        item.case = cases[case_index]
    with _own_timestamps(AgendaItem._meta.get_field("added_at")):
        items = AgendaItem.objects.bulk_create(items, batch_size=BATCH)
    run.counts.update(cases=len(cases), lesions=len(lesions), agenda_items=len(items))
    return cases, items, decided


def _decisions_and_plans(run: Run, cases: list[Any], items: list[Any],
                         decided: list[tuple[int, int]]) -> tuple[list[Any], list[list[Step]]]:
    """A decision for every discussed item, recorded by the board's chair; 82 % of the
    discussed (not standard-of-care) ones decide a treatment: an active plan from a template.
    Returns the plans and each one's template."""
    from boardsvc.models import Decision
    from cases.models import TreatmentPlan

    rng = run.rng
    chair_of = {m.board_id: m.user_id for m in run.members if m.role == "chair"}
    board_of_meeting = {m.pk: m.board_id for ms in run.meetings.values() for m in ms}
    decisions, plan_rows, templates = [], [], []
    for item_index, case_index in decided:
        item, case = items[item_index], cases[case_index]
        treatment = rng.random() < 0.82 and not item.standard_of_care
        template = _weighted(rng, TEMPLATES) if treatment else []
        chair = chair_of[board_of_meeting[item.meeting_id]]
        decision = Decision(
            agenda_item=item, meeting_id=item.meeting_id, case=case,
            outcome_text="Treatment as planned." if treatment else "Surveillance.",
            outcome_category="treatment" if treatment else "surveillance", intent="palliative",
            responsible_clinician_id=chair, recorded_by_id=chair,
            procedures=[{"procedure_type": kind, "intent": "palliative", "purpose": purpose,
                         **({"prepares_index": prep} if prep is not None else {})}
                        for kind, purpose, prep in template],
            suggestions_snapshot={}, followed_suggestions=True, quorum_met=rng.random() < 0.93,
            quorum_snapshot={"met": True}, recorded_at=item.discussed_at)
        decisions.append(decision)
        if treatment:
            plan_rows.append(TreatmentPlan(case=case, decision_public_id=decision.public_id,
                                           summary=decision.outcome_text,
                                           created_at=decision.recorded_at))
            templates.append(template)
            decision.plan_public_id = plan_rows[-1].public_id
    Decision.objects.bulk_create(decisions, batch_size=BATCH)
    with _own_timestamps(TreatmentPlan._meta.get_field("created_at")):
        plans = TreatmentPlan.objects.bulk_create(plan_rows, batch_size=BATCH)
    run.counts.update(decisions=len(decisions), plans=len(plans))
    return plans, templates


def _procedures(run: Run, plans: list[Any], templates: list[list[Step]]) -> dict[int, list[Any]]:
    """The plans' procedures in order, radiotherapy with its course, a pre-operative
    embolization linked to the surgery it prepares. Returns them by plan pk."""
    from cases.models import PlannedProcedure

    rows = []
    for plan, template in zip(plans, templates, strict=True):
        for sequence, (kind, purpose, _prep) in enumerate(template, start=1):
            fractions, dose = (_weighted(run.rng, RT_COURSES) if kind == "radiotherapy"
                               else (None, None))
            rows.append(PlannedProcedure(
                plan=plan, sequence=sequence, procedure_type=kind, purpose=purpose,
                intent="palliative", fractions=fractions, dose_gy=dose))
    procedures = PlannedProcedure.objects.bulk_create(rows, batch_size=BATCH)
    by_plan: dict[int, list[Any]] = {}
    for proc in procedures:
        by_plan.setdefault(proc.plan_id, []).append(proc)
    prepares = []
    for plan, template in zip(plans, templates, strict=True):
        for proc, (_kind, _purpose, prep) in zip(by_plan[plan.pk], template, strict=True):
            if prep is not None:
                proc.prepares = by_plan[plan.pk][prep]
                prepares.append(proc)
    PlannedProcedure.objects.bulk_update(prepares, ["prepares"], batch_size=BATCH)
    run.counts["procedures"] = len(procedures)
    return by_plan


def _rooms_and_bookings(run: Run, plans: list[Any], by_plan: dict[int, list[Any]],
                        reserve_days: int) -> list[Placed]:
    """The rooms and people with their opening hours; the plans' bookings placed in memory
    (``_book``), then written with the people booked with them: done before now (2 %
    cancelled), booked after. Returns the placements."""
    from scheduling.models import Booking, BookingStaff, OpeningHours, Resource

    rng, window, now = run.rng, run.window, run.now
    resources = Resource.objects.bulk_create(
        [Resource(code=f"load-{kind}-{n}", name=f"{kind.replace('_', ' ').title()} {n}",
                  kind=kind, timezone="Europe/Rome")
         for kind, count in ROOMS + PEOPLE for n in range(1, count + 1)])
    OpeningHours.objects.bulk_create([
        OpeningHours(resource=r, weekday=d, opens=OPENS, closes=dtime(21, 0))
        for r in resources for d in range(OPEN_DAYS.get(r.kind, 5))])
    calendars = [window.calendar(r.pk, r.kind) for r in resources]
    booked = _book(rng=rng, window=window, now=now, plans=plans, by_plan=by_plan,
                   calendars=calendars, reserve_days=reserve_days)
    patient_of_plan = {p.pk: p.case.patient_id for p in plans}
    made_at = {p.pk: p.created_at for p in plans}
    staff_rows = 0
    n_status: dict[str, int] = {}
    with _own_timestamps(*(Booking._meta.get_field(n) for n in ("created_at", "updated_at"))):
        for chunk_start in range(0, len(booked), BATCH):
            chunk = booked[chunk_start:chunk_start + BATCH]
            rows = []
            for proc, room, index, length, fraction, _people in chunk:
                start = window.at(index)
                status = ("cancelled" if rng.random() < 0.02
                          else "booked" if start > now else "done")
                n_status[status] = n_status.get(status, 0) + 1
                rows.append(Booking(
                    procedure=proc, plan_id=proc.plan_id, patient_id=patient_of_plan[proc.plan_id],
                    resource_id=room, start=start, end=start + length * QUARTER, status=status,
                    fraction_number=fraction,
                    cancel_reason="Patient unwell." if status == "cancelled" else "",
                    created_at=made_at[proc.plan_id], updated_at=made_at[proc.plan_id],
                    created_by_id=run.coordinator.pk))
            rows = Booking.objects.bulk_create(rows)
            staff = [BookingStaff(booking=b, resource_id=person, start=b.start, end=b.end,
                                  active=b.status != "cancelled")
                     for b, (*_rest, people) in zip(rows, chunk, strict=True) for person in people]
            BookingStaff.objects.bulk_create(staff)
            staff_rows += len(staff)
    run.counts.update(
        bookings=len(booked), bookings_by_status=n_status, booking_staff=staff_rows,
        rooms=sum(c for _k, c in ROOMS), people=sum(c for _k, c in PEOPLE),
        occupancy=_occupancy(calendars, window, window.index_on_or_after(now)))
    return booked


def _lesion(rng: random.Random, case: Any, position: int) -> Any:
    from cases.models import Lesion

    site = _weighted(rng, [("vertebra", 55), ("pelvis", 15), ("long_bone_lower", 12),
                           ("long_bone_upper", 5), ("rib", 5), ("sacrum", 5), ("skull", 3)])
    lesion = Lesion(case=case, position=position, site=site,
                    max_diameter_mm=rng.randint(8, 90),
                    pattern=rng.choice(["lytic", "blastic", "mixed"]),
                    vascularity=_weighted(rng, [("not_assessed", 70), ("hyper", 15),
                                                ("hypo", 15)]),
                    pathological_fracture=rng.random() < 0.15, painful=rng.random() < 0.8,
                    distance_neural_mm=rng.randint(0, 40), distance_vascular_mm=rng.randint(0, 40))
    if lesion.vascularity != "not_assessed":
        lesion.vascularity_method = "dce_mri"
    if site == "vertebra":
        lesion.vertebral_level = rng.choice(["T4", "T7", "T9", "T11", "T12", "L1", "L2", "L3",
                                             "L4", "C5", "S1"])
        lesion.sins_location = rng.choice(["junctional", "mobile", "semi_rigid", "rigid"])
        lesion.sins_pain = rng.choice(["mechanical", "occasional", "pain_free"])
        lesion.sins_alignment = _weighted(rng, [("normal", 85), ("de_novo_deformity", 10),
                                                ("subluxation", 5)])
        lesion.sins_collapse = rng.choice(["over_50", "under_50", "none_over_50_involved",
                                           "none"])
        lesion.sins_posterolateral = rng.choice(["bilateral", "unilateral", "none"])
        lesion.epidural_extension = rng.random() < 0.2
        if lesion.epidural_extension:
            lesion.bilsky_grade = rng.choice(["1a", "1b", "1c", "2", "3"])
    elif site.startswith("long_bone"):
        lesion.mirels_site = ("upper_limb" if site == "long_bone_upper"
                              else rng.choice(["lower_limb", "peritrochanteric"]))
        lesion.mirels_pain = rng.choice(["mild", "moderate", "functional"])
        lesion.mirels_size = rng.choice(["under_third", "third_to_two_thirds",
                                         "over_two_thirds"])
        lesion.weight_bearing = site == "long_bone_lower"
    return lesion


Placed = tuple[Any, int, int, int, int | None, list[int]]


def _book(*, rng: random.Random, window: Window, now: datetime, plans: Sequence[Any],
          by_plan: dict[int, list[Any]], calendars: list[Calendar],
          reserve_days: int) -> list[Placed]:
    """Place each plan's procedures, plan by plan in decision order, at the first free time
    after their wish date (decision + days, or the previous procedure + days); a radiotherapy
    course takes consecutive working days on one linac at the same time where it can. Returns
    (procedure, room pk, first quarter, quarters, fraction number, people pks) per booking."""
    from scheduling.models import ProcedureCatalogueEntry

    catalogue = {e.procedure_type: e for e in ProcedureCatalogueEntry.objects.all()}
    rooms_by_kind: dict[str, list[Calendar]] = {}
    for cal in calendars:
        rooms_by_kind.setdefault(cal.kind, []).append(cal)
    end = window.days * DAY_SLOTS
    horizon = 45 * DAY_SLOTS  # a procedure that cannot be placed within 45 days stays unbooked
    reserve_from = now - timedelta(days=reserve_days)
    placed: list[Placed] = []
    for plan in sorted(plans, key=lambda p: p.created_at):
        if plan.created_at >= reserve_from:
            continue  # just decided: left for the load run's booking-create requests
        wish = window.index_on_or_after(plan.created_at) + rng.randint(3, 14) * DAY_SLOTS
        for proc in by_plan[plan.pk]:
            entry = catalogue[proc.procedure_type]
            rooms = [c for kind in entry.resource_kinds for c in rooms_by_kind.get(kind, [])]
            staff = [rooms_by_kind[k] for k in entry.staff_kinds if k in rooms_by_kind]
            length = LENGTH.get(proc.procedure_type, 1)
            if proc.procedure_type.startswith("follow_up"):
                wish += FOLLOW_UP_DAYS * DAY_SLOTS
            if wish >= end:
                break
            best = None
            for room in rooms:
                fit = _first_fit(room, wish, length, min(end, wish + horizon), staff)
                if fit is not None and (best is None or fit[0] < best[1]):
                    best = (room, fit[0], fit[1])
            if best is None:
                break
            room, index, _people = best
            count = (proc.fractions or 1) if proc.procedure_type == "radiotherapy" else 1
            course = _course(room, index, length, count, end, staff)
            if course is None:
                break
            for fraction, (at, team) in enumerate(course, start=1):
                room.take(at, length)
                for person in team:
                    person.take(at, length)
                placed.append((proc, room.pk, at, length,
                               fraction if proc.procedure_type == "radiotherapy" else None,
                               [p.pk for p in team]))
            wish = course[-1][0] + rng.randint(7, 21) * DAY_SLOTS
    return placed


def _occupancy(calendars: Any, window: Window, split: int) -> dict[str, str]:
    """Share of the open quarter hours taken per resource kind, before and after ``split``
    (closed days are left out)."""
    out: dict[str, list[int]] = {}
    for cal in calendars:
        row = out.setdefault(cal.kind, [0, 0, 0, 0])
        for d in range(window.days):
            if (window.first + timedelta(days=d)).weekday() >= OPEN_DAYS.get(cal.kind, 5):
                continue
            past = d * DAY_SLOTS < split
            row[0 if past else 2] += sum(cal.taken[d * DAY_SLOTS:(d + 1) * DAY_SLOTS])
            row[1 if past else 3] += DAY_SLOTS
    return {kind: f"{r[0] / max(1, r[1]):.0%} past, {r[2] / max(1, r[3]):.0%} ahead"
            for kind, r in out.items()}


def _course(room: Calendar, index: int, length: int, count: int, end: int,
            staff: Sequence[Sequence[Calendar]]) -> list[tuple[int, list[Calendar]]] | None:
    """``count`` sessions on ``room`` from ``index``: one per working day, at the same time of
    day when free, else the day's first free time. None when the window ends first."""
    out: list[tuple[int, list[Calendar]]] = []
    at = index
    while len(out) < count:
        if at >= end:
            return None
        day_start = at - at % DAY_SLOTS
        fit = _first_fit(room, at, length, day_start + DAY_SLOTS - length + 1, staff)
        if fit is None:
            fit = _first_fit(room, day_start, length, day_start + DAY_SLOTS - length + 1, staff)
        if fit is not None:
            out.append(fit)
        at = day_start + DAY_SLOTS + index % DAY_SLOTS
    return out


def _set_case_statuses(*, cases: Sequence[Any], plans: Sequence[Any], booked: list[Placed],
                       window: Window, now: datetime) -> None:
    """Discussed cases move on with their bookings: plan_scheduled before the first, in
    treatment while some are ahead, follow-up after the last (closed a year on)."""
    from cases.models import Case

    times: dict[int, list[datetime]] = {}
    for proc, _room, index, _length, _fraction, _people in booked:
        times.setdefault(proc.plan_id, []).append(window.at(index))
    case_of_plan = {p.pk: p.case_id for p in plans}
    status: dict[int, str] = {}
    for plan_id, starts in times.items():
        first, last = min(starts), max(starts)
        status[case_of_plan[plan_id]] = (
            "plan_scheduled" if first > now else "in_treatment" if last > now
            else "follow_up" if now - last < timedelta(days=365) else "closed")
    by_status: dict[str, list[int]] = {}
    for case in cases:
        if case.pk in status:
            by_status.setdefault(status[case.pk], []).append(case.pk)
    for value, pks in by_status.items():
        for k in range(0, len(pks), BATCH):
            Case.objects.filter(pk__in=pks[k:k + BATCH]).update(status=value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of 50,000 cases / 200,000 bookings")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--reserve-days", type=int, default=21,
                        help="plans decided this many days back or less are left unbooked")
    parser.add_argument("--if-present", choices=["fail", "reuse"], default="fail",
                        help="what to do when the database already holds the data set")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a new PostgreSQL database")

    from bench._django import django_bench_setup

    django_bench_setup()
    from django.db import connection

    if present():
        if args.if_present == "reuse":
            print("the database already holds the load data set: reused")
            return
        raise SystemExit("this database already holds the load data set: use a new one")
    started = time.perf_counter()
    counts = build(scale=args.scale, seed=args.seed, reserve_days=args.reserve_days,
                   now=datetime.now(UTC).replace(second=0, microsecond=0))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{'data set built in':<44} {time.perf_counter() - started:.1f} s")
    for key, value in counts.items():
        print(f"  {key:<20} {value}")


if __name__ == "__main__":
    main()
