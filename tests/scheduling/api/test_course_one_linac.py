"""A radiotherapy course stays on one linac where the schedule allows it, over HTTP to the
booking: a patient's plan is prepared for one treatment unit, and proposals moved courses
between linacs whenever both were free (the objective did not care which one a fraction took).
"""

from __future__ import annotations

import pytest
import time_machine

from scheduling import services
from scheduling.models import Booking, SolverRun
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import (
    ResourceExceptionFactory,
    ResourceFactory,
    at,
    plan_with,
)
from tests.support.scheduling import BASE

pytestmark = pytest.mark.django_db
RT5 = {"procedure_type": "radiotherapy", "fractions": 5, "dose_gy": 20}


def _run_and_apply(client, url: str) -> dict:
    response = client.post(url, {"horizon_days": 14, "time_limit_s": 10}, format="json")
    assert response.status_code == 202, response.content
    run = SolverRun.objects.get(public_id=response.json()["id"])
    assert services.solver_run_execute(run_id=run.pk) == "finished"
    done = client.get(f"{BASE}/solver-runs/{run.public_id}/").json()
    assert done["outcome"] in ("optimal", "feasible"), done
    applied = client.post(f"{BASE}/solver-runs/{run.public_id}/apply/")
    assert applied.status_code == 201, applied.content
    return done


@time_machine.travel(at(0, 6, 30), tick=False)
def test_a_plans_course_keeps_its_linac_when_it_is_busy_at_that_time_on_one_day(
        coordinator_client, rooms, no_notice):
    """Linac 1 is taken on Wednesday from 07:00 to 07:15; linac 2 opens on Wednesday only.
    The one-plan proposal used to put Wednesday's fraction on linac 2 at 07:00, a quarter of
    an hour sooner; the course now stays on linac 1 and Wednesday's fraction is at 07:15."""
    linac1 = rooms["linac"]
    linac2 = ResourceFactory(code="linac-2", name="Linac 2", kind="linac")
    ResourceExceptionFactory(resource=linac1, start=at(2, 7), end=at(2, 7, 15),
                             reason="Quality assurance")
    ResourceExceptionFactory(resource=linac2, start=at(0, 0), end=at(2, 0))
    ResourceExceptionFactory(resource=linac2, start=at(3, 0), end=at(21, 0))
    plan, (rt,) = plan_with(RT5, case=CaseFactory())
    _run_and_apply(coordinator_client, f"{BASE}/plans/{plan.public_id}/solver-runs/")
    booked = list(Booking.objects.filter(procedure=rt).order_by("start"))
    local = [b.start.astimezone(at(0).tzinfo) for b in booked]
    assert [(d.date() - at(0).date()).days for d in local] == [0, 1, 2, 3, 4]
    assert {b.resource_id for b in booked} == {linac1.pk}
    assert local[2].time().isoformat() == "07:15:00"


@time_machine.travel(at(0, 6, 30), tick=False)
def test_the_waiting_lists_courses_each_keep_one_linac(coordinator_client, rooms):
    """Eight five-fraction courses wait for two linacs open an hour a day (eight fractions a
    day): every course is proposed, and booked, on one linac. Four of them used to change
    linac during the course."""
    linac1 = rooms["linac"]
    linac2 = ResourceFactory(code="linac-2", name="Linac 2", kind="linac")
    for linac in (linac1, linac2):
        for day in range(21):
            ResourceExceptionFactory(resource=linac, start=at(day, 8), end=at(day + 1, 7))
    courses = [plan_with(RT5, case=CaseFactory())[1][0] for _ in range(8)]
    _run_and_apply(coordinator_client, f"{BASE}/solver-runs/")
    for rt in courses:
        booked = Booking.objects.filter(procedure=rt)
        assert booked.count() == 5
        assert len({b.resource_id for b in booked}) == 1, [
            (b.start, b.resource.code) for b in booked.order_by("start")]
