"""Model → FHIR R4 JSON (docs/security.md, FHIR), validated with fhir.resources.R4B.

R4B is the closest module fhir.resources 8.x ships to R4 (4.0.1); Appointment, Schedule, Slot
and ServiceRequest are the same shape in both. Every resource is built as a plain dict, then
validated by the pydantic model, so a mapping bug is an error here and never an invalid payload
on the wire. Only pseudonymous ids leave: the patient is ``Patient/<public_id>``, no name, no MRN.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.slot import Slot

from cases.domain.codes import (
    CaseStatus,
    Histology,
    Intent,
    ProcedurePurpose,
    ProcedureType,
    SkeletalSite,
    Urgency,
)
from scheduling.domain.types import BookingStatus

# scheduling's booking status → FHIR Appointment.status (R4 value set appointmentstatus).
APPOINTMENT_STATUS = {
    BookingStatus.PROPOSED.value: "proposed",
    BookingStatus.BOOKED.value: "booked",
    BookingStatus.DONE.value: "fulfilled",
    BookingStatus.CANCELLED.value: "cancelled",
}

# Case lifecycle → ServiceRequest.status (request-status): the referral is "active" until the
# MDT has discussed it and its plan is under way or finished.
SERVICE_REQUEST_STATUS = {
    CaseStatus.SUBMITTED.value: "active",
    CaseStatus.READY_FOR_MDT.value: "active",
    CaseStatus.LISTED.value: "active",
    CaseStatus.DISCUSSED.value: "completed",
    CaseStatus.PLAN_SCHEDULED.value: "completed",
    CaseStatus.IN_TREATMENT.value: "completed",
    CaseStatus.FOLLOW_UP.value: "completed",
    CaseStatus.CLOSED.value: "completed",
}

SERVICE_REQUEST_PRIORITY = {
    Urgency.ROUTINE.value: "routine",
    Urgency.URGENT.value: "urgent",
    Urgency.EMERGENCY.value: "stat",
}

BOARDSVC_CODES = "https://boardsvc.example.org/fhir/CodeSystem"


def _instant(value: datetime) -> str:
    return value.isoformat()


def _validated(model: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Validate with fhir.resources and return the JSON-ready dict (raises on a mapping bug)."""
    return model.model_validate(data).model_dump(mode="json", exclude_none=True)


# The people booked with a room (issue 13): the operator performs (PPRF), the anaesthesia team
# assists (SPRF). They are not served as Practitioner resources, so the actor is a logical
# reference (identifier + display).
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
STAFF_PARTICIPATION = {"interventional_radiologist": "PPRF", "surgeon": "PPRF",
                       "anaesthetist": "SPRF"}


def _staff_participant(person: Any) -> dict[str, Any]:
    return {
        "type": [{"coding": [{"system": PARTICIPATION_TYPE,
                              "code": STAFF_PARTICIPATION.get(person.kind, "PART")}],
                  "text": person.kind.replace("_", " ")}],
        "actor": {"identifier": {"system": f"{BOARDSVC_CODES}/resource",
                                 "value": str(person.public_id)},
                  "display": person.name},
        "required": "required", "status": "accepted",
    }


def appointment_from_booking(booking: Any) -> dict[str, Any]:
    """A booking as an Appointment: patient, the room or machine, and the referral it serves."""
    procedure = booking.procedure
    data: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(booking.public_id),
        "meta": {"versionId": str(booking.version), "lastUpdated": _instant(booking.updated_at)},
        "status": APPOINTMENT_STATUS.get(booking.status, "booked"),
        "serviceType": [{
            "coding": [{"system": f"{BOARDSVC_CODES}/procedure-type",
                        "code": procedure.procedure_type}],
            "text": procedure.get_procedure_type_display(),
        }],
        "start": _instant(booking.start),
        "end": _instant(booking.end),
        "created": _instant(booking.created_at),
        "basedOn": [{"reference": f"ServiceRequest/{booking.plan.case.public_id}"}],
        "participant": [
            {"actor": {"reference": f"Patient/{booking.patient.public_id}"},
             "required": "required", "status": "accepted"},
            {"actor": {"reference": f"Location/{booking.resource.public_id}",
                       "display": booking.resource.name},
             "required": "required", "status": "accepted"},
            *(_staff_participant(s.resource) for s in booking.people),
        ],
    }
    if booking.status == BookingStatus.CANCELLED and booking.cancel_reason:
        data["cancelationReason"] = {"text": booking.cancel_reason[:300]}
    if booking.fraction_number:
        data["comment"] = f"Radiotherapy fraction {booking.fraction_number}"
    return _validated(Appointment, data)


