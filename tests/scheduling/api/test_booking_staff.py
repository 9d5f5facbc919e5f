"""People booked with a room (issue 13): the operator and the anaesthesia team are resources
with their own calendars; a booking takes a room and the people its procedure needs (catalogue
``staff_kinds``) at once, never a person twice at the same time (the database guards it too)."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.db import IntegrityError, transaction

from scheduling.models import Booking, BookingStaff, OpeningHours, ProcedureCatalogueEntry
from tests.factories.scheduling import ResourceExceptionFactory, ResourceFactory, at, plan_with
from tests.support.scheduling import BASE, PREOP

pytestmark = pytest.mark.django_db
URL = f"{BASE}/bookings/"


def payload(procedure, room, start, **extra):
    return {"procedure": str(procedure.public_id), "resource": str(room.public_id),
            "start": start.isoformat(), **extra}


@pytest.fixture
def people(db):
    """Two interventional radiologists (Monday to Friday 07:00-20:00) and, for operations, a
    surgeon and an anaesthesia team."""
    return {
        "ir_a": ResourceFactory(code="ir-a", name="Dr A (IR)", kind="interventional_radiologist"),
        "ir_b": ResourceFactory(code="ir-b", name="Dr B (IR)", kind="interventional_radiologist"),
        "surgeon": ResourceFactory(code="surg-1", name="Dr S (spine)", kind="surgeon"),
        "anaesthesia": ResourceFactory(code="anaes-1", name="Anaesthesia team 1",
                                       kind="anaesthetist"),
    }


def _staff(response):
    return sorted(s["code"] for s in response.json()["staff"])


def test_a_booking_takes_the_first_free_operator_and_lists_the_people(
        coordinator_client, rooms, people):
    _plan, (emb, surgery) = plan_with(PREOP, "surgery")
    first = coordinator_client.post(URL, payload(emb, rooms["angio"], at(0, 8)), format="json")
    assert first.status_code == 201, first.json()
    assert _staff(first) == ["ir-a"]
    assert first.json()["staff"][0]["kind"] == "interventional_radiologist"
    second = coordinator_client.post(URL, payload(surgery, rooms["or1"], at(1, 8)), format="json")
    assert second.status_code == 201, second.json()
    assert _staff(second) == ["anaes-1", "surg-1"]
    detail = coordinator_client.get(f"{URL}{first.json()['id']}/")
    assert _staff(detail) == ["ir-a"]


def test_a_busy_operator_is_skipped_for_the_next_free_one(coordinator_client, rooms, people):
    _p1, (emb1,) = plan_with("embolization")
    _p2, (emb2,) = plan_with("embolization")
    assert coordinator_client.post(URL, payload(emb1, rooms["angio"], at(0, 8)),
                                   format="json").status_code == 201
    other_room = coordinator_client.post(URL, payload(emb2, rooms["hybrid"], at(0, 9)),
                                         format="json")
    assert other_room.status_code == 201
    assert _staff(other_room) == ["ir-b"]


def test_a_named_busy_person_is_refused_with_409_naming_the_field_and_nothing_is_stored(
        coordinator_client, rooms, people):
    _p1, (emb1,) = plan_with("embolization")
    _p2, (emb2,) = plan_with("embolization")
    coordinator_client.post(URL, payload(emb1, rooms["angio"], at(0, 8)), format="json")
    response = coordinator_client.post(
        URL, payload(emb2, rooms["hybrid"], at(0, 9), staff=[str(people["ir_a"].public_id)]),
        format="json")
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert (error["field"], error["rule"]) == ("staff", "staff_unavailable")
    assert "Dr A (IR)" in error["message"]
    assert not Booking.objects.filter(procedure=emb2).exists()


def test_nobody_free_refuses_the_booking_naming_the_kind(coordinator_client, rooms, people):
    ResourceExceptionFactory(resource=people["ir_a"], start=at(0, 0), end=at(1, 0),
                             reason="leave")
    ResourceExceptionFactory(resource=people["ir_b"], start=at(0, 0), end=at(1, 0),
                             reason="congress")
    _p, (emb,) = plan_with("embolization")
    response = coordinator_client.post(URL, payload(emb, rooms["angio"], at(0, 8)), format="json")
    assert response.status_code == 409
    assert "interventional radiologist" in response.json()["errors"][0]["message"]
    assert Booking.objects.count() == 0
    # The next day they are back.
    assert coordinator_client.post(URL, payload(emb, rooms["angio"], at(1, 8)),
                                   format="json").status_code == 201


@pytest.mark.parametrize("who", ["room", "unknown", "wrong_kind", "twice"])
def test_naming_the_wrong_people_is_a_400_naming_staff(coordinator_client, rooms, people, who):
    _p, (emb,) = plan_with("embolization")
    staff = {"room": [str(rooms["ct"].public_id)],
             "unknown": ["6f0c1a43-0000-4000-8000-000000000000"],
             "wrong_kind": [str(people["surgeon"].public_id)],
             "twice": [str(people["ir_a"].public_id), str(people["ir_b"].public_id)]}[who]
    response = coordinator_client.post(URL, payload(emb, rooms["angio"], at(0, 8), staff=staff),
                                       format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "staff"
    assert Booking.objects.count() == 0


def test_a_named_person_outside_their_hours_needs_the_override_reason(
        coordinator_client, rooms, people):
    OpeningHours.objects.filter(resource=people["ir_b"]).update(opens=time(13, 0))
    _p, (emb,) = plan_with("embolization")
    body = payload(emb, rooms["angio"], at(0, 8), staff=[str(people["ir_b"].public_id)])
    refused = coordinator_client.post(URL, body, format="json")
    assert refused.status_code == 409
    assert "not working" in refused.json()["errors"][0]["message"]
    body["override_reason"] = "Dr B comes in early for this case"
    assert coordinator_client.post(URL, body, format="json").status_code == 201


def test_cancel_frees_the_people_and_move_takes_them_along(coordinator_client, rooms, people):
    _p1, (emb1,) = plan_with("embolization")
    _p2, (emb2,) = plan_with("embolization")
    ir_a = str(people["ir_a"].public_id)
    first = coordinator_client.post(URL, payload(emb1, rooms["angio"], at(0, 8), staff=[ir_a]),
                                    format="json").json()
    moved = coordinator_client.post(f"{URL}{first['id']}/move/",
                                    {"start": at(2, 8).isoformat()}, format="json",
                                    HTTP_IF_MATCH='W/"1"')
    assert moved.status_code == 200, moved.json()
    assert _staff(moved) == ["ir-a"]
    row = BookingStaff.objects.get(booking__public_id=first["id"])
    assert (row.start, row.end) == (at(2, 8), at(2, 10, 30))
    # Dr A is free on day 0 again, busy on day 2.
    busy = coordinator_client.post(URL, payload(emb2, rooms["hybrid"], at(2, 9), staff=[ir_a]),
                                   format="json")
    assert busy.status_code == 409
    cancel = coordinator_client.post(f"{URL}{first['id']}/cancel/", {"reason": "unwell"},
                                     format="json", HTTP_IF_MATCH='W/"2"')
    assert cancel.status_code == 200
    again = coordinator_client.post(URL, payload(emb2, rooms["hybrid"], at(2, 9), staff=[ir_a]),
                                    format="json")
    assert again.status_code == 201, again.json()


def test_a_person_s_calendar_lists_the_bookings_they_are_staffed_on(
        coordinator_client, rooms, people):
    _p1, (emb1,) = plan_with("embolization")
    _p2, (emb2,) = plan_with("embolization")
    a = coordinator_client.post(URL, payload(emb1, rooms["angio"], at(0, 8)), format="json")
    coordinator_client.post(URL, payload(emb2, rooms["hybrid"], at(0, 9)), format="json")
    mine = coordinator_client.get(f"{URL}?resource={people['ir_a'].public_id}").json()
    assert [b["id"] for b in mine["results"]] == [a.json()["id"]]


def test_a_site_without_calendars_for_a_kind_books_the_room_alone(coordinator_client, rooms):
    _p, (emb,) = plan_with("embolization")
    response = coordinator_client.post(URL, payload(emb, rooms["angio"], at(0, 8)), format="json")
    assert response.status_code == 201
    assert response.json()["staff"] == []


def test_the_catalogue_lists_and_edits_the_people_a_procedure_needs(admin_client):
    entry = ProcedureCatalogueEntry.objects.get(procedure_type="surgery")
    assert entry.staff_kinds == ["surgeon", "anaesthetist"]
    listed = admin_client.get(f"{BASE}/procedure-catalogue/?page_size=50").json()["results"]
    assert {e["procedure_type"]: e["staff_kinds"] for e in listed}["embolization"] == [
        "interventional_radiologist"]
    url = f"{BASE}/procedure-catalogue/embolization/"
    bad = admin_client.patch(url, {"staff_kinds": ["ct_room"]}, format="json",
                                 HTTP_IF_MATCH=f'W/"{entry.version}"')
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"].startswith("staff_kinds")
    emb = ProcedureCatalogueEntry.objects.get(procedure_type="embolization")
    ok = admin_client.patch(url, {"staff_kinds": ["anaesthetist", "interventional_radiologist"]},
                                format="json", HTTP_IF_MATCH=f'W/"{emb.version}"')
    assert ok.status_code == 200, ok.json()
    assert ok.json()["staff_kinds"] == ["anaesthetist", "interventional_radiologist"]


def test_the_database_refuses_a_person_twice_at_once(rooms, people):
    _p1, (emb1,) = plan_with("embolization")
    _p2, (emb2,) = plan_with("embolization")
    from tests.factories.scheduling import BookingFactory
    b1 = BookingFactory(procedure=emb1, resource=rooms["angio"], start=at(0, 8), end=at(0, 10))
    b2 = BookingFactory(procedure=emb2, resource=rooms["hybrid"], start=at(0, 9), end=at(0, 11))
    BookingStaff.objects.create(booking=b1, resource=people["ir_a"], start=b1.start, end=b1.end)
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingStaff.objects.create(booking=b2, resource=people["ir_a"], start=b2.start,
                                    end=b2.end)
    BookingStaff.objects.filter(booking=b1).update(active=False)
    BookingStaff.objects.create(booking=b2, resource=people["ir_a"], start=b2.start, end=b2.end)


def test_a_plan_proposal_books_the_people_with_each_room(rooms, people, coordinator_principal):
    from datetime import timedelta

    from scheduling.services import proposals

    # Dr A is away the first planning day and Dr B is not there at all: the proposal waits for
    # Dr A, and accepting it books Dr A with the embolization.
    ResourceExceptionFactory(resource=people["ir_b"], start=at(0, 0), end=at(60, 0))
    ResourceExceptionFactory(resource=people["ir_a"], start=at(0, 0), end=at(1, 0))
    plan, (emb, surgery) = plan_with(PREOP, "surgery")
    proposal = proposals.plan_proposal_make(plan=plan, horizon_days=14, time_limit=5,
                                            now=at(0, 0))
    assert proposal.status in {"optimal", "feasible"}, proposal.message
    by = {b.procedure_id: b for b in proposal.bookings}
    assert by[str(emb.public_id)].start >= at(1, 0)
    created = proposals.plan_proposal_apply(plan=plan, proposal=proposal,
                                            principal=coordinator_principal)
    staffed = {b.procedure.procedure_type: sorted(s.resource.code for s in b.staff.all())
               for b in created}
    assert staffed == {"embolization": ["ir-a"], "surgery": ["anaes-1", "surg-1"]}
    assert by[str(surgery.public_id)].start - by[str(emb.public_id)].end <= timedelta(hours=48)


def test_staff_free_time_tells_which_starts_have_an_operator(rooms, people, django_assert_num_queries):
    from scheduling import selectors
    from scheduling.domain.types import Interval

    _p, (emb,) = plan_with("embolization")
    from tests.factories.scheduling import BookingFactory
    b = BookingFactory(procedure=emb, resource=rooms["angio"], start=at(0, 9), end=at(0, 11))
    BookingStaff.objects.create(booking=b, resource=people["ir_a"], start=b.start, end=b.end)
    ResourceExceptionFactory(resource=people["ir_b"], start=at(0, 0), end=at(1, 0))
    window = Interval(at(0, 0), at(2, 0))
    with django_assert_num_queries(5):  # catalogue entry, people, their hours, leave, bookings
        free = selectors.staff_free_time(procedure_type="embolization", window=window)
    assert selectors.staff_fits(free, Interval(at(0, 9), at(0, 10))) == [
        "interventional_radiologist"]  # A is busy, B is on leave
    assert selectors.staff_fits(free, Interval(at(0, 12), at(0, 14))) == []  # A is free
    assert selectors.staff_fits(free, Interval(at(1, 9), at(1, 11))) == []  # both back
    assert selectors.staff_free_time(procedure_type="follow_up_ct", window=window) == {}


def test_the_board_refuses_the_starts_when_no_operator_is_free(coordinator_client, rooms,
                                                                people):
    """A start with nobody of a needed kind free and working is marked refused before any
    click, with the rule the booking would be refused by (staff_unavailable)."""
    ResourceExceptionFactory(resource=people["ir_a"], start=at(0, 0), end=at(1, 0))
    ResourceExceptionFactory(resource=people["ir_b"], start=at(0, 0), end=at(0, 12))
    plan, (emb,) = plan_with("embolization")
    body = coordinator_client.get(f"{BASE}/plans/{plan.public_id}/board/", {
        "procedure": str(emb.public_id), "day": "2030-01-07", "view": "day"}).json()
    by_start = {}
    for slot in body["slots"]:
        start = datetime.fromisoformat(slot["start"].replace("Z", "+00:00"))
        by_start.setdefault(start, set()).add((slot["verdict"], tuple(slot["rules"])))
    morning, afternoon = at(0, 9), at(0, 13)
    assert by_start[morning] == {("refused", ("staff_unavailable",))}
    assert all(verdict != "refused" for verdict, _rules in by_start[afternoon])
