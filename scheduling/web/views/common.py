"""What the scheduling pages share: the coordinator check, the plan and booking of the URL (in
the caller's case scope, else 404), the read audit row and the slot offer's sizes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from cases.models import TreatmentPlan
from core.access import Principal, principal_from_request
from core.audit import audit_record
from scheduling import selectors
from scheduling.models import Booking

SLOT_STEP = timedelta(hours=1)
SLOTS_PER_RESOURCE = 12  # start times offered per room and day


def require_coordinator(request: HttpRequest) -> None:
    if not principal_from_request(request).is_coordinator:
        raise PermissionDenied


def plan_for(request: HttpRequest, public_id: Any) -> TreatmentPlan:
    # plan_get applies the case scope and answers 404 outside it.
    return selectors.plan_get(principal=principal_from_request(request), public_id=public_id)


def booking_for(request: HttpRequest, public_id: Any) -> Booking:
    # booking_get applies the case scope and answers 404 outside it.
    return selectors.booking_get(principal=principal_from_request(request), public_id=public_id)


def audit_booking_read(request: HttpRequest, principal: Principal, booking: Booking) -> None:
    """The move and cancel pages show a booking and its patient: one read row (docs/security.md,
    S8)."""
    audit_record(principal=principal, action="read", object_type="booking",
                 object_id=booking.public_id, patient_pseudonym=booking.patient.public_id,
                 path=request.path)
