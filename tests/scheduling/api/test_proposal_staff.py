"""Applying a solver proposal books the people the solver planned, not "the first free and
working person of each kind" (scheduling.services.staffing): the proposal carries them
(ProposedBooking.staff) through the REST body, the stored solver run and the board's signed
token, and plan_proposal_apply names them to booking_create, which still checks them.

The failure this guards against: two patients on the waiting list, a vertebroplasty (1 h) and an
embolization (2 h 30), both at Monday 07:00. Dr A works all day, Dr B 07:00-08:00 only. The only
schedule with both at 07:00 puts Dr B on the vertebroplasty and Dr A on the embolization; booking
the vertebroplasty with the default choice (Dr A, first by name) left nobody for the
embolization, and the feasible run failed to apply (staff_unavailable)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import signing
from django.utils.dateparse import parse_datetime

from cases.models import TreatmentPlan
from core.errors import RuleError
from scheduling import services
from scheduling.domain.plan_solver import PlanProposal, ProposedBooking
from scheduling.models import Booking, BookingStaff, SolverRun
from scheduling.services import proposals
from scheduling.web.views.board import PROPOSAL_SALT, _proposal_from_token
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import ResourceExceptionFactory, ResourceFactory, at, plan_with
from tests.support.scheduling import BASE

pytestmark = pytest.mark.django_db


@pytest.fixture
def eve_of_2030():
    """The factories' times are in January 2030: run on the Sunday before."""
    import time_machine

    with time_machine.travel(datetime(2030, 1, 6, 12, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def operators(db):
    """Dr A works Monday to Friday 07:00-20:00, Dr B 07:00-08:00 only."""
    return {
        "a": ResourceFactory(code="ir-a", name="Dr A (IR)", kind="interventional_radiologist"),
        "b": ResourceFactory(code="ir-b", name="Dr B (IR)", kind="interventional_radiologist",
                             hours=(time(7), time(8))),
    }


def _spine_plan(procedure_type: str, public_id: str) -> tuple[TreatmentPlan, object]:
    plan, (procedure,) = plan_with(procedure_type,
                                   case=CaseFactory(requested_board="bone-mets-spine"))
    # The waiting list is applied plan by plan in the order of their public ids: the
    # vertebroplasty's plan first, so the default choice would give it Dr A.
    TreatmentPlan.objects.filter(pk=plan.pk).update(public_id=uuid.UUID(public_id))
    plan.refresh_from_db()
    return plan, procedure


def _people(booking: Booking) -> list[str]:
    return sorted(str(s.resource.public_id) for s in BookingStaff.objects.filter(booking=booking))


def test_a_waiting_list_run_books_the_people_the_solver_planned(coordinator_client, rooms,
                                                                operators, eve_of_2030, no_notice):
    vert_plan, vert = _spine_plan("vertebroplasty", "00000000-0000-4000-8000-000000000001")
    emb_plan, emb = _spine_plan("embolization", "ffffffff-0000-4000-8000-000000000002")
    response = coordinator_client.post(f"{BASE}/solver-runs/",
                                       {"horizon_days": 14, "time_limit_s": 5}, format="json")
    assert response.status_code == 202, response.content
    run = SolverRun.objects.get(public_id=response.json()["id"])
    assert services.solver_run_execute(run_id=run.pk) == "finished"
    done = coordinator_client.get(f"{BASE}/solver-runs/{run.public_id}/").json()
    assert done["outcome"] == "optimal"
    by = {item["procedure"]: item for item in done["result"]["bookings"]}
    v, e = by[str(vert.public_id)], by[str(emb.public_id)]
    # Both at Monday 07:00: possible only with Dr B on the vertebroplasty.
    assert parse_datetime(v["start"]) == parse_datetime(e["start"]) == at(0, 7)

    applied = coordinator_client.post(f"{BASE}/solver-runs/{run.public_id}/apply/")
    assert applied.status_code == 201, applied.content
    assert v["staff"] == [str(operators["b"].public_id)]
    assert e["staff"] == [str(operators["a"].public_id)]
    booked = {b.procedure_id: b for b in Booking.objects.filter(plan__in=[vert_plan, emb_plan])}
    assert {b.status for b in booked.values()} == {"proposed"}
    assert _people(booked[vert.pk]) == v["staff"]
    assert _people(booked[emb.pk]) == e["staff"]
    assert (booked[emb.pk].start, booked[emb.pk].end) == (at(0, 7), at(0, 9, 30))


def test_a_stored_run_without_people_still_applies_with_the_default_choice(
        coordinator_client, rooms, operators, eve_of_2030):
    """A run stored before proposals carried people ("staff" absent) reads and applies as
    before: booking_create chooses the people."""
    plan, (emb,) = plan_with("embolization", case=CaseFactory(requested_board="bone-mets-spine"))
    run = SolverRun.objects.get(public_id=coordinator_client.post(
        f"{BASE}/plans/{plan.public_id}/solver-runs/", {"horizon_days": 14, "time_limit_s": 2},
        format="json").json()["id"])
    assert services.solver_run_execute(run_id=run.pk) == "finished"
    run.refresh_from_db()
    for item in run.result["bookings"]:
        assert len(item.pop("staff")) == 1
    SolverRun.objects.filter(pk=run.pk).update(result=run.result)
    applied = coordinator_client.post(f"{BASE}/solver-runs/{run.public_id}/apply/")
    assert applied.status_code == 201, applied.content
    assert len(_people(Booking.objects.get(procedure=emb))) == 1


def test_the_rest_proposal_names_the_people_and_applying_books_exactly_them(
        coordinator_client, rooms, operators, eve_of_2030):
    # Dr B is away for the horizon: the solver can only name Dr A.
    ResourceExceptionFactory(resource=operators["b"], start=at(0, 0), end=at(30, 0),
                             reason="leave")
    plan, (emb, vert) = plan_with("embolization", "vertebroplasty",
                                  case=CaseFactory(requested_board="bone-mets-spine"))
    response = coordinator_client.post(f"{BASE}/plans/{plan.public_id}/proposals/",
                                       {"horizon_days": 14, "apply": True}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    by = {item["procedure"]: item for item in body["bookings"]}
    assert by[str(emb.public_id)]["staff"] == [str(operators["a"].public_id)]
    assert by[str(vert.public_id)]["staff"] == [str(operators["a"].public_id)]
    for booking in Booking.objects.filter(public_id__in=body["applied"]):
        assert _people(booking) == by[str(booking.procedure.public_id)]["staff"]


def test_applying_books_the_named_person_not_the_first_free_one(rooms, operators, eve_of_2030,
                                                               coordinator_principal):
    """Dr A and Dr B are both free and working at 07:00: the default would be Dr A, the
    proposal names Dr B."""
    plan, (vert,) = plan_with("vertebroplasty")
    proposal = PlanProposal(status="feasible", bookings=(ProposedBooking(
        procedure_id=str(vert.public_id), resource_id=str(rooms["ct"].public_id),
        start=at(1, 7), end=at(1, 8), staff=(str(operators["b"].public_id),)),))
    (booking,) = proposals.plan_proposal_apply(plan=plan, proposal=proposal,
                                               principal=coordinator_principal)
    assert _people(booking) == [str(operators["b"].public_id)]


def test_an_unknown_person_is_refused_naming_staff_and_the_procedure(
        rooms, operators, eve_of_2030, coordinator_principal):
    plan, (emb,) = plan_with("embolization")
    proposal = PlanProposal(status="feasible", bookings=(ProposedBooking(
        procedure_id=str(emb.public_id), resource_id=str(rooms["angio"].public_id),
        start=at(1, 8), end=at(1, 10, 30), staff=(str(uuid.uuid4()),)),))
    with pytest.raises(RuleError) as refused:
        proposals.plan_proposal_apply(plan=plan, proposal=proposal,
                                      principal=coordinator_principal)
    assert (refused.value.field, refused.value.rule) == ("staff", "unknown_resource")
    assert refused.value.extra["procedure"] == str(emb.public_id)
    assert not Booking.objects.filter(plan=plan).exists()


def test_a_person_the_procedure_does_not_need_is_still_refused(rooms, operators, eve_of_2030,
                                                              coordinator_principal):
    """booking_create's own checks apply to the people a proposal names."""
    surgeon = ResourceFactory(code="surg-1", name="Dr S", kind="surgeon")
    plan, (emb,) = plan_with("embolization")
    proposal = PlanProposal(status="feasible", bookings=(ProposedBooking(
        procedure_id=str(emb.public_id), resource_id=str(rooms["angio"].public_id),
        start=at(1, 8), end=at(1, 10, 30), staff=(str(surgeon.public_id),)),))
    with pytest.raises(RuleError) as refused:
        proposals.plan_proposal_apply(plan=plan, proposal=proposal,
                                      principal=coordinator_principal)
    assert refused.value.field == "staff"
    assert not Booking.objects.filter(plan=plan).exists()


def test_the_board_token_carries_the_people_and_an_old_token_still_reads(rooms, operators):
    plan, (emb,) = plan_with("embolization")
    item = [str(emb.public_id), str(rooms["angio"].public_id), at(1, 8).isoformat(),
            at(1, 10, 30).isoformat(), None]
    person = str(operators["b"].public_id)
    new = signing.dumps({"plan": str(plan.public_id), "bookings": [item], "staff": [[person]]},
                        salt=PROPOSAL_SALT, compress=True)
    (booking,) = _proposal_from_token(plan, new).bookings
    assert booking.staff == (person,)
    assert booking.end - booking.start == timedelta(minutes=150)
    old = signing.dumps({"plan": str(plan.public_id), "bookings": [item]}, salt=PROPOSAL_SALT,
                        compress=True)
    (booking,) = _proposal_from_token(plan, old).bookings
    assert booking.staff == ()
    mismatched = signing.dumps({"plan": str(plan.public_id), "bookings": [item], "staff": []},
                               salt=PROPOSAL_SALT, compress=True)
    with pytest.raises(RuleError):
        _proposal_from_token(plan, mismatched)


def test_a_repair_moves_the_booking_with_the_people_the_run_planned(coordinator_client, rooms,
                                                                   eve_of_2030):
    """A repair run's result names people too, and applying it (booking_move) books them, not
    the booked person kept by default when still free. Both radiologists work all day here, so
    the run's choice is made explicit: the stored item is set to the one the default would not
    keep."""
    a = ResourceFactory(code="ir-a", name="Dr A (IR)", kind="interventional_radiologist")
    c = ResourceFactory(code="ir-c", name="Dr C (IR)", kind="interventional_radiologist")
    plan, (vert,) = plan_with("vertebroplasty", case=CaseFactory(requested_board="bone-mets-spine"))
    booking = services.booking_create(procedure=vert, resource=rooms["ct"], start=at(2, 10),
                                      principal=None, staff=[a]).booking
    ResourceExceptionFactory(resource=rooms["ct"], start=at(2, 0), end=at(3, 0), reason="broken")
    response = coordinator_client.post(f"{BASE}/plans/{plan.public_id}/solver-runs/",
                                       {"horizon_days": 14, "time_limit_s": 2,
                                        "replan": [str(booking.public_id)]}, format="json")
    assert response.status_code == 202, response.content
    run = SolverRun.objects.get(public_id=response.json()["id"])
    assert services.solver_run_execute(run_id=run.pk) == "finished"
    run.refresh_from_db()
    (item,) = run.result["bookings"]
    assert len(item["staff"]) == 1
    item["staff"] = [str(c.public_id)]
    SolverRun.objects.filter(pk=run.pk).update(result=run.result)

    applied = coordinator_client.post(f"{BASE}/solver-runs/{run.public_id}/apply/")
    assert applied.status_code == 201, applied.content
    booking.refresh_from_db()
    assert booking.start == parse_datetime(item["start"])
    assert _people(booking) == [str(c.public_id)]

    # A person gone since the run refuses the repair, and nothing moves.
    item["staff"] = [str(uuid.uuid4())]
    SolverRun.objects.filter(pk=run.pk).update(result=run.result, status="finished")
    refused = coordinator_client.post(f"{BASE}/solver-runs/{run.public_id}/apply/")
    assert refused.status_code == 409, refused.content
