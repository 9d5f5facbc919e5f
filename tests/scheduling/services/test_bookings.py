"""scheduling.services.bookings: booking_create (slot, opening hours, room kind, timing rules,
warnings, case lifecycle, radiotherapy courses) and booking_move, booking_cancel,
booking_mark_done."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases.domain.codes import CaseStatus
from core.errors import StaleVersion
from core.models import AuditEvent, OutboxMessage, Revision
from scheduling import services
from scheduling.domain.errors import (
    BookingNotChangeable,
    HardRuleViolation,
    OutsideOpeningHours,
    ResourceNotSuitable,
    SlotTaken,
)
from scheduling.models import Booking, Violation
from tests.factories.scheduling import BookingFactory, at, plan_with
from tests.support.scheduling import PREOP, book

pytestmark = pytest.mark.django_db


def test_it_books_with_the_catalogue_duration_and_records_audit_and_history(
        rooms, coordinator_principal):
    plan, (emb,) = plan_with("embolization")
    outcome = services.booking_create(procedure=emb, resource=rooms["angio"], start=at(0, 8),
                                      principal=coordinator_principal)
    booking = outcome.booking
    assert booking.end - booking.start == timedelta(minutes=150)
    assert booking.patient_id == plan.case.patient_id
    assert booking.status == Booking.Status.BOOKED
    assert outcome.warnings == ()
    audit = AuditEvent.objects.get(object_type="booking", action="create")
    assert audit.patient_pseudonym == str(plan.case.patient.public_id)
    assert Revision.objects.filter(object_type="booking", object_id=str(booking.public_id)).exists()


def test_it_enqueues_the_plan_recheck_after_commit_only(rooms, coordinator_principal,
                                                        django_capture_on_commit_callbacks):
    _plan, (emb,) = plan_with("embolization")
    with django_capture_on_commit_callbacks() as callbacks:
        services.booking_create(procedure=emb, resource=rooms["angio"], start=at(0, 8),
                                principal=coordinator_principal)
    message = OutboxMessage.objects.get(task_name="scheduling.tasks.plan_recheck")
    assert message.kwargs == {"plan_id": emb.plan_id}  # ids only
    assert len(callbacks) >= 1


def test_the_first_booking_moves_a_discussed_case_to_plan_scheduled(rooms, coordinator_principal):
    plan, (emb, vp) = plan_with("embolization", "vertebroplasty", status=CaseStatus.DISCUSSED)
    services.booking_create(procedure=emb, resource=rooms["angio"], start=at(0, 8),
                            principal=coordinator_principal)
    plan.case.refresh_from_db()
    assert plan.case.status == CaseStatus.PLAN_SCHEDULED
    services.booking_create(procedure=vp, resource=rooms["ct"], start=at(1, 8),
                            principal=coordinator_principal)
    plan.case.refresh_from_db()
    assert plan.case.status == CaseStatus.PLAN_SCHEDULED  # no second transition
    assert plan.case.status_changes.count() == 1


def test_the_case_status_is_left_alone_when_the_lifecycle_forbids_the_move(rooms,
                                                                           coordinator_principal):
    plan, (emb,) = plan_with("embolization")  # a submitted case
    services.booking_create(procedure=emb, resource=rooms["angio"], start=at(0, 8),
                            principal=coordinator_principal)
    plan.case.refresh_from_db()
    assert plan.case.status == CaseStatus.SUBMITTED


def test_an_overlapping_booking_is_refused_but_back_to_back_is_fine(rooms, coordinator_principal):
    _p1, (a,) = plan_with("embolization")
    _p2, (b,) = plan_with("embolization")
    _p3, (c,) = plan_with("embolization")
    first = services.booking_create(procedure=a, resource=rooms["angio"], start=at(0, 8),
                                    principal=coordinator_principal).booking
    with pytest.raises(SlotTaken):
        services.booking_create(procedure=b, resource=rooms["angio"],
                                start=first.end - timedelta(minutes=1),
                                principal=coordinator_principal)
    services.booking_create(procedure=c, resource=rooms["angio"], start=first.end,
                            principal=coordinator_principal)
    assert Booking.objects.count() == 2


def test_a_cancelled_booking_frees_its_slot(rooms, coordinator_principal):
    _p1, (a,) = plan_with("embolization")
    _p2, (b,) = plan_with("embolization")
    first = services.booking_create(procedure=a, resource=rooms["angio"], start=at(0, 8),
                                    principal=coordinator_principal).booking
    services.booking_cancel(booking=first, principal=coordinator_principal, reason="patient unwell")
    again = services.booking_create(procedure=b, resource=rooms["angio"], start=at(0, 8),
                                    principal=coordinator_principal).booking
    assert again.start == first.start


def test_outside_opening_hours_needs_an_override_reason(rooms, coordinator_principal):
    _plan, (emb,) = plan_with("embolization")
    saturday = at(5, 9)
    with pytest.raises(OutsideOpeningHours, match="not open"):
        services.booking_create(procedure=emb, resource=rooms["angio"], start=saturday,
                                principal=coordinator_principal)
    booking = services.booking_create(procedure=emb, resource=rooms["angio"], start=saturday,
                                      principal=coordinator_principal,
                                      override_reason="Emergency weekend list").booking
    assert booking.override_reason == "Emergency weekend list"


def test_a_room_of_the_wrong_kind_is_refused(rooms, coordinator_principal):
    _plan, (surgery,) = plan_with("surgery")
    with pytest.raises(ResourceNotSuitable, match="cannot host surgery"):
        services.booking_create(procedure=surgery, resource=rooms["ct"], start=at(0, 8),
                                principal=coordinator_principal)


def test_a_hard_rule_refuses_the_booking_and_writes_nothing(rooms, coordinator_principal):
    _plan, (emb, surgery) = plan_with(PREOP, "surgery")
    services.booking_create(procedure=emb, resource=rooms["angio"], start=at(0, 8),
                            principal=coordinator_principal)
    with pytest.raises(HardRuleViolation) as refused:
        services.booking_create(procedure=surgery, resource=rooms["or1"], start=at(4, 9),
                                principal=coordinator_principal)
    assert {v.rule_id for v in refused.value.violations} == {"R1"}
    assert Booking.objects.count() == 1


def test_a_soft_rule_is_accepted_and_stored_as_a_warning(rooms, coordinator_principal):
    plan, (emb, surgery) = plan_with(PREOP, "surgery")
    services.booking_create(procedure=emb, resource=rooms["angio"], start=at(0, 8),
                            principal=coordinator_principal)
    outcome = services.booking_create(procedure=surgery, resource=rooms["or1"], start=at(2, 15),
                                      principal=coordinator_principal)
    assert [w.rule_code for w in outcome.warnings] == ["R1-window-soft"]
    stored = Violation.objects.get(plan=plan)
    assert (stored.rule_id, stored.severity, stored.status) == ("R1", "soft", "open")
    assert stored.off_by_minutes > 0


def test_a_radiotherapy_course_is_booked_on_consecutive_working_days(rooms, coordinator_principal):
    _plan, (rt,) = plan_with({"procedure_type": "radiotherapy", "fractions": 5})
    outcome = services.booking_create(procedure=rt, resource=rooms["linac"], start=at(3, 9),
                                      principal=coordinator_principal)  # Thursday
    days = [b.start.astimezone(at(0).tzinfo).strftime("%a") for b in outcome.bookings]
    assert days == ["Thu", "Fri", "Mon", "Tue", "Wed"]
    assert [b.fraction_number for b in outcome.bookings] == [1, 2, 3, 4, 5]
    assert outcome.warnings == ()


def test_a_fraction_whose_time_is_taken_goes_to_the_nearest_free_time_that_day(
        rooms, coordinator_principal):
    _p1, (other,) = plan_with({"procedure_type": "radiotherapy", "fractions": 1})
    services.booking_create(procedure=other, resource=rooms["linac"], start=at(2, 9),
                            principal=coordinator_principal)
    _p2, (rt,) = plan_with({"procedure_type": "radiotherapy", "fractions": 5})
    outcome = services.booking_create(procedure=rt, resource=rooms["linac"], start=at(0, 9),
                                      principal=coordinator_principal)
    times = [b.start.astimezone(at(0).tzinfo).strftime("%a %H:%M") for b in outcome.bookings]
    # Wednesday 09:00-09:15 is taken: 08:45 and 09:15 are as near; the earlier one is taken,
    # never another day.
    assert times == ["Mon 09:00", "Tue 09:00", "Wed 08:45", "Thu 09:00", "Fri 09:00"]


def test_a_course_is_all_or_nothing_when_a_day_has_no_free_time(rooms, coordinator_principal):
    BookingFactory(resource=rooms["linac"], start=at(2, 7), end=at(2, 20))  # Wednesday, full
    _p, (rt,) = plan_with({"procedure_type": "radiotherapy", "fractions": 5})
    with pytest.raises(SlotTaken, match="fraction 3"):
        services.booking_create(procedure=rt, resource=rooms["linac"], start=at(0, 9),
                                principal=coordinator_principal)
    assert Booking.objects.filter(procedure=rt).count() == 0


def test_procedures_of_a_superseded_plan_cannot_be_booked(rooms, coordinator_principal):
    plan, (emb,) = plan_with("embolization")
    type(plan).objects.filter(pk=plan.pk).update(status="superseded")
    with pytest.raises(BookingNotChangeable):
        services.booking_create(procedure=emb, resource=rooms["angio"], start=at(0, 8),
                                principal=coordinator_principal)


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