def schedule_from_resource(resource: Any) -> dict[str, Any]:
    """A bookable room or machine as a Schedule; its free time is searched as Slots."""
    data = {
        "resourceType": "Schedule",
        "id": str(resource.public_id),
        "meta": {"versionId": str(resource.version)},
        "active": bool(resource.active),
        "serviceType": [{
            "coding": [{"system": f"{BOARDSVC_CODES}/resource-kind", "code": resource.kind}],
            "text": resource.get_kind_display(),
        }],
        "actor": [{"reference": f"Location/{resource.public_id}", "display": resource.name}],
        "comment": f"Times in UTC; opening hours are kept in {resource.timezone}.",
    }
    return _validated(Schedule, data)


def slot_id(resource_public_id: object, start: datetime) -> str:
    """A stable id for a computed free slot (FHIR ids: [A-Za-z0-9-.], at most 64 characters)."""
    return f"{resource_public_id}-{int(start.timestamp())}"


def slot_free(*, resource: Any, start: datetime, end: datetime) -> dict[str, Any]:
    data = {
        "resourceType": "Slot",
        "id": slot_id(resource.public_id, start),
        "schedule": {"reference": f"Schedule/{resource.public_id}"},
        "status": "free",
        "start": _instant(start),
        "end": _instant(end),
    }
    return _validated(Slot, data)


def service_request_from_case(case: Any) -> dict[str, Any]:
    """A referral to the MDT as a ServiceRequest (intent order, code = MDT discussion)."""
    try:
        histology = Histology(case.primary_histology).label
    except ValueError:
        histology = case.primary_histology
    data: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(case.public_id),
        "meta": {"versionId": str(case.version), "lastUpdated": _instant(case.updated_at)},
        "status": SERVICE_REQUEST_STATUS.get(case.status, "unknown"),
        "intent": "order",
        "priority": SERVICE_REQUEST_PRIORITY.get(case.urgency, "routine"),
        "code": {
            "coding": [{"system": f"{BOARDSVC_CODES}/request", "code": "mdt-discussion"}],
            "text": "Multidisciplinary tumour board discussion (bone metastases)",
        },
        "subject": {"reference": f"Patient/{case.patient.public_id}"},
        "authoredOn": _instant(case.submitted_at),
        "reasonCode": [{
            "coding": [{"system": f"{BOARDSVC_CODES}/histology",
                        "code": case.primary_histology}],
            "text": f"Bone metastases, primary: {histology}",
        }],
    }
    if case.requested_board:
        data["performer"] = [{"display": f"MDT board {case.requested_board}"}]
    return _validated(ServiceRequest, data)


# cases.TreatmentPlan status → CarePlan.status (request-status).
CARE_PLAN_STATUS = {"active": "active", "completed": "completed", "superseded": "revoked",
                    "cancelled": "revoked"}


def _label(enum: Any, value: str) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return value


def _lesion_text(lesion: Any) -> str:
    where = _label(SkeletalSite, lesion.site)
    if lesion.vertebral_level:
        where = f"{where} {lesion.vertebral_level}"
    return f"{where}, {lesion.max_diameter_mm} mm"


