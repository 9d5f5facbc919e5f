"""GET /api/v1/plans/{id}/board/ (issue 13, the booking board): resources, bookings, closures
and a verdict for every free start, computed with the rules engine before anything is booked.

Fixture with known answers (Rome time, from the fixed Monday 7 January 2030): a pre-operative
embolization booked Monday 08:00-10:30 (150 min) in the angio suite; the surgery it prepares:
- Monday 09:00 starts before the embolization ends: refused by R2 (hard);
- Monday 11:00 is 30 min after it: preferred (inside R1's 24-hour preferred lag);
- Tuesday 12:00 is 25.5 h after: allowed, outside R1's preferred window;
- Wednesday 11:00 is 48.5 h after: warning, R1 (soft, 48 h);
- Thursday 11:00 is 72.5 h after: refused, R1 (hard, 72 h).
"""

from __future__ import annotations

import uuid

import pytest

from core.models import AuditEvent
from scheduling.models import BookingStaff, ResourceException
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import BookingFactory, ResourceFactory, at, plan_with
from tests.support.queries import count_queries
from tests.support.scheduling import BASE, PREOP, book

pytestmark = pytest.mark.django_db


def spine_plan(*procedures):
    return plan_with(*procedures, case=CaseFactory(requested_board="bone-mets-spine"))


def url(plan):
    return f"{BASE}/plans/{plan.public_id}/board/"


@pytest.fixture
def booked_embolization(rooms, coordinator_principal):
    plan, (emb, surgery) = spine_plan(PREOP, "surgery")
    book(emb, rooms["angio"], at(0, 8), coordinator_principal)
    return plan, emb, surgery


def verdicts(body, code):
    rooms = {r["resource"]: r["code"] for r in body["resources"]}
    return {s["start"]: (s["verdict"], s["rules"]) for s in body["slots"]
            if rooms[s["resource"]] == code}


def _iso(moment):
    from rest_framework.fields import DateTimeField
    return DateTimeField().to_representation(moment)


def test_the_verdicts_have_the_known_answers(coordinator_client, booked_embolization, rooms):
    plan, _emb, surgery = booked_embolization
    body = coordinator_client.get(url(plan), {"procedure": str(surgery.public_id),
                                              "day": "2030-01-07", "view": "week"}).json()
    assert body["procedure"] == str(surgery.public_id)
    assert body["view"] == "week"
    slots = verdicts(body, "or-1")
    assert slots[_iso(at(0, 9))] == ("refused", ["R2"])
    assert slots[_iso(at(0, 11))][0] == "preferred"
    assert slots[_iso(at(1, 12))] == ("allowed", ["R1"])
    assert slots[_iso(at(2, 11))] == ("warning", ["R1"])
    assert slots[_iso(at(3, 11))] == ("refused", ["R1"])
    assert {r["rule"] for r in body["rules"]} >= {"R1", "R2"}


def test_the_board_opens_on_the_procedure_to_book_first(coordinator_client, rooms):
    # The surgery comes first in the plan, but the embolization prepares it: book that first.
    plan, (surgery, emb) = spine_plan("surgery", PREOP)
    emb.prepares = surgery
    emb.save(update_fields=["prepares"])
    body = coordinator_client.get(url(plan), {"day": "2030-01-07"}).json()
    assert [p["procedure"] for p in body["procedures"]] == [str(emb.public_id),
                                                           str(surgery.public_id)]
    assert body["procedure"] == str(emb.public_id)
    assert {r["code"] for r in body["resources"]} == {"angio-1", "hybrid-1"}


def test_bookings_closures_and_opening_hours_are_shown(coordinator_client, booked_embolization,
                                                       rooms):
    plan, _emb, surgery = booked_embolization
    ResourceException.objects.create(resource=rooms["or1"], kind="closure", start=at(0, 14),
                                     end=at(0, 16), reason="Maintenance of the lights")
    body = coordinator_client.get(url(plan), {"procedure": str(surgery.public_id),
                                              "day": "2030-01-07"}).json()
    [closure] = body["closures"]
    assert closure["reason"] == "Maintenance of the lights"
    assert closure["resource"] == str(rooms["or1"].public_id)
    or1 = next(r for r in body["resources"] if r["code"] == "or-1")
    assert or1["open"] == [{"start": _iso(at(0, 7)), "end": _iso(at(0, 14))},
                           {"start": _iso(at(0, 16)), "end": _iso(at(0, 20))}]
    slots = verdicts(body, "or-1")
    assert _iso(at(0, 14)) not in slots  # closed
    assert _iso(at(0, 13)) not in slots  # the surgery would run into the closure
    # The embolization's room is not one a surgery can use: its booking is not on this board.
    assert body["bookings"] == []
    assert body["timezone"] == "Europe/Rome"


def test_a_bad_day_or_view_is_400_naming_the_field(coordinator_client, booked_embolization):
    plan, _emb, _surgery = booked_embolization
    for params, field in (({"day": "7/1/2030"}, "day"), ({"view": "month"}, "view"),
                          ({"procedure": str(uuid.uuid4())}, "procedure")):
        response = coordinator_client.get(url(plan), params)
        assert response.status_code == 400, params
        assert response["Content-Type"].startswith("application/problem+json")
        [error] = response.json()["errors"]
        assert error["field"] == field


