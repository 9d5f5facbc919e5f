"""agenda_place_case and friends against the database: readiness, board choice, emergencies,
late additions, deferral, cancellation and the horizon upkeep."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from boardsvc import tasks
from boardsvc.models import AgendaItem, Meeting, PlacementRecord
from boardsvc.services import (
    BoardRuleError,
    agenda_item_add_late,
    agenda_item_defer,
    agenda_place_case,
    holiday_add,
    meeting_cancel,
    meeting_horizon_upkeep,
    meeting_move,
    place_ready_cases,
)
from cases.models import Case
from core.access import principal_for_user
from core.models import Notification
from tests.factories.boardsvc import make_case
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meetings(board, clock):
    meeting_horizon_upkeep(weeks=3)
    return list(Meeting.objects.filter(board=board).order_by("starts_at"))


@pytest.fixture
def coordinator_user(db):
    user = UserFactory(username="coord.placement")
    user.groups.add(Group.objects.get_or_create(name="coordinator")[0])
    return user


def test_a_case_with_unresolved_requirements_is_not_placed_and_coordinators_are_told(
        board, meetings, coordinator_user):
    case = make_case(requested_board=board.slug, imaging_available=False)
    record = agenda_place_case(case_id=case.pk)
    assert record.outcome == "blocked"
    assert record.unresolved[0]["code"] == "imaging_not_available"
    assert not AgendaItem.objects.filter(case=case).exists()
    note = Notification.objects.get(recipient=coordinator_user)
    assert note.kind == "placement_blocked"
    assert "imaging" in note.body
    # Ready means ready: a case changed after it became ready goes back to "submitted".
    case.refresh_from_db()
    assert case.status == "submitted"
    agenda_place_case(case_id=case.pk)  # a re-run does not notify twice
    assert Notification.objects.filter(recipient=coordinator_user).count() == 1


def test_a_case_without_requested_board_goes_to_the_board_whose_focus_fits(
        board, other_board, clock):
    meeting_horizon_upkeep(weeks=2)
    sarcoma = make_case(histology="osteosarcoma")
    breast = make_case(histology="breast")
    assert agenda_place_case(case_id=sarcoma.pk).board == other_board
    # No board lists breast explicitly: the catch-all bone-metastasis board takes it.
    assert agenda_place_case(case_id=breast.pk).board == board


def test_an_unknown_requested_board_is_reported(board, meetings, coordinator_user):
    case = make_case(requested_board="no-such-board")
    record = agenda_place_case(case_id=case.pk)
    assert record.outcome == "no_meeting"
    assert record.explanation[0]["code"] == "no_board"
    assert Notification.objects.filter(recipient=coordinator_user).exists()


def test_urgent_case_after_the_cut_off_goes_to_the_next_meeting_and_coordinators_hear_of_it(
        board, meetings, clock, coordinator_user):
    clock.move_to(meetings[0].cutoff_at + timedelta(hours=1))
    case = make_case(requested_board=board.slug, urgency="urgent")
    record = agenda_place_case(case_id=case.pk)
    assert record.meeting == meetings[1]
    assert [r["code"] for r in record.explanation] == ["cut_off_passed", "chosen"]
    assert Notification.objects.filter(recipient=coordinator_user, kind="general").exists()


def test_a_late_addition_needs_an_urgent_case_and_a_reason_r13(board, team, meetings, clock):
    clock.move_to(meetings[0].cutoff_at + timedelta(hours=1))
    chair = principal_for_user(team["chair"])
    routine = make_case(requested_board=board.slug)
    with pytest.raises(BoardRuleError) as excinfo:
        agenda_item_add_late(meeting=meetings[0], case=routine, reason="x", principal=chair)
    assert excinfo.value.rule == "R13_cut_off"
    urgent = make_case(requested_board=board.slug, urgency="urgent")
    with pytest.raises(BoardRuleError) as excinfo:
        agenda_item_add_late(meeting=meetings[0], case=urgent, reason=" ", principal=chair)
    assert excinfo.value.field == "reason"
    item = agenda_item_add_late(meeting=meetings[0], case=urgent, principal=chair,
                                reason="Impending fracture, surgery slot Friday")
    assert item.late_addition
    assert item.late_reason.startswith("Impending")
    assert Case.objects.get(pk=urgent.pk).status == "listed"
    assert PlacementRecord.objects.get(agenda_item=item).outcome == "late_added"


def test_a_late_addition_moves_a_case_from_its_later_meeting(board, team, meetings, clock):
    case = make_case(requested_board=board.slug, urgency="urgent")
    clock.move_to(meetings[0].cutoff_at + timedelta(hours=1))
    agenda_place_case(case_id=case.pk)
    first_item = AgendaItem.objects.get(case=case)
    assert first_item.meeting == meetings[1]
    item = agenda_item_add_late(meeting=meetings[0], case=case, reason="Cannot wait",
                                principal=principal_for_user(team["chair"]))
    first_item.refresh_from_db()
    assert first_item.outcome == "withdrawn"
    assert item.meeting == meetings[0]


def test_an_emergency_gets_an_adhoc_virtual_meeting_within_24_hours(board, meetings, clock):
    case = make_case(requested_board=board.slug, urgency="emergency")
    record = agenda_place_case(case_id=case.pk)
    meeting = record.meeting
    assert meeting.kind == "adhoc"
    assert meeting.virtual
    assert timezone.now() < meeting.starts_at <= timezone.now() + timedelta(hours=24)
    assert record.agenda_item.ratification_required
    second = make_case(requested_board=board.slug, urgency="emergency")
    assert agenda_place_case(case_id=second.pk).meeting == meeting  # joins the same one


def test_capacity_is_respected_when_a_meeting_fills_up(board, meetings):
    # The synthetic cases are IR candidates (thermal ablation suggested): 10 minutes each (R14).
    Meeting.objects.filter(pk=meetings[0].pk).update(capacity_minutes=20)
    cases = [make_case(requested_board=board.slug) for _ in range(3)]
    placed = [agenda_place_case(case_id=c.pk).meeting for c in cases]
    assert placed == [meetings[0], meetings[0], meetings[1]]
    assert PlacementRecord.objects.filter(case=cases[2]).first().explanation[0]["code"] == "full"


def test_deferring_places_the_case_after_this_meeting(board, team, meetings):
    case = make_case(requested_board=board.slug)
    item = agenda_place_case(case_id=case.pk).agenda_item
    with pytest.raises(BoardRuleError):
        agenda_item_defer(item=item, reason="", principal=None)
    record = agenda_item_defer(item=item, reason="Awaiting biopsy",
                               principal=principal_for_user(team["chair"]))
    item.refresh_from_db()
    assert item.outcome == "deferred"
    assert record.outcome == "deferred"
    assert record.meeting == meetings[1]
    assert record.agenda_item.rolled_from == item


def test_cancelling_a_meeting_rolls_its_cases_forward(board, team, meetings,
                                                      django_capture_on_commit_callbacks):
    case = make_case(requested_board=board.slug)
    item = agenda_place_case(case_id=case.pk).agenda_item
    with django_capture_on_commit_callbacks(execute=True):
        meeting_cancel(meeting=meetings[0], reason="Congress", principal=None)
    item.refresh_from_db()
    assert item.outcome == "rolled_forward"
    assert AgendaItem.objects.get(rolled_from=item).meeting == meetings[1]
    assert tasks.meeting_roll_forward(meetings[0].pk) == 0


def test_upkeep_respects_holidays_cancellations_and_moves(board, clock):
    holiday_add(day=date(2026, 12, 8), name="Immacolata")
    created = meeting_horizon_upkeep(weeks=4)
    dates = list(Meeting.objects.filter(board=board).values_list("occurrence_date", flat=True))
    assert date(2026, 12, 8) not in dates
    assert created == 3
    first, second = Meeting.objects.filter(board=board).order_by("starts_at")[:2]
    meeting_cancel(meeting=first, reason="Strike", principal=None)
    moved = meeting_move(meeting=second, starts_at=second.starts_at + timedelta(days=1),
                         reason="Room unavailable", principal=None)
    assert moved.cutoff_at == moved.starts_at - timedelta(hours=24)
    assert meeting_horizon_upkeep(weeks=4) == 0  # neither is recreated
    assert Meeting.objects.get(pk=first.pk).status == "cancelled"


def test_place_ready_cases_places_every_ready_case_once(board, meetings):
    for _ in range(3):
        make_case(requested_board=board.slug)
    make_case(requested_board=board.slug, status="submitted")
    assert place_ready_cases() == 3
    assert place_ready_cases() == 0


def test_the_placement_task_is_idempotent(board, meetings):
    case = make_case(requested_board=board.slug)
    assert tasks.agenda_place_case(case.pk) == "placed"
    assert tasks.agenda_place_case(case.pk) == "noop"
    assert AgendaItem.objects.filter(case=case).count() == 1
    assert PlacementRecord.objects.filter(case=case).count() == 1


def test_a_case_that_found_no_meeting_is_placed_when_the_horizon_grows(board, clock):
    # No meetings yet: the ready case waits, as ready, with the reason recorded.
    case = make_case(requested_board="bone-mets-spine")
    assert agenda_place_case(case_id=case.pk).outcome == "no_meeting"
    case.refresh_from_db()
    assert case.status == "ready_for_mdt"

    # The hourly upkeep creates meetings and retries waiting cases; running it twice is harmless.
    tasks.meeting_horizon_upkeep()
    tasks.meeting_horizon_upkeep()
    case.refresh_from_db()
    assert case.status == "listed"
    assert AgendaItem.objects.filter(case=case).count() == 1
