"""FHIR R4 DocumentReference (boardsvc/fhir) for the outcome documents, and CarePlan with one
ServiceRequest per planned procedure (scheduling/fhir/careplan.py): valid R4 (fhir.resources),
scoped to the caller's boards, audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.servicerequest import ServiceRequest
from rest_framework.test import APIClient

from cases.models import TreatmentPlan
from core.models import AuditEvent
from tests.support.documents import board_world, decided_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided():
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=False) as clock:
        world = board_world()
        item, _chair, decision = decided_item(world["board"], world["team"], clock)
        record = world["record_auto"](decision_id=decision.pk)
        yield {**world, "item": item, "decision": decision, "record": record}


def client(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_document_reference_is_valid_r4_with_its_subject_and_type(decided):
    record, item = decided["record"], decided["item"]
    response = client(decided["team"]["rad"]).get(f"/fhir/R4/DocumentReference/{record.public_id}")
    assert response.status_code == 200
    body = response.json()
    DocumentReference.model_validate(body)
    assert body["subject"] == {"reference": f"Patient/{item.case.patient.public_id}"}
    assert body["type"]["coding"][0]["code"] == "outcome_record"
    assert body["content"][0]["attachment"]["url"].endswith(
        f"/api/v1/documents/{record.public_id}/content")


def test_document_references_are_searched_by_patient_and_type(decided):
    item = decided["item"]
    api = client(decided["team"]["rad"])
    patient = f"Patient/{item.case.patient.public_id}"
    bundle = api.get("/fhir/R4/DocumentReference", {"patient": patient}).json()
    Bundle.model_validate(bundle)
    assert bundle["total"] == 1
    by_subject = api.get("/fhir/R4/DocumentReference",
                         {"subject": patient, "type": "letter_gp"}).json()
    assert by_subject["total"] == 0


def test_an_unknown_type_is_a_400_naming_type(decided):
    response = client(decided["team"]["rad"]).get("/fhir/R4/DocumentReference",
                                                   {"type": "diary"})
    assert response.status_code == 400
    assert "type" in response.content.decode()


def test_another_boards_member_gets_404_and_an_audited_refusal(decided):
    record = decided["record"]
    response = client(decided["outsider"]).get(f"/fhir/R4/DocumentReference/{record.public_id}")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(outcome="denied", object_type="outcome_document",
                                     object_id=record.public_id).exists()


def test_reading_a_document_reference_is_audited(decided):
    record = decided["record"]
    client(decided["team"]["rad"]).get(f"/fhir/R4/DocumentReference/{record.public_id}")
    assert AuditEvent.objects.filter(action="read", object_type="outcome_document",
                                     object_id=record.public_id).count() == 1


def test_a_care_plan_references_one_service_request_per_procedure(decided):
    plan = TreatmentPlan.objects.get(case=decided["item"].case, status="active")
    api = client(decided["team"]["rad"])
    body = api.get(f"/fhir/R4/CarePlan/{plan.public_id}").json()
    CarePlan.model_validate(body)
    procedures = list(plan.procedures.order_by("sequence"))
    assert [a["reference"]["reference"] for a in body["activity"]] == [
        f"ServiceRequest/{p.public_id}" for p in procedures]
    for procedure in procedures:
        request = api.get(f"/fhir/R4/ServiceRequest/{procedure.public_id}")
        assert request.status_code == 200
        ServiceRequest.model_validate(request.json())
        assert request.json()["basedOn"] == [
            {"reference": f"ServiceRequest/{decided['item'].case.public_id}"}]
        assert request.json()["code"]["coding"][0]["code"] == procedure.procedure_type


def test_a_procedure_service_request_carries_its_purpose_and_target(decided):
    from cases.models import PlannedProcedure

    plan = TreatmentPlan.objects.get(case=decided["item"].case, status="active")
    lesion = decided["item"].case.lesions.first()
    PlannedProcedure.objects.filter(plan=plan).update(target_lesion=lesion)
    procedure = plan.procedures.order_by("sequence").first()
    body = client(decided["team"]["rad"]).get(
        f"/fhir/R4/ServiceRequest/{procedure.public_id}").json()
    assert body["bodySite"][0]["coding"][0]["code"] == lesion.site
    if procedure.purpose:
        assert body["reasonCode"][0]["coding"][0]["code"] == procedure.purpose


def test_care_plans_are_searched_by_patient(decided):
    item = decided["item"]
    bundle = client(decided["team"]["rad"]).get(
        "/fhir/R4/CarePlan", {"patient": f"Patient/{item.case.patient.public_id}"}).json()
    Bundle.model_validate(bundle)
    assert bundle["total"] == 1


def test_another_boards_member_cannot_read_the_care_plan(decided):
    plan = TreatmentPlan.objects.get(case=decided["item"].case, status="active")
    response = client(decided["outsider"]).get(f"/fhir/R4/CarePlan/{plan.public_id}")
    assert response.status_code == 404
    assert client(decided["outsider"]).get("/fhir/R4/CarePlan").json()["total"] == 0