def test_scoped_like_the_other_plan_endpoints(plain_client, sarcoma_client, spine_client,
                                              booked_embolization):
    plan, _emb, _surgery = booked_embolization
    assert plain_client.get(url(plan)).status_code == 403
    assert sarcoma_client.get(url(plan)).status_code == 404
    assert sarcoma_client.get(f"{BASE}/plans/{uuid.uuid4()}/board/").status_code == 404
    assert spine_client.get(url(plan), {"day": "2030-01-07"}).status_code == 200


def test_each_read_is_audited(coordinator_client, booked_embolization):
    plan, _emb, _surgery = booked_embolization
    before = AuditEvent.objects.filter(object_type="plan_board").count()
    coordinator_client.get(url(plan), {"day": "2030-01-07"})
    event = AuditEvent.objects.filter(object_type="plan_board").latest("pk")
    assert AuditEvent.objects.filter(object_type="plan_board").count() == before + 1
    assert event.action == "read"
    assert str(event.object_id) == str(plan.public_id)
    assert str(event.patient_pseudonym) == str(plan.case.patient.public_id)


def test_queries_are_constant_in_the_bookings_shown(coordinator_client, booked_embolization,
                                                    rooms, coordinator_principal):
    plan, _emb, surgery = booked_embolization
    # Each surgery is booked with a surgeon and an anaesthesia team (the service takes the
    # first free ones): the people of every booking come in one query.
    for k in range(2):
        ResourceFactory(code=f"surg-{k}", name=f"Dr S{k}", kind="surgeon")
        ResourceFactory(code=f"anaes-{k}", name=f"Anaesthesia team {k}", kind="anaesthetist")
    params = {"procedure": str(surgery.public_id), "day": "2030-01-07", "view": "week"}

    def read():
        response = coordinator_client.get(url(plan), params)
        assert response.status_code == 200
        return response.json()

    first = count_queries(read)
    for k in range(4):  # other patients' surgeries in both theatres
        _p, (other,) = spine_plan("surgery")
        book(other, rooms["or1" if k % 2 else "or2"], at(k, 15), coordinator_principal)
    body = read()
    assert len(body["bookings"]) == 4
    assert all(len(b["staff"]) == 2 for b in body["bookings"])
    assert count_queries(read) == first
    # Pinned: no query per booking, person, slot or resource. 19 since the people booked with
    # each booking are listed (one query for all of them, scheduling.selectors.board.board_people);
    # 24 since the starts are checked against those people's free time (five queries for all).
    assert first == 24, first


def test_each_booking_lists_the_people_booked_with_it(coordinator_client, rooms,
                                                       coordinator_principal):
    """The operator and the anaesthesia team of a booking, operator first; a person whose part
    was cancelled (``active`` false) is not listed; a booking without people lists none."""
    plan, (emb,) = spine_plan(PREOP)
    ir = ResourceFactory(code="ir-a", name="IR A", kind="interventional_radiologist")
    anaes = ResourceFactory(code="anaes-1", name="Anaesthesia team 1", kind="anaesthetist")
    old_ir = ResourceFactory(code="ir-b", name="IR B", kind="interventional_radiologist")
    _other, (other_emb, bare_emb) = spine_plan(PREOP, PREOP)
    booking = BookingFactory(procedure=other_emb, resource=rooms["angio"], start=at(0, 8),
                             end=at(0, 10))
    for person, active in ((anaes, True), (ir, True), (old_ir, False)):
        BookingStaff.objects.create(booking=booking, resource=person, start=booking.start,
                                    end=booking.end, active=active)
    bare = BookingFactory(procedure=bare_emb, resource=rooms["angio"], start=at(0, 11),
                          end=at(0, 12))
    body = coordinator_client.get(url(plan), {"procedure": str(emb.public_id),
                                              "day": "2030-01-07"}).json()
    shown = {b["booking"]: b for b in body["bookings"]}
    assert shown[str(booking.public_id)]["staff"] == [
        {"id": str(ir.public_id), "code": "ir-a", "name": "IR A",
         "kind": "interventional_radiologist"},
        {"id": str(anaes.public_id), "code": "anaes-1", "name": "Anaesthesia team 1",
         "kind": "anaesthetist"},
    ]
    assert shown[str(bare.public_id)]["staff"] == []


def test_a_booking_that_began_the_day_before_the_window_is_shown(coordinator_client, rooms):
    """23:00-01:00 across the night before the day shown overlaps it: listed (the start bound
    is ``day - MAX_BOOKING_LENGTH``); one that ended at midnight is not."""
    plan, (emb,) = spine_plan(PREOP)
    _other, (night, earlier) = spine_plan(PREOP, PREOP)
    overnight = BookingFactory(procedure=night, resource=rooms["angio"], start=at(-1, 23),
                               end=at(0, 1))
    BookingFactory(procedure=earlier, resource=rooms["hybrid"], start=at(-1, 21), end=at(0, 0))
    body = coordinator_client.get(url(plan), {"procedure": str(emb.public_id),
                                              "day": "2030-01-07"}).json()
    assert [b["booking"] for b in body["bookings"]] == [str(overnight.public_id)]