def service_request_from_procedure(procedure: Any, plan: Any) -> dict[str, Any]:
    """One planned procedure of a treatment plan as a ServiceRequest (intent plan): what is
    done, why (``reasonCode``: its purpose, e.g. a pre-operative embolization), where
    (``bodySite``: the target lesion), based on the referral (ServiceRequest/<case>)."""
    case = plan.case
    data: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(procedure.public_id),
        "status": CARE_PLAN_STATUS.get(plan.status, "unknown"),
        "intent": "plan",
        "code": {"coding": [{"system": f"{BOARDSVC_CODES}/procedure-type",
                             "code": procedure.procedure_type}],
                 "text": _label(ProcedureType, procedure.procedure_type)},
        "orderDetail": [{"coding": [{"system": f"{BOARDSVC_CODES}/intent",
                                     "code": procedure.intent}],
                         "text": f"Intent: {_label(Intent, procedure.intent)}"}],
        "subject": {"reference": f"Patient/{case.patient.public_id}"},
        "basedOn": [{"reference": f"ServiceRequest/{case.public_id}"}],
        "authoredOn": _instant(plan.created_at),
        "priority": SERVICE_REQUEST_PRIORITY.get(case.urgency, "routine"),
    }
    if procedure.purpose:
        data["reasonCode"] = [{"coding": [{"system": f"{BOARDSVC_CODES}/procedure-purpose",
                                           "code": procedure.purpose}],
                               "text": f"Purpose: {_label(ProcedurePurpose, procedure.purpose)}"}]
    if procedure.target_lesion_id is not None:
        lesion = procedure.target_lesion
        data["bodySite"] = [{"coding": [{"system": f"{BOARDSVC_CODES}/skeletal-site",
                                         "code": lesion.site}],
                             "text": _lesion_text(lesion)}]
    notes = []
    if procedure.dose_gy is not None:
        notes.append(f"{procedure.dose_gy} Gy" + (
            f" in {procedure.fractions} fractions" if procedure.fractions else ""))
    if procedure.prepares_id is not None:
        notes.append(f"Prepares ServiceRequest/{procedure.prepares.public_id}")
    if procedure.notes:
        notes.append(procedure.notes)
    if notes:
        data["note"] = [{"text": "; ".join(notes)}]
    return _validated(ServiceRequest, data)


def care_plan_from_plan(plan: Any) -> dict[str, Any]:
    """A treatment plan as a CarePlan: one activity per planned procedure, in order, each a
    reference to its ServiceRequest (``ServiceRequest/<procedure id>``)."""
    case = plan.case
    procedures = list(plan.procedures.all())
    data: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(plan.public_id),
        "meta": {"versionId": str(plan.version), "lastUpdated": _instant(plan.created_at)},
        "status": CARE_PLAN_STATUS.get(plan.status, "unknown"),
        "intent": "plan",
        "title": "MDT treatment plan",
        "subject": {"reference": f"Patient/{case.patient.public_id}"},
        "created": _instant(plan.created_at),
        "category": [{"coding": [{"system": f"{BOARDSVC_CODES}/care-plan", "code": "mdt"}],
                      "text": "Multidisciplinary team treatment plan"}],
        "activity": [
            {"reference": {"reference": f"ServiceRequest/{p.public_id}",
                           "display": f"{i}. {_label(ProcedureType, p.procedure_type)}"}}
            for i, p in enumerate(procedures, start=1)
        ],
    }
    if plan.summary:
        data["description"] = plan.summary[:1000]
    if not data["activity"]:
        data.pop("activity")
    return _validated(CarePlan, data)


def searchset(*, base: str, self_url: str, resources: list[dict[str, Any]], total: int,
              next_url: str | None = None) -> dict[str, Any]:
    """A searchset Bundle with one match entry per resource."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    data = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {"fullUrl": f"{base}{r['resourceType']}/{r['id']}", "resource": r,
             "search": {"mode": "match"}}
            for r in resources
        ],
    }
    return _validated(Bundle, data)
