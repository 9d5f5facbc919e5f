"""core.taskonce: a message delivered twice (a redelivery after the worker died before its ack,
or the outbox publishing one row twice) does its work once (issue 15, item 2: a case got two
placement records). Same task id → one side effect; a failed run leaves no receipt, so its
retry runs."""

from __future__ import annotations

import pytest

from boardsvc.models import PlacementRecord
from boardsvc.tasks import agenda_place_case
from core.models import TaskReceipt
from tests.factories.boardsvc import make_case

pytestmark = pytest.mark.django_db


def test_a_redelivered_placement_records_once():
    # No board fits: the case stays "ready for MDT", so the service's own claim cannot tell a
    # second delivery from new work; the receipt does.
    case = make_case(requested_board="no-such-board")
    first = agenda_place_case.apply(kwargs={"case_id": case.pk}, task_id="msg-1")
    again = agenda_place_case.apply(kwargs={"case_id": case.pk}, task_id="msg-1")
    assert (first.result, again.result) == ("no_meeting", None)
    assert PlacementRecord.objects.filter(case=case).count() == 1
    assert TaskReceipt.objects.filter(task_id="msg-1",
                                      task_name="boardsvc.tasks.agenda_place_case").exists()
    # A new message is new work.
    agenda_place_case.apply(kwargs={"case_id": case.pk}, task_id="msg-2")
    assert PlacementRecord.objects.filter(case=case).count() == 2


def test_a_failed_run_leaves_no_receipt_and_its_retry_runs(monkeypatch):
    from boardsvc import services

    case = make_case(requested_board="no-such-board")
    real = services.agenda_place_case
    monkeypatch.setattr(services, "agenda_place_case",
                        lambda **kw: (_ for _ in ()).throw(RuntimeError("crashed")))
    with pytest.raises(RuntimeError):
        agenda_place_case.apply(kwargs={"case_id": case.pk}, task_id="msg-3", throw=True)
    assert not TaskReceipt.objects.filter(task_id="msg-3").exists()
    monkeypatch.setattr(services, "agenda_place_case", real)
    assert agenda_place_case.apply(kwargs={"case_id": case.pk}, task_id="msg-3").result == (
        "no_meeting")
