"""booking_move, booking_cancel, booking_mark_done (with R8 follow-ups), violation_acknowledge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.domain.codes import CaseStatus
from cases.services import StaleVersion
from core.models import Notification
from scheduling import services
from scheduling.domain.errors import BookingNotChangeable, HardRuleViolation, SlotTaken
from scheduling.models import Booking, FollowUpProposal, Violation
from tests.factories.scheduling import ROME, at, plan_with

pytestmark = pytest.mark.django_db
PREOP = {"procedure_type": "embolization", "purpose": "pre_operative"}


def book(procedure, room, start, principal, **kw):
    return services.booking_create(procedure=procedure, resource=room, start=start,
                                   principal=principal, **kw).booking


def test_a_move_bumps_the_version_and_a_stale_version_is_refused(rooms, coordinator_principal):
    _plan, (emb,) = plan_with("embolization")
    booking = book(emb, rooms["angio"], at(0, 8), coordinator_principal)
    moved = services.booking_move(booking=booking, start=at(1, 8), expected_version=1,
                                  principal=coordinator_principal).booking
    assert (moved.version, moved.start) == (2, at(1, 8))
    assert moved.end - moved.start == timedelta(minutes=150)  # the length is kept
    with pytest.raises(StaleVersion) as stale:
        services.booking_move(booking=booking, start=at(2, 8), expected_version=1,
                              principal=coordinator_principal)
    assert stale.value.current == 2


def test_a_move_onto_a_taken_slot_or_across_a_hard_rule_is_refused(rooms, coordinator_principal):
    _p, (emb, surgery) = plan_with(PREOP, "surgery")
    _q, (other,) = plan_with("embolization")
    e = book(emb, rooms["angio"], at(0, 8), coordinator_principal)
    s = book(surgery, rooms["or1"], at(0, 14), coordinator_principal)
    book(other, rooms["angio"], at(1, 8), coordinator_principal)
    with pytest.raises(SlotTaken):
        services.booking_move(booking=e, start=at(1, 9), expected_version=1,
                              principal=coordinator_principal)
    with pytest.raises(HardRuleViolation):
        services.booking_move(booking=s, start=at(4, 9), expected_version=1,
                              principal=coordinator_principal)
    with pytest.raises(HardRuleViolation):  # R2: surgery before its embolization
        services.booking_move(booking=s, start=at(0, 7), expected_version=1,
                              principal=coordinator_principal)
    s.refresh_from_db()
    assert (s.start, s.version) == (at(0, 14), 1)


def test_a_move_to_another_room_checks_the_room_kind(rooms, coordinator_principal):
    _p, (surgery,) = plan_with("surgery")
    s = book(surgery, rooms["or1"], at(0, 9), coordinator_principal)
    moved = services.booking_move(booking=s, start=at(0, 9), resource=rooms["or2"],
                                  expected_version=1, principal=coordinator_principal).booking
    assert moved.resource == rooms["or2"]


def test_cancel_and_done_refuse_a_second_transition(rooms, coordinator_principal):
    _p, (emb, vp) = plan_with("embolization", "vertebroplasty")
    e = book(emb, rooms["angio"], at(0, 8), coordinator_principal)
    v = book(vp, rooms["ct"], at(0, 14), coordinator_principal)
    services.booking_cancel(booking=v, principal=coordinator_principal, reason="declined")
    with pytest.raises(BookingNotChangeable):
        services.booking_cancel(booking=v, principal=coordinator_principal)
    with pytest.raises(BookingNotChangeable, match="before it starts"):
        services.booking_mark_done(booking=e, principal=coordinator_principal,
                                   now=at(0, 7))
    services.booking_mark_done(booking=e, principal=coordinator_principal, now=at(0, 11))
    with pytest.raises(BookingNotChangeable):
        services.booking_mark_done(booking=e, principal=coordinator_principal, now=at(0, 12))
    with pytest.raises(BookingNotChangeable):
        services.booking_move(booking=e, start=at(1, 8), expected_version=2,
                              principal=coordinator_principal)


def test_a_done_embolization_gets_follow_up_cts_at_3_6_and_12_months(rooms, coordinator,
                                                                      coordinator_principal):
    plan, (emb,) = plan_with(PREOP, status=CaseStatus.DISCUSSED)
    e = book(emb, rooms["angio"], at(0, 8), coordinator_principal)
    services.booking_mark_done(booking=e, principal=coordinator_principal, now=at(0, 11))
    follow_ups = list(Booking.objects.filter(procedure__procedure_type="follow_up_ct")
                      .order_by("start"))
    assert [b.status for b in follow_ups] == ["proposed"] * 3
    assert [b.start.astimezone(ROME).date().isoformat() for b in follow_ups] == [
        "2030-04-08", "2030-07-08", "2031-01-07"]  # the first free CT slot on/after the date
    assert all(b.resource == rooms["ct"] for b in follow_ups)
    assert all(b.procedure.target_lesion_id == emb.target_lesion_id for b in follow_ups)
    plan.case.refresh_from_db()
    assert plan.case.status == CaseStatus.IN_TREATMENT
    assert Notification.objects.filter(recipient=coordinator, kind="follow_up_proposed").count() == 1
    # Proposing again (a re-run) adds nothing.
    assert services.follow_up_propose(source=e, now=at(0, 12)) == []
    assert FollowUpProposal.objects.count() == 3


def test_acknowledging_a_soft_violation_needs_a_reason(rooms, coordinator_principal):
    plan, (emb, surgery) = plan_with(PREOP, "surgery")
    book(emb, rooms["angio"], at(0, 8), coordinator_principal)
    book(surgery, rooms["or1"], at(2, 15), coordinator_principal)
    violation = Violation.objects.get(plan=plan)
    with pytest.raises(ValueError, match="reason"):
        services.violation_acknowledge(violation=violation, principal=coordinator_principal,
                                       reason=" ")
    done = services.violation_acknowledge(violation=violation, principal=coordinator_principal,
                                          reason="OR list full; surgeon accepts 51 h")
    assert done.status == Violation.Status.ACKNOWLEDGED
    # A re-check keeps the acknowledgement while the violation persists.
    services.plan_recheck(plan_id=plan.pk, now=timezone.now())
    done.refresh_from_db()
    assert done.status == Violation.Status.ACKNOWLEDGED
