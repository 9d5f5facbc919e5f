"""The chair's agenda actions against the database (boardsvc/services/agenda.py): late
additions (R13) and deferral."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boardsvc.models import AgendaItem, PlacementRecord
from boardsvc.services import (
    BoardRuleError,
    agenda_item_add_late,
    agenda_item_defer,
    agenda_place_case,
)
from cases.models import Case
from core.access import principal_for_user
from tests.factories.boardsvc import make_case

pytestmark = pytest.mark.django_db


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
