"""The worklist's pathway clocks (issue 13): plans sorted by what breaches first, the time
left per clock ("3 d left", "breached 2 d ago") with the due time in the site's zone, and the
page's queries fixed whatever the number of plans."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case
from scheduling import services
from tests.factories.scheduling import plan_with
from tests.support.web import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _targets(db):
    services.clock_targets_seed()


def waiting_plan(referred_days_ago: float):
    plan, _ = plan_with("radiotherapy")
    Case.objects.filter(pk=plan.case_id).update(
        submitted_at=timezone.now() - timedelta(days=referred_days_ago, hours=1))
    return plan


def _pseudonym(plan) -> str:
    return str(plan.case.patient.public_id)[:8]


def test_the_plan_that_breaches_first_comes_first_with_its_time_left(coordinator):
    later = waiting_plan(10)       # oldest plan, CWT-28 due in 17 days
    breached = waiting_plan(30)    # CWT-28 breached 2 days ago
    soon = waiting_plan(25)        # CWT-28 due in 2 days
    body = login(coordinator).get("/worklist/").content.decode()
    order = [body.index(_pseudonym(p)) for p in (breached, soon, later)]
    assert order == sorted(order)
    assert "breached 2 d ago" in body
    assert "2 d left" in body
    assert "17 d left" in body
    assert "Europe/Rome" in body
    assert f'id="case-{breached.case.public_id}"' in body


def test_the_worklist_queries_do_not_grow_with_the_clocks(coordinator):
    client = login(coordinator)
    waiting_plan(30)
    client.get("/worklist/")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/worklist/").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for days in (1, 5, 27, 40):
        waiting_plan(days)
    assert count() == one
