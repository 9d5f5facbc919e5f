"""Agenda placement through a real broker and a real Celery worker (.ci/run integration phase:
PostgreSQL + Redis + `celery worker` on the test database).

The whole background path: a case becomes ready → cases.services.case_transition writes an
outbox row in its transaction → after commit it is published to Redis → the worker runs
boardsvc.tasks.agenda_place_case → the case is listed on the next meeting. The test only commits
and polls: the agenda item exists only if the task ran in the worker.
"""

from __future__ import annotations

from boardsvc.models import AgendaItem, PlacementRecord
from boardsvc.services import board_create, meeting_horizon_upkeep
from cases.models import Case
from cases.services import case_transition
from core.models import OutboxMessage
from tests.factories.boardsvc import make_case
from tests.support.worker import REAL_WORKER, poll

pytestmark = REAL_WORKER


def test_a_worker_places_a_case_that_became_ready():
    board = board_create(slug="bone-mets-spine", name="Bone metastases / spine",
                         focus="Bone metastases and spine")
    assert meeting_horizon_upkeep(weeks=3) >= 2
    case = make_case(status="submitted", requested_board=board.slug)

    case_transition(case=case, to_status="ready_for_mdt", principal=None, reason="complete")

    assert poll(lambda: Case.objects.get(pk=case.pk).status == "listed"), (
        "the worker never placed the case")
    item = AgendaItem.objects.get(case=case)
    assert item.meeting.board_id == board.pk
    assert PlacementRecord.objects.filter(case=case).exists()  # the explanation is kept
    assert OutboxMessage.objects.get(task_name="boardsvc.tasks.agenda_place_case").status == "sent"
