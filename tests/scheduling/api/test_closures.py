"""Closures and absences (issue 14, repair: "when a booking slips (room closed, patient unwell,
operator away)"). Before, a closure could only be added in Django's admin, and nothing said
which bookings it fell on: they stayed in closed time, unnoticed, until the day. Now
``POST /resources/{id}/closures/`` adds one (a person's closure is an absence) and answers with
the bookings it falls on, each to re-plan with a repair run; DELETE removes one. Rooms
(tests/scheduling/conftest.py) are open Monday to Friday, 07:00-20:00 Rome time; the tests run
the day before the factories' Monday in January 2030."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils.dateparse import parse_datetime

from core.models import AuditEvent
from scheduling import services
from scheduling.models import Booking, ResourceException, SolverRun
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import ResourceFactory, at, plan_with
from tests.support.scheduling import BASE, PREOP

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eve_of_2030():
    import time_machine

    with time_machine.travel(datetime(2030, 1, 6, 12, tzinfo=UTC), tick=True):
        yield


def closures_url(resource):
    return f"{BASE}/resources/{resource.public_id}/closures/"


def close(client, resource, start, end, HTTP_IDEMPOTENCY_KEY=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": HTTP_IDEMPOTENCY_KEY} if HTTP_IDEMPOTENCY_KEY else {}
    return client.post(closures_url(resource),
                       {"kind": "closure", "start": start.isoformat(), "end": end.isoformat(),
                        "reason": "Flooded", **body}, format="json", **headers)


def book(procedure, room, start):
    return services.booking_create(procedure=procedure, resource=room, start=start,
                                   principal=None).booking


def test_closing_a_room_lists_the_bookings_it_falls_on_and_a_repair_moves_them(
        coordinator_client, rooms):
    plan, (emb, surgery) = plan_with(PREOP, "surgery")
    _other, (other_surgery,) = plan_with("surgery")
    kept = book(emb, rooms["angio"], at(2, 8))
    slipped = book(surgery, rooms["or1"], at(2, 13))
    also = book(other_surgery, rooms["or1"], at(2, 8))
    book(plan_with("surgery")[1][0], rooms["or1"], at(3, 8))  # the day after: not in it

    response = close(coordinator_client, rooms["or1"], at(2, 0), at(3, 0))
    assert response.status_code == 201, response.content
    body = response.json()
    closure = ResourceException.objects.get(public_id=body["id"])
    assert (closure.kind, closure.reason, closure.start, closure.end) == (
        "closure", "Flooded", at(2, 0), at(3, 0))
    assert response["Location"].endswith(f"/closures/{closure.public_id}/")
    assert [b["id"] for b in body["bookings"]] == [str(also.public_id), str(slipped.public_id)]
    assert body["bookings_count"] == 2
    assert body["bookings"][1]["plan"] == str(plan.public_id)
    assert body["bookings"][1]["procedure_type"] == "surgery"
    # The closure is audited, and so is the disclosure of the bookings it lists.
    assert AuditEvent.objects.filter(action="create", object_type="resource_exception",
                                     object_id=str(closure.public_id)).exists()
    listed = AuditEvent.objects.get(action="list", object_type="booking")
    assert {e[0] for e in listed.entities} == {str(also.public_id), str(slipped.public_id)}
    # Nothing moved by itself: the bookings wait for a repair.
    assert Booking.objects.get(pk=slipped.pk).start == at(2, 13)

    run = coordinator_client.post(f"{BASE}/plans/{plan.public_id}/solver-runs/",
                                  {"horizon_days": 14, "time_limit_s": 2,
                                   "replan": [body["bookings"][1]["id"]]}, format="json")
    assert run.status_code == 202, run.content
    run_id = SolverRun.objects.get(public_id=run.json()["id"]).pk
    assert services.solver_run_execute(run_id=run_id) == "finished"
    applied = coordinator_client.post(f"{BASE}/solver-runs/{run.json()['id']}/apply/")
    assert applied.status_code == 201, applied.content
    slipped.refresh_from_db()
    assert not (slipped.resource_id == rooms["or1"].pk and slipped.start < at(3, 0)
                and slipped.end > at(2, 0))
    assert Booking.objects.get(pk=kept.pk).start == at(2, 8)
    again = coordinator_client.get(response["Location"]).json()
    assert [b["id"] for b in again["bookings"]] == [str(also.public_id)]


def test_a_persons_absence_lists_the_bookings_they_are_booked_on(coordinator_client, rooms):
    operator = ResourceFactory(code="ir-a", name="Dr A (IR)", kind="interventional_radiologist")
    _plan, (emb,) = plan_with("embolization")
    booking = book(emb, rooms["angio"], at(2, 8))
    assert list(booking.staff.values_list("resource__code", flat=True)) == ["ir-a"]
    response = close(coordinator_client, operator, at(2, 0), at(4, 0), reason="Congress")
    assert response.status_code == 201, response.content
    assert [b["id"] for b in response.json()["bookings"]] == [str(booking.public_id)]
    assert response.json()["bookings"][0]["resource"] == str(rooms["angio"].public_id)


def test_an_extra_session_falls_on_no_booking(coordinator_client, rooms):
    _plan, (surgery,) = plan_with("surgery")
    book(surgery, rooms["or1"], at(2, 8))
    response = close(coordinator_client, rooms["or1"], at(2, 7), at(2, 20),
                     kind="extra_session", reason="")
    assert response.status_code == 201, response.content
    assert (response.json()["bookings"], response.json()["bookings_count"]) == ([], 0)


@pytest.mark.parametrize(("change", "field", "rule"), [
    ({"start": "2030-01-09T00:00:00"}, "start", "timezone_required"),
    ({"end": "2030-01-08T23:00:00+01:00"}, "end", "end_after_start"),
    ({"end": "2031-02-01T00:00:00+01:00"}, "end", "max_span"),
    ({"start": "2029-12-01T00:00:00+01:00", "end": "2030-01-02T00:00:00+01:00"}, "end",
     "in_future"),
    ({"reason": "  "}, "reason", "required"),
    ({"reason": "x" * 201}, "reason", "max_length"),
    ({"kind": "holiday"}, "kind", "invalid_choice"),
    ({"start": "9999-12-31T23:59:59+00:00"}, "start", "date_window"),
], ids=["naive", "order", "span", "past", "no reason", "long reason", "kind", "absurd"])
def test_a_bad_closure_is_a_400_naming_the_field_and_nothing_is_stored(coordinator_client,
                                                                       rooms, change, field,
                                                                       rule):
    body = {"kind": "closure", "start": "2030-01-09T00:00:00+01:00",
            "end": "2030-01-10T00:00:00+01:00", "reason": "Flooded", **change}
    response = coordinator_client.post(closures_url(rooms["or1"]), body, format="json")
    assert response.status_code == 400, response.content
    (error,) = response.json()["errors"]
    assert (error["field"], error["rule"]) == (field, rule), error
    assert not ResourceException.objects.exists()


def test_members_read_closures_but_only_coordinators_change_them(coordinator_client,
                                                                  spine_client, rooms):
    assert close(spine_client, rooms["or1"], at(2, 0), at(3, 0)).status_code == 403
    made = close(coordinator_client, rooms["or1"], at(2, 0), at(3, 0))
    assert made.status_code == 201
    assert spine_client.get(closures_url(rooms["or1"])).status_code == 200
    assert spine_client.delete(made["Location"]).status_code == 403
    assert ResourceException.objects.count() == 1


def test_a_member_sees_only_the_bookings_of_their_boards_cases(coordinator_client,
                                                               sarcoma_client, rooms):
    _spine, (spine_surgery,) = plan_with("surgery", case=CaseFactory())
    _sarcoma, (sarcoma_surgery,) = plan_with(
        "surgery", case=CaseFactory(requested_board="sarcoma"))
    book(spine_surgery, rooms["or1"], at(2, 8))
    theirs = book(sarcoma_surgery, rooms["or1"], at(2, 13))
    made = close(coordinator_client, rooms["or1"], at(2, 0), at(3, 0))
    assert made.json()["bookings_count"] == 2
    seen = sarcoma_client.get(made["Location"]).json()
    assert ([b["id"] for b in seen["bookings"]], seen["bookings_count"]) == (
        [str(theirs.public_id)], 1)


def test_the_list_shows_what_is_not_over_and_a_removed_closure_frees_the_time(
        coordinator_client, rooms):
    room = rooms["or1"]
    ResourceException.objects.create(resource=room, kind="closure", start=at(-7, 0),
                                      end=at(-6, 0), reason="Last week")
    made = close(coordinator_client, room, at(2, 0), at(3, 0)).json()
    listed = coordinator_client.get(closures_url(room)).json()
    assert [c["id"] for c in listed["results"]] == [made["id"]]
    assert listed["results"][0]["created_by"].startswith("user:")
    since = coordinator_client.get(closures_url(room), {"from": at(-7, 12).isoformat()}).json()
    assert since["count"] == 2

    slots = {"procedure_type": "surgery", "from": at(2, 0).isoformat(),
             "to": at(3, 0).isoformat()}
    url = f"{BASE}/resources/{room.public_id}/slots/"
    assert coordinator_client.get(url, slots).json()["slots"] == []
    removed = coordinator_client.delete(f"{closures_url(room)}{made['id']}/")
    assert removed.status_code == 204
    assert parse_datetime(coordinator_client.get(url, slots).json()["slots"][0]["start"]) == \
        at(2, 7)
    assert AuditEvent.objects.filter(action="delete", object_type="resource_exception",
                                     object_id=made["id"]).exists()
    missing = coordinator_client.delete(f"{closures_url(room)}{made['id']}/")
    assert missing.status_code == 404
    assert coordinator_client.get(f"{closures_url(room)}{uuid.uuid4()}/").status_code == 404


def test_a_repeated_request_with_its_key_adds_one_closure(coordinator_client, rooms):
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    body = {"start": at(2, 0).isoformat(), "end": (at(2, 0) + timedelta(days=1)).isoformat(),
            "reason": "Works"}
    first = coordinator_client.post(closures_url(rooms["or1"]), body, format="json", **key)
    second = coordinator_client.post(closures_url(rooms["or1"]), body, format="json", **key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] == second.json()["id"]
    assert ResourceException.objects.count() == 1


def test_a_replayed_answer_is_audited_with_the_bookings_it_lists(coordinator_client, rooms):
    _plan, (surgery,) = plan_with("surgery")
    booking = book(surgery, rooms["or1"], at(2, 9))
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    body = {"start": at(2, 0).isoformat(), "end": at(3, 0).isoformat(), "reason": "Works"}
    coordinator_client.post(closures_url(rooms["or1"]), body, format="json", **key)
    replayed = coordinator_client.post(closures_url(rooms["or1"]), body, format="json", **key)
    assert replayed["Idempotent-Replayed"] == "true"
    rows = AuditEvent.objects.filter(action="list", object_type="booking").order_by("pk")
    # One booking disclosed: a row about that booking, once for the answer and once for the
    # replay (before, the replay wrote only a row about the closure).
    assert [(r.object_id, r.patient_pseudonym) for r in rows] == [
        (str(booking.public_id), str(booking.patient.public_id))] * 2


def test_a_closure_over_bookings_tells_the_coordinators_once(coordinator_client, coordinator,
                                                              client_factory_closures, rooms):
    """A hospital system closes the theatre over two bookings: every coordinator is told, once,
    how many bookings and where, with the link to the closure's page, and no patient (before,
    nobody was told; the bookings stayed in closed time until the day). A closure over no
    booking tells nobody."""
    from core.models import Notification

    for hour in (8, 13):
        _plan, (surgery,) = plan_with("surgery")
        book(surgery, rooms["or1"], at(2, hour))
    key = str(uuid.uuid4())
    made = close(client_factory_closures, rooms["or1"], at(2, 0), at(3, 0),
                 HTTP_IDEMPOTENCY_KEY=key)
    assert made.status_code == 201, made.content
    again = close(client_factory_closures, rooms["or1"], at(2, 0), at(3, 0),
                  HTTP_IDEMPOTENCY_KEY=key)
    assert again["Idempotent-Replayed"] == "true"
    (note,) = Notification.objects.filter(recipient=coordinator)
    assert note.subject == ("Operating room 1 closed from 2030-01-09 00:00 Europe/Rome: "
                            "2 bookings to re-plan")
    assert note.link == f"/resources/{rooms['or1'].public_id}/closures/{made.json()['id']}/"
    assert "Flooded" not in note.body  # free text stays on the page, out of notifications
    close(coordinator_client, rooms["or2"], at(2, 0), at(3, 0))
    assert Notification.objects.filter(recipient=coordinator).count() == 1


def test_a_persons_absence_is_told_as_an_absence(coordinator_client, coordinator, rooms):
    from core.models import Notification

    operator = ResourceFactory(code="ir-a", name="Dr A (IR)", kind="interventional_radiologist")
    _plan, (emb,) = plan_with("embolization")
    book(emb, rooms["angio"], at(2, 8))
    assert close(coordinator_client, operator, at(2, 0), at(3, 0)).status_code == 201
    (note,) = Notification.objects.filter(recipient=coordinator)
    assert note.subject == ("Dr A (IR) away from 2030-01-09 00:00 Europe/Rome: "
                            "1 booking to re-plan")


@pytest.fixture
def client_factory_closures(oauth_client_factory):
    return oauth_client_factory("bookings:read", "bookings:write", name="his-closures")
