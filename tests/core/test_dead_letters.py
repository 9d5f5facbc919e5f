"""A task that fails for the last time leaves a dead letter and an alert (docs/security.md, Q7)."""

from __future__ import annotations

import pytest

from config.celery import app
from core.models import DeadLetter, Notification

pytestmark = pytest.mark.django_db

CANARY = "Rossi Mario MRN 99123456"


@app.task(name="tests.core.always_fails")
def always_fails(**kwargs):
    raise ValueError(f"row {CANARY} rejected")


@app.task(name="tests.core.fails_then_retries", bind=True, autoretry_for=(ConnectionError,),
          retry_backoff=False, max_retries=2)
def fails_then_retries(self, **kwargs):
    raise ConnectionError("broker hiccup")


def test_a_final_failure_is_recorded_without_its_message_and_administrators_are_told(
        administrator):
    # throw=False runs the task as a worker does: failure handling (and its signal) happens
    # instead of the exception propagating to the caller.
    result = always_fails.apply(kwargs={"case_id": 42}, throw=False)
    assert result.failed()
    letter = DeadLetter.objects.get()
    assert (letter.task_name, letter.exception_type, letter.kwargs) == (
        "tests.core.always_fails", "ValueError", {"case_id": 42})
    assert CANARY not in str(letter.__dict__)
    note = Notification.objects.get(recipient=administrator)
    assert "tests.core.always_fails" in note.subject
    assert CANARY not in note.body


def test_the_last_allowed_retry_that_fails_becomes_a_dead_letter(administrator):
    # request.retries == max_retries: autoretry gives up and the failure is final.
    last = fails_then_retries.apply(kwargs={"plan_id": 7}, retries=2, throw=False)
    assert last.failed()
    letter = DeadLetter.objects.get()
    assert (letter.exception_type, letter.retries, letter.kwargs) == (
        "ConnectionError", 2, {"plan_id": 7})


def test_recording_the_same_task_run_twice_keeps_one_row(administrator):
    from core.deadletters import dead_letter_record

    first = dead_letter_record(task_name="x", task_id="t-1", kwargs={"id": 1},
                               exception=RuntimeError())
    again = dead_letter_record(task_name="x", task_id="t-1", kwargs={"id": 1},
                               exception=RuntimeError())
    assert first is not None
    assert again is None
    assert DeadLetter.objects.count() == 1
    assert Notification.objects.filter(recipient=administrator).count() == 1
