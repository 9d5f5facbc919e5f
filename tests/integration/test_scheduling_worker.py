"""The re-check through a real broker and a real Celery worker (.ci/run integration phase:
PostgreSQL + Redis + `celery worker` on the test database). The test commits for real and polls
for the worker's results: the notification exists only if the task ran in the worker."""

from __future__ import annotations

from core.access import principal_for_user
from core.models import Notification
from scheduling import services
from scheduling.models import Violation
from tests.factories.scheduling import at, plan_with
from tests.support.worker import REAL_WORKER, poll

pytestmark = REAL_WORKER


def test_a_worker_stores_the_violation_and_notifies_after_an_embolization_is_moved(
        worker_rooms, coordinator):
    coordinator_principal = principal_for_user(coordinator)
    plan, (emb, surgery) = plan_with(
        {"procedure_type": "embolization", "purpose": "pre_operative"}, "surgery")
    e = services.booking_create(procedure=emb, resource=worker_rooms["angio"], start=at(2, 8),
                                principal=coordinator_principal).booking
    services.booking_create(procedure=surgery, resource=worker_rooms["or1"], start=at(3, 9),
                            principal=coordinator_principal)
    services.booking_move(booking=e, start=at(0, 8), expected_version=1,
                          principal=coordinator_principal)

    assert poll(lambda: Notification.objects.filter(
        recipient=coordinator, kind="rule_violation").exists()), "the worker never notified"
    violation = Violation.objects.get(plan=plan)
    assert (violation.rule_code, violation.status) == ("R1-window-soft", "open")
