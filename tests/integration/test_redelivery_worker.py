"""A message delivered twice to a real worker over Redis does its work once (issue 15, item 2).

Redis redelivers a message whose worker died before acknowledging it, with the same task id,
even when the task had finished: a case got two placement records. Here the same message (same
task id) is sent twice to the worker of .ci/run's integration phase; the placement is recorded
once and the receipt says which message did it. A second message (another id) is new work."""

from __future__ import annotations

import uuid

from celery import current_app

from boardsvc.models import PlacementRecord
from core.models import TaskReceipt
from tests.factories.boardsvc import make_case
from tests.support.worker import REAL_WORKER, poll

pytestmark = REAL_WORKER
TASK = "boardsvc.tasks.agenda_place_case"


def test_the_same_message_twice_places_once_and_a_new_message_places_again():
    case = make_case(requested_board="no-such-board")  # stays "ready": no service-level claim
    message_id = str(uuid.uuid4())
    current_app.send_task(TASK, kwargs={"case_id": case.pk}, task_id=message_id)
    assert poll(lambda: TaskReceipt.objects.filter(task_id=message_id).exists()), (
        "the worker never ran the placement")
    current_app.send_task(TASK, kwargs={"case_id": case.pk}, task_id=message_id)  # redelivered
    marker = str(uuid.uuid4())
    current_app.send_task(TASK, kwargs={"case_id": case.pk}, task_id=marker)  # new work, after
    assert poll(lambda: TaskReceipt.objects.filter(task_id=marker).exists())
    # The worker has handled all three (one queue, in order): two placements, not three.
    assert PlacementRecord.objects.filter(case=case).count() == 2
