"""Placement against the database (boardsvc/services/placement.py): readiness, board
choice, cut-off, emergencies, capacity, idempotent tasks and the horizon upkeep retrying
waiting cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from boardsvc import tasks
from boardsvc.models import AgendaItem, Meeting, PlacementRecord
from boardsvc.services import (
    agenda_place_case,
    meeting_horizon_upkeep,
    place_ready_cases,
)
from core.models import Notification
from tests.factories.boardsvc import make_case

pytestmark = pytest.mark.django_db


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
