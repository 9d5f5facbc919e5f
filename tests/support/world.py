"""The cast of the integration and security tests: two boards, their people, a case on each, a
booking each, and (for the authorisation matrix) board A's meeting with its agenda, a recorded
decision and an open violation.

Rows are made directly with the ORM (not the apps' services) on purpose: these tests check the
HTTP surface (roles, scoping, audit, ETags), so their set-up must not depend on, or be hidden by,
the behaviour under test. All data is synthetic.

The fixtures ``world`` and ``api_world`` (tests/integration/conftest.py,
tests/security/conftest.py) call ``world_create`` and ``api_world_create``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import Group

from core.access import GROUP_ADMINISTRATOR, GROUP_COORDINATOR
from tests.factories.core import UserFactory

# Every scope a system client can be allowed (core.access); a client holding all of them.
ALL_SCOPES = (
    "cases:read", "cases:write", "agenda:read", "decisions:write", "bookings:read",
    "bookings:write", "fhir:read", "audit:read",
)


@dataclass
class World:
    users: dict[str, Any]
    board_a: Any
    board_b: Any
    case_a: Any
    case_b: Any
    resource: Any
    booking_a: Any
    booking_b: Any
    extra: dict[str, Any] = field(default_factory=dict)


def _case(board_slug: str, birth_year: int) -> Any:
    from cases.models import Case, Lesion, Patient

    patient = Patient.objects.create(birth_year=birth_year, sex="female")
    case = Case.objects.create(
        patient=patient, requested_board=board_slug, referring_clinician="Dr Referrer",
        clinical_question="Painful T8 lesion: vertebroplasty or radiotherapy?",
        primary_histology="breast", metastases_count=2, ecog=1, pain_vas=6,
    )
    Lesion.objects.create(case=case, site="vertebra", vertebral_level="T8", max_diameter_mm=30,
                          pattern="lytic")
    return case


def _booking(case: Any, resource: Any, start: datetime) -> Any:
    from cases.models import PlannedProcedure, TreatmentPlan
    from scheduling.models import Booking

    plan = TreatmentPlan.objects.create(case=case)
    procedure = PlannedProcedure.objects.create(
        plan=plan, sequence=1, procedure_type="embolization", intent="palliative",
        purpose="",
    )
    return Booking.objects.create(
        procedure=procedure, plan=plan, patient=case.patient, resource=resource,
        start=start, end=start + timedelta(hours=1),
    )


def world_create() -> World:
    """Two spine boards (A and B), a coordinator, an administrator, a member of each board and
    a chair of board A; an angio suite open on weekdays; a case on each board with one booked
    embolization each (Tuesday 2030-03-05, 09:00 and 11:00 UTC). Needs database access."""
    from boardsvc.models import Board, BoardMember
    from scheduling.models import OpeningHours, Resource

    coordinator = UserFactory(username="w-coord")
    coordinator.groups.add(Group.objects.get_or_create(name=GROUP_COORDINATOR)[0])
    admin = UserFactory(username="w-admin")
    admin.groups.add(Group.objects.get_or_create(name=GROUP_ADMINISTRATOR)[0])
    member_a = UserFactory(username="w-member-a")
    member_b = UserFactory(username="w-member-b")
    chair_a = UserFactory(username="w-chair-a")
    board_a = Board.objects.create(slug="spine-a", name="Spine board A")
    board_b = Board.objects.create(slug="spine-b", name="Spine board B")
    BoardMember.objects.create(board=board_a, user=member_a, specialty="radiologist")
    BoardMember.objects.create(board=board_b, user=member_b, specialty="radiologist")
    BoardMember.objects.create(board=board_a, user=chair_a, specialty="spine_surgeon",
                               role=BoardMember.Role.CHAIR)
    resource = Resource.objects.create(code="angio-1", name="Angio suite 1", kind="angio_suite",
                                       timezone="Europe/Rome")
    for weekday in range(5):
        OpeningHours.objects.create(resource=resource, weekday=weekday, opens=time(8),
                                    closes=time(18))
    case_a = _case(board_a.slug, 1961)
    case_b = _case(board_b.slug, 1958)
    start = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)  # a Tuesday
    return World(
        users={"coordinator": coordinator, "administrator": admin, "member_a": member_a,
               "member_b": member_b, "chair_a": chair_a},
        board_a=board_a, board_b=board_b, case_a=case_a, case_b=case_b, resource=resource,
        booking_a=_booking(case_a, resource, start),
        booking_b=_booking(case_b, resource, start + timedelta(hours=2)),
    )


def api_world_create(world: World) -> World:
    """Add what the authorisation matrix acts on to ``world``: board A's next meeting with a
    pending agenda item for case A and a discussed item carrying a recorded decision, and an
    open soft timing-rule violation on case A's plan (in ``world.extra``)."""
    from boardsvc.models import AgendaItem, Decision, Meeting
    from scheduling.models import SolverRun, Violation

    starts = datetime(2030, 3, 5, 13, 0, tzinfo=UTC)
    meeting = Meeting.objects.create(
        board=world.board_a, starts_at=starts, ends_at=starts + timedelta(minutes=90),
        cutoff_at=starts - timedelta(hours=24), occurrence_date=starts.date(),
        capacity_minutes=90,
    )
    item = AgendaItem.objects.create(meeting=meeting, case=world.case_a, position=1,
                                     allotted_minutes=5)
    done = AgendaItem.objects.create(meeting=meeting, case=world.case_a, position=2,
                                     allotted_minutes=5, outcome=AgendaItem.Outcome.DISCUSSED)
    decision = Decision.objects.create(
        agenda_item=done, meeting=meeting, case=world.case_a,
        outcome_text="Radiotherapy 8 Gy single fraction to T8.", recorded_at=starts,
    )
    violation = Violation.objects.create(
        plan=world.booking_a.plan, rule_code="synthetic-soft", rule_id="R9", severity="soft",
        bookings_key=str(world.booking_a.public_id),
        booking_public_ids=[str(world.booking_a.public_id)], message="Synthetic soft finding.",
        first_seen_at=starts, last_seen_at=starts,
    )
    run = SolverRun.objects.create(
        plan=world.booking_a.plan, requested_by="system", inputs_at=starts, horizon_days=28,
        time_limit_s=5, status=SolverRun.Status.FINISHED, outcome="infeasible",
        message="No schedule within the horizon.")
    world.extra.update(meeting_a=meeting, item_a=item, decided_item_a=done, decision_a=decision,
                       violation_a=violation, solver_run_a=run)
    return world


def api_client_for(user: Any) -> Any:
    """A DRF test client authenticated as ``user`` (no token, no session)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client
