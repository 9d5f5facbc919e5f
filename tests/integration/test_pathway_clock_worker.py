"""A pathway clock reaches its alert through the real Celery path (issue 13, "Done when"):
beat's task name sent to a real Redis broker, run by a real worker on PostgreSQL (.ci/run
integration phase). The case is committed, the worklist shows the breached clock, and the
coordinator's notification and the breach record exist only if the worker ran the sweep."""

from __future__ import annotations

from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.utils import timezone

from cases.models import Case
from core.models import Notification
from scheduling import services
from scheduling.models import PathwayClockAlert
from tests.factories.scheduling import plan_with
from tests.support.web import login
from tests.support.worker import REAL_WORKER, poll

pytestmark = REAL_WORKER


def test_a_breached_clock_on_the_worklist_reaches_the_coordinator_through_the_worker(
        transactional_db, coordinator):
    services.clock_targets_seed()  # a transactional flush elsewhere may have emptied them
    plan, _ = plan_with("radiotherapy")
    Case.objects.filter(pk=plan.case_id).update(
        submitted_at=timezone.now() - timedelta(days=30, hours=1))
    body = login(coordinator).get("/worklist/").content.decode()
    assert "breached 2 d ago" in body

    task = settings.CELERY_BEAT_SCHEDULE["pathway-clock-sweep"]["task"]
    current_app.send_task(task)

    assert poll(lambda: PathwayClockAlert.objects.filter(
        case_id=plan.case_id, kind="breached").exists()), "the worker never recorded the breach"
    assert poll(lambda: Notification.objects.filter(
        recipient=coordinator, subject__contains="CWT-28").exists()), "no notification"
    alert = PathwayClockAlert.objects.get(case_id=plan.case_id, kind="breached")
    assert alert.target.clock_id == "CWT-28"
    assert alert.notified == 1
