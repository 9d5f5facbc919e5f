"""The whole path: ready → placed → frozen at cut-off → held with attendance → decision with a
plan → undiscussed items roll forward to the next agenda. Each task runs twice to show it is
idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from boardsvc import tasks
from boardsvc.models import AgendaItem, Decision, Meeting, PlacementRecord
from boardsvc.services import (
    attendance_arrive,
    decision_record,
    meeting_close,
    meeting_start,
)
from cases.models import Case, TreatmentPlan
from cases.services import case_transition
from core.access import principal_for_user
from core.models import AuditEvent
from tests.factories.boardsvc import make_case, suggested_procedure
from tests.support.boardsvc import outcome_fields

pytestmark = pytest.mark.django_db



def test_a_ready_case_goes_all_the_way_to_a_decision_and_the_rest_roll_forward(
        board, team, clock, django_capture_on_commit_callbacks):
    assert tasks.meeting_horizon_upkeep() == 8
    assert tasks.meeting_horizon_upkeep() == 0  # idempotent
    first, second = Meeting.objects.filter(board=board).order_by("starts_at")[:2]
    # Tuesday 14:00 in Rome is 13:00 UTC in November; cut-off 24 h before (R13).
    assert first.starts_at.hour == 13
    assert first.cutoff_at == first.starts_at - timedelta(hours=24)

    decided = make_case(status="submitted", requested_board=board.slug)
    waiting = make_case(status="submitted", requested_board=board.slug)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case=decided, to_status="ready_for_mdt", principal=None)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case=waiting, to_status="ready_for_mdt", principal=None)

    # Placed by the outbox-enqueued task on the earliest meeting, and listed.
    items = list(AgendaItem.objects.filter(meeting=first).order_by("position"))
    assert [i.case_id for i in items] == [decided.pk, waiting.pk]
    assert Case.objects.get(pk=decided.pk).status == "listed"
    assert items[0].placement_explanation[-1]["code"] == "chosen"
    assert tasks.agenda_place_case(decided.pk) == "noop"  # a duplicate delivery does nothing
    assert AgendaItem.objects.filter(case=decided).count() == 1

    # The cut-off passes: the agenda freezes and is e-mailed to the five members, once.
    clock.move_to(first.cutoff_at + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):  # e-mails leave after the commit
        assert tasks.agenda_freeze_due() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.agenda_freeze_due() == 0
    first.refresh_from_db()
    assert first.status == "frozen"
    assert len(mail.outbox) == 5

    # The meeting is held: the core team arrives, one case is decided.
    clock.move_to(first.starts_at)
    chair = principal_for_user(team["chair"])
    meeting_start(meeting=first, principal=chair)
    for key in ("surgeon", "rt", "rad", "ir"):
        attendance_arrive(meeting=first, user=team[key], principal=chair)
    clock.move_to(first.starts_at + timedelta(minutes=7))
    decision = decision_record(item=items[0], outcome_text="Proceed as suggested.",
                               procedures=[suggested_procedure(decided)], principal=chair,
                               **outcome_fields(first.board))
    assert decision.quorum_met
    assert decision.followed_suggestions
    assert decision.suggestions_snapshot["lesions"]
    plan = TreatmentPlan.objects.get(case=decided, status="active")
    assert plan.decision_public_id == decision.public_id
    assert Case.objects.get(pk=decided.pk).status == "discussed"
    assert AuditEvent.objects.filter(object_type="decision", action="create").count() == 1

    # Closing rolls the undiscussed case onto the next meeting (after commit, via the outbox).
    with django_capture_on_commit_callbacks(execute=True):
        meeting_close(meeting=first, principal=chair)
    original = AgendaItem.objects.get(pk=items[1].pk)
    assert original.outcome == "rolled_forward"
    rolled = AgendaItem.objects.get(rolled_from=original)
    assert rolled.meeting_id == second.pk
    assert rolled.outcome == "pending"
    assert Case.objects.get(pk=waiting.pk).status == "listed"
    assert PlacementRecord.objects.filter(case=waiting, outcome="rolled_forward").count() == 1
    assert tasks.meeting_roll_forward(first.pk) == 0  # running it again changes nothing
    assert AgendaItem.objects.filter(case=waiting).count() == 2
    assert Decision.objects.count() == 1
