"""Rule violations on the worklist and the page that accepts one with a reason."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.access import principal_for_user
from scheduling import services
from scheduling.models import Violation
from tests.factories.scheduling import at, plan_with
from tests.support.web import login

pytestmark = pytest.mark.django_db

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def soft_violation(plan_ready, coordinator) -> Violation:
    """Surgery three days after a pre-operative embolization: R1 (soft) is stored open."""
    plan, procedures, angio, theatre = plan_ready
    principal = principal_for_user(coordinator)
    services.booking_create(procedure=procedures[0], resource=angio, start=at(0, 9),
                            principal=principal)
    services.booking_create(procedure=procedures[1], resource=theatre, start=at(3, 9),
                            principal=principal)
    return Violation.objects.get(plan=plan, rule_id="R1")


def _hard_violation(plan) -> Violation:
    now = timezone.now()
    return Violation.objects.create(
        plan=plan, rule_code="emb_before_surgery", rule_id="R2", severity="hard",
        bookings_key="synthetic", message="Surgery is booked before its embolization.",
        first_seen_at=now, last_seen_at=now)


def _url(violation) -> str:
    return f"/violations/{violation.public_id}/"


def test_the_worklist_links_each_violation_to_its_page_and_the_timeline(coordinator,
                                                                        soft_violation):
    body = login(coordinator).get("/worklist/").content.decode()
    assert _url(soft_violation) in body
    assert f"/plans/{soft_violation.plan.public_id}/timeline/" in body
    assert "Acknowledge" in body


def test_anonymous_is_sent_to_login(client, soft_violation):
    response = client.get(_url(soft_violation))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_members_cannot_open_it(world, soft_violation):
    assert login(world.member_a).get(_url(soft_violation)).status_code == 403


def test_an_unknown_violation_is_404(coordinator, soft_violation):
    assert login(coordinator).get(f"/violations/{UNKNOWN}/").status_code == 404


def test_other_methods_are_refused(coordinator, soft_violation):
    assert login(coordinator).delete(_url(soft_violation)).status_code == 405


def test_the_page_explains_the_rule_and_lists_the_bookings(coordinator, soft_violation):
    page = login(coordinator).get(_url(soft_violation))
    body = page.content.decode()
    assert page.status_code == 200
    assert "R1" in body
    assert soft_violation.message.split(".")[0] in body
    assert "/move/" in body  # each booking involved can be moved from here
    assert "Accept with this reason" in body


def test_accepting_needs_a_reason(coordinator, soft_violation):
    response = login(coordinator).post(_url(soft_violation), {"reason": "  "})
    assert response.status_code == 400
    assert 'id="id_reason-errors"' in response.content.decode()
    soft_violation.refresh_from_db()
    assert soft_violation.status == "open"


def test_accepting_with_a_reason_records_who_and_why(coordinator, soft_violation):
    client = login(coordinator)
    response = client.post(_url(soft_violation),
                           {"reason": "Theatre list full; the surgeon accepts 70 hours."})
    assert response.status_code == 302
    assert response["Location"] == "/worklist/"
    soft_violation.refresh_from_db()
    assert soft_violation.status == "acknowledged"
    assert soft_violation.acknowledged_by == coordinator
    worklist = client.get("/worklist/").content.decode()
    assert _url(soft_violation) not in worklist  # resolved for now: no longer to do
    page = client.get(_url(soft_violation)).content.decode()
    assert "Theatre list full" in page


def test_a_hard_violation_cannot_be_accepted(coordinator, plan_ready):
    violation = _hard_violation(plan_ready[0])
    client = login(coordinator)
    page = client.get(_url(violation)).content.decode()
    assert "A hard rule cannot be overridden" in page
    assert "Accept with this reason" not in page
    refused = client.post(_url(violation), {"reason": "Please."})
    assert refused.status_code == 409
    violation.refresh_from_db()
    assert violation.status == "open"


def test_the_worklist_runs_the_same_queries_whatever_the_number_of_violations(
        coordinator, soft_violation, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(coordinator)
    _hard_violation(plan_with("embolization", "surgery")[0])  # one plan waiting, too
    client.get("/worklist/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/worklist/")
    for _ in range(3):
        _hard_violation(plan_with("embolization", "surgery")[0])
    with django_assert_num_queries(len(ctx.captured_queries)):
        body = client.get("/worklist/").content.decode()
    assert body.count('href="/violations/') == 5
