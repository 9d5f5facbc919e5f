"""Serializers shared by several scheduling endpoints: a booking, a computed timing-rule
violation and a stored one. Each endpoint module keeps its own inputs and outputs."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from scheduling.models import Booking


class StaffOut(serializers.Serializer):
    """A person booked with a room (operator, anaesthesia team)."""

    id = serializers.UUIDField(source="resource.public_id")
    code = serializers.CharField(source="resource.code")
    name = serializers.CharField(source="resource.name")
    kind = serializers.CharField(source="resource.kind")


class BookingOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    procedure = serializers.UUIDField(source="procedure.public_id")
    procedure_type = serializers.CharField(source="procedure.procedure_type")
    plan = serializers.UUIDField(source="plan.public_id")
    patient = serializers.UUIDField(source="patient.public_id")
    resource = serializers.UUIDField(source="resource.public_id")
    resource_name = serializers.CharField(source="resource.name")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.CharField()
    fraction_number = serializers.IntegerField(allow_null=True)
    override_reason = serializers.CharField()
    retrospective_reason = serializers.CharField()
    # The people booked with the room (scheduling.services.staffing); prefetched by the
    # selectors (records.BOOKING_STAFF), so a page costs one query for all of them.
    staff = StaffOut(many=True, source="people")
    version = serializers.IntegerField()

    def to_representation(self, booking: Booking) -> dict[str, Any]:
        """The fields above, written out. The generic path (a lookup chain, a callable check
        and a field call per value) was half of a 200-booking page's time; the declared fields
        stay the schema, and a test holds this to what the generic path gives."""
        procedure, resource = booking.procedure, booking.resource
        return {
            "id": str(booking.public_id),
            "procedure": str(procedure.public_id),
            "procedure_type": procedure.procedure_type,
            "plan": str(booking.plan.public_id),
            "patient": str(booking.patient.public_id),
            "resource": str(resource.public_id),
            "resource_name": resource.name,
            "start": _INSTANT.to_representation(booking.start),
            "end": _INSTANT.to_representation(booking.end),
            "status": booking.status,
            "fraction_number": booking.fraction_number,
            "override_reason": booking.override_reason,
            "retrospective_reason": booking.retrospective_reason,
            "staff": [{"id": str(person.resource.public_id), "code": person.resource.code,
                       "name": person.resource.name, "kind": person.resource.kind}
                      for person in booking.people],
            "version": booking.version,
        }


_INSTANT = serializers.DateTimeField()  # the API's date-time format and zone, as above


class BookingRowOut(BookingOut):
    """BookingOut from a listed row (scheduling.selectors.booking_rows and
    booking_rows_people): the same fields and formats, without model instances. A test holds
    it to BookingOut's output for the same bookings."""

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        return {
            "id": str(row["public_id"]),
            "procedure": str(row["procedure__public_id"]),
            "procedure_type": row["procedure__procedure_type"],
            "plan": str(row["plan__public_id"]),
            "patient": str(row["patient__public_id"]),
            "resource": str(row["resource__public_id"]),
            "resource_name": row["resource__name"],
            "start": _INSTANT.to_representation(row["start"]),
            "end": _INSTANT.to_representation(row["end"]),
            "status": row["status"],
            "fraction_number": row["fraction_number"],
            "override_reason": row["override_reason"],
            "retrospective_reason": row["retrospective_reason"],
            "staff": [{"id": str(p["resource__public_id"]), "code": p["resource__code"],
                       "name": p["resource__name"], "kind": p["resource__kind"]}
                      for p in row["people"]],
            "version": row["version"],
        }


class ViolationOut(serializers.Serializer):
    """A timing-rule finding (R1..R18) as computed now, not yet stored."""

    rule = serializers.CharField()
    rule_code = serializers.CharField()
    severity = serializers.CharField()
    bookings = serializers.ListField(child=serializers.CharField())
    off_by_minutes = serializers.IntegerField()
    message = serializers.CharField()
    scope_note = serializers.CharField(
        help_text="Set when the rule was applied at patient scope because a target lesion is "
                  "missing (e.g. \"applied at patient scope: the surgery has no target "
                  "lesion\"); empty otherwise.")


class StoredViolationOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    rule = serializers.CharField(source="rule_id")
    rule_code = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.CharField()
    bookings = serializers.ListField(source="booking_public_ids", child=serializers.CharField())
    off_by_minutes = serializers.IntegerField()
    message = serializers.CharField()
    acknowledged_reason = serializers.CharField()
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()

