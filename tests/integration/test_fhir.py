"""FHIR R4 read facade (docs/security.md, FHIR): valid R4 JSON, scoped by role, fhir:read scope."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.servicerequest import ServiceRequest

from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_appointment_is_valid_r4_json_with_an_etag(world, as_user):
    response = as_user(world.users["coordinator"]).get(
        f"/fhir/R4/Appointment/{world.booking_a.public_id}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert response["ETag"] == 'W/"1"'
    body = response.json()
    Appointment.model_validate(body)
    assert body["status"] == "booked"
    refs = {p["actor"]["reference"] for p in body["participant"]}
    assert f"Patient/{world.case_a.patient.public_id}" in refs
    assert f"Location/{world.resource.public_id}" in refs
    assert body["basedOn"] == [{"reference": f"ServiceRequest/{world.case_a.public_id}"}]


def test_a_service_request_carries_no_name_or_identifier(world, as_user):
    response = as_user(world.users["coordinator"]).get(
        f"/fhir/R4/ServiceRequest/{world.case_a.public_id}")
    assert response.status_code == 200
    body = response.json()
    ServiceRequest.model_validate(body)
    assert body["subject"] == {"reference": f"Patient/{world.case_a.patient.public_id}"}
    assert body["intent"] == "order"
    assert "identifier" not in body


def test_a_member_reads_their_boards_appointments_only(world, as_user):
    member_a = as_user(world.users["member_a"])
    assert member_a.get(f"/fhir/R4/Appointment/{world.booking_a.public_id}").status_code == 200
    hidden = member_a.get(f"/fhir/R4/Appointment/{world.booking_b.public_id}")
    assert hidden.status_code == 404
    assert member_a.get(f"/fhir/R4/ServiceRequest/{world.case_b.public_id}").status_code == 404
    bundle = member_a.get("/fhir/R4/Appointment").json()
    Bundle.model_validate(bundle)
    assert bundle["total"] == 1
    assert bundle["entry"][0]["resource"]["id"] == str(world.booking_a.public_id)
    denied = AuditEvent.objects.filter(outcome="denied", object_type="booking")
    assert [e.object_id for e in denied] == [str(world.booking_b.public_id)]


def test_searches_filter_by_patient_and_date(world, as_user):
    coordinator = as_user(world.users["coordinator"])
    bundle = coordinator.get(
        "/fhir/R4/Appointment", {"patient": f"Patient/{world.case_b.patient.public_id}"}).json()
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(world.booking_b.public_id)]
    bundle = coordinator.get("/fhir/R4/Appointment?date=ge2030-03-05T10:30:00Z").json()
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(world.booking_b.public_id)]
    bad = coordinator.get("/fhir/R4/Appointment?date=ge2030-03-05")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "date"


def test_schedule_and_free_slots_leave_out_booked_time(world, as_user):
    client = as_user(world.users["member_a"])
    schedule = client.get(f"/fhir/R4/Schedule/{world.resource.public_id}")
    assert schedule.status_code == 200
    Schedule.model_validate(schedule.json())
    bundle = client.get("/fhir/R4/Slot", {
        "schedule": f"Schedule/{world.resource.public_id}",
        "start": ["ge2030-03-05T00:00:00Z", "lt2030-03-06T00:00:00Z"],
    }).json()
    Bundle.model_validate(bundle)
    spans = [(e["resource"]["start"], e["resource"]["end"]) for e in bundle["entry"]]
    # Opens 08:00-18:00 Rome (UTC+1 in March); bookings 09-10 and 11-12 UTC.
    assert spans == [
        ("2030-03-05T07:00:00Z", "2030-03-05T09:00:00Z"),
        ("2030-03-05T10:00:00Z", "2030-03-05T11:00:00Z"),
        ("2030-03-05T12:00:00Z", "2030-03-05T17:00:00Z"),
    ]
    assert all(e["resource"]["status"] == "free" for e in bundle["entry"])


def test_slot_search_needs_a_schedule_and_computes_at_most_31_days(world, as_user):
    client = as_user(world.users["coordinator"])
    missing = client.get("/fhir/R4/Slot")
    assert missing.status_code == 400
    assert missing.json()["errors"][0] == {
        "field": "schedule", "rule": "required", "message": "This field is required."}
    too_long = client.get("/fhir/R4/Slot", {
        "schedule": str(world.resource.public_id),
        "start": ["ge2030-01-01T00:00:00Z", "lt2030-06-01T00:00:00Z"]})
    # Refused (issue 10 item 5), no longer silently clamped: the caller pages on with ge=.
    assert too_long.status_code == 400
    assert too_long.json()["errors"][0]["field"] == "start"
    assert too_long.json()["errors"][0]["rule"] == "max_range"
    month = client.get("/fhir/R4/Slot", {
        "schedule": str(world.resource.public_id),
        "start": ["ge2030-01-01T00:00:00Z", "lt2030-02-01T00:00:00Z"]})
    assert month.status_code == 200
    last_end = max(e["resource"]["end"] for e in month.json()["entry"])
    assert last_end <= "2030-02-01T00:00:00Z"


def test_clients_need_the_fhir_read_scope(world, oauth_client_factory):
    url = f"/fhir/R4/Appointment/{world.booking_a.public_id}"
    without = oauth_client_factory("bookings:read")
    assert without.get(url).status_code == 403
    with_scope = oauth_client_factory("fhir:read", name="ris")
    assert with_scope.get(url).status_code == 200
    reads = AuditEvent.objects.filter(actor_type="client", action="read",
                                      object_id=str(world.booking_a.public_id))
    assert {(e.actor_id, e.outcome) for e in reads} == {
        (without.application.client_id, "denied"), (with_scope.application.client_id, "success")}


def test_the_facade_is_read_only(world, as_user, api_client):
    client = as_user(world.users["coordinator"])
    url = f"/fhir/R4/Appointment/{world.booking_a.public_id}"
    assert client.delete(url).status_code == 405
    assert client.post("/fhir/R4/Appointment", {}, format="json").status_code == 405
    assert api_client.get(url).status_code == 401
    assert client.get("/fhir/R4/Appointment/00000000-0000-4000-8000-000000000000").status_code == 404


def test_a_search_costs_a_fixed_number_of_queries(world, as_user, django_assert_max_num_queries):
    client = as_user(world.users["coordinator"])
    client.get("/fhir/R4/Appointment")  # warm the principal's group cache
    with django_assert_max_num_queries(8):
        assert client.get("/fhir/R4/Appointment").status_code == 200


def test_an_appointment_names_the_people_booked_with_the_room(world, as_user):
    from scheduling.models import BookingStaff
    from tests.factories.scheduling import ResourceFactory

    booking = world.booking_a
    person = ResourceFactory(code="ir-fhir", name="Dr F (IR)", kind="interventional_radiologist")
    BookingStaff.objects.create(booking=booking, resource=person, start=booking.start,
                                end=booking.end)
    body = as_user(world.users["coordinator"]).get(
        f"/fhir/R4/Appointment/{booking.public_id}").json()
    Appointment.model_validate(body)
    staff = [p for p in body["participant"] if "identifier" in p["actor"]]
    assert staff == [{
        "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                              "code": "PPRF"}], "text": "interventional radiologist"}],
        "actor": {"identifier": {"system": "https://boardsvc.example.org/fhir/CodeSystem/resource",
                                 "value": str(person.public_id)}, "display": "Dr F (IR)"},
        "required": "required", "status": "accepted"}]
