"""The re-check through a real broker and a real Celery worker (.ci/run integration phase:
PostgreSQL + Redis + `celery worker` on the test database). The test commits for real and polls
for the worker's results: the notification exists only if the task ran in the worker."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from core.models import Notification
from scheduling import services
from scheduling.models import Violation
from tests.factories.scheduling import at, plan_with

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(settings.CELERY_TASK_ALWAYS_EAGER,
                       reason="needs a real broker and worker (.ci/run integration phase)"),
]


def _poll(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_a_worker_stores_the_violation_and_notifies_after_an_embolization_is_moved(
        rooms, coordinator, coordinator_principal):
    plan, (emb, surgery) = plan_with(
        {"procedure_type": "embolization", "purpose": "pre_operative"}, "surgery")
    e = services.booking_create(procedure=emb, resource=rooms["angio"], start=at(2, 8),
                                principal=coordinator_principal).booking
    services.booking_create(procedure=surgery, resource=rooms["or1"], start=at(3, 9),
                            principal=coordinator_principal)
    services.booking_move(booking=e, start=at(0, 8), expected_version=1,
                          principal=coordinator_principal)

    assert _poll(lambda: Notification.objects.filter(
        recipient=coordinator, kind="rule_violation").exists()), "the worker never notified"
    violation = Violation.objects.get(plan=plan)
    assert (violation.rule_code, violation.status) == ("R1-window-soft", "open")
