"""scheduling.services.rechecks: re-checks through the real Celery path (outbox → task, eager in
tests): stored violations, coordinator notifications with dedup keys, resolution, the nightly
sweep, retry policy; and the acknowledgement of a soft violation."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from core.models import Notification, OutboxMessage
from scheduling import services, tasks
from scheduling.domain.errors import AcknowledgementRefused
from scheduling.models import Violation
from tests.factories.scheduling import at, plan_with
from tests.support.scheduling import PREOP, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked_plan(rooms, coordinator_principal):
    plan, (emb, surgery) = plan_with(PREOP, "surgery")
    e = services.booking_create(procedure=emb, resource=rooms["angio"], start=at(2, 8),
                                principal=coordinator_principal).booking
    s = services.booking_create(procedure=surgery, resource=rooms["or1"], start=at(3, 9),
                                principal=coordinator_principal).booking
    return plan, e, s


# These two tests let the services commit for real (transaction=True): the outbox publishes on
# commit and the eager Celery task runs exactly as a worker would run it.
@pytest.mark.django_db(transaction=True)
def test_moving_an_embolization_away_from_its_surgery_stores_a_violation_and_notifies(
        booked_plan, coordinator, coordinator_principal):
    plan, emb, surgery = booked_plan
    assert Violation.objects.filter(plan=plan).count() == 0
    # Wednesday → Monday: the surgery on Thursday is now 70.5 h after the embolization.
    services.booking_move(booking=emb, start=at(0, 8), expected_version=1,
                          principal=coordinator_principal)
    violation = Violation.objects.get(plan=plan)
    assert (violation.rule_code, violation.status) == ("R1-window-soft", "open")
    assert sorted(violation.booking_public_ids) == sorted([str(emb.public_id),
                                                           str(surgery.public_id)])
    note = Notification.objects.get(recipient=coordinator, kind="rule_violation")
    assert "R1" in note.subject
    assert str(plan.public_id) in note.link
    assert OutboxMessage.objects.filter(status="pending").count() == 0  # published and run


def test_the_recheck_task_is_idempotent(booked_plan, coordinator, coordinator_principal):
    plan, emb, _surgery = booked_plan
    services.booking_move(booking=emb, start=at(0, 8), expected_version=1,
                          principal=coordinator_principal)
    first = tasks.plan_recheck(plan_id=plan.pk)  # the task body, synchronously
    second = tasks.plan_recheck(plan_id=plan.pk)
    assert first == {"open": 1, "notified": 1}
    assert second == {"open": 1, "notified": 0}
    assert Violation.objects.filter(plan=plan).count() == 1
    assert Notification.objects.filter(recipient=coordinator).count() == 1


def test_a_fixed_violation_is_resolved_and_a_recurrence_notifies_again(
        booked_plan, coordinator, coordinator_principal):
    plan, emb, _surgery = booked_plan
    services.booking_move(booking=emb, start=at(0, 8), expected_version=1,
                          principal=coordinator_principal)
    services.plan_recheck(plan_id=plan.pk)
    services.booking_move(booking=emb, start=at(2, 8), expected_version=2,
                          principal=coordinator_principal)
    services.plan_recheck(plan_id=plan.pk)
    violation = Violation.objects.get(plan=plan)
    assert violation.status == Violation.Status.RESOLVED
    services.booking_move(booking=emb, start=at(0, 8), expected_version=3,
                          principal=coordinator_principal)
    services.plan_recheck(plan_id=plan.pk)
    violation.refresh_from_db()
    assert (violation.status, violation.occurrences) == ("open", 2)
    assert Notification.objects.filter(recipient=coordinator, kind="rule_violation").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_rule_made_stricter_is_found_by_the_sweep(booked_plan, administrator, coordinator):
    from core.access import principal_for_user
    from scheduling.models import TimingRule

    plan, _emb, _surgery = booked_plan  # surgery 22.5 h after the embolization
    rule = TimingRule.objects.get(code="R1-window-hard")
    services.timing_rule_update(rule=rule, principal=principal_for_user(administrator),
                                expected_version=1, changes={"max_lag_minutes": 12 * 60},
                                reason="Local surgeons: same day only")
    violation = Violation.objects.get(plan=plan, rule_code="R1-window-hard")
    assert violation.severity == "hard"
    assert Notification.objects.filter(recipient=coordinator, kind="rule_violation").exists()


def test_the_sweep_enqueues_one_recheck_per_plan_with_future_bookings(booked_plan):
    plan, _e, _s = booked_plan
    assert services.booking_sweep_recheck(now=at(-1, 0)) == 1
    assert OutboxMessage.objects.filter(kwargs={"plan_id": plan.pk}, status="pending").count() == 1
    assert services.booking_sweep_recheck(now=at(30, 0)) == 0


def test_a_recheck_of_an_unknown_plan_does_nothing():
    assert services.plan_recheck(plan_id=999999, now=timezone.now()) == {"open": 0, "notified": 0}


@pytest.mark.parametrize("task", [tasks.plan_recheck, tasks.booking_sweep_recheck])
def test_tasks_retry_transient_database_errors_with_bounded_backoff(task):
    assert task.autoretry_for == (OperationalError,)
    assert task.max_retries == 5
    assert task.retry_backoff is True
    assert task.retry_backoff_max <= settings.BOARDSVC_TASK_RETRY_BACKOFF_MAX
    assert task.acks_late is True


def test_acknowledging_a_soft_violation_needs_a_reason(rooms, coordinator_principal):
    plan, (emb, surgery) = plan_with(PREOP, "surgery")
    book(emb, rooms["angio"], at(0, 8), coordinator_principal)
    book(surgery, rooms["or1"], at(2, 15), coordinator_principal)
    violation = Violation.objects.get(plan=plan)
    with pytest.raises(AcknowledgementRefused, match="reason"):
        services.violation_acknowledge(violation=violation, principal=coordinator_principal,
                                       reason=" ")
    done = services.violation_acknowledge(violation=violation, principal=coordinator_principal,
                                          reason="OR list full; surgeon accepts 51 h")
    assert done.status == Violation.Status.ACKNOWLEDGED
    # A re-check keeps the acknowledgement while the violation persists.
    services.plan_recheck(plan_id=plan.pk, now=timezone.now())
    done.refresh_from_db()
    assert done.status == Violation.Status.ACKNOWLEDGED
