"""Pathway clocks (issue 13; scheduling.domain.pathway, clinical-rules.md R16):

- ``GET cases/{id}/clocks/``: one case's clocks (referral → MDT, decision → first treatment,
  referral → first treatment), with its active plan's rule deadlines (R9-R11, and the R1
  window while a pre-operative embolization is booked and its surgery is not) and allowed
  windows (R1 and the other lag rules). Board members see their boards' cases, 404 otherwise;
  audited;
- ``GET clocks/?breaching_within=<days>``: open cases with a running clock due within that many
  days (breached ones included), soonest first, paginated and audited (coordinators);
- ``GET clock-targets/`` and ``PATCH clock-targets/{code}/`` (administrators, If-Match): the
  targets as data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cases import selectors as case_selectors
from core.access import Role
from core.api.base import PageAudit, validated
from core.api.concurrency import etag_for, expected_version
from core.audit import audit_record
from core.models import AuditEvent
from core.timezones import zone_name
from scheduling import services
from scheduling.api.base import ADMIN_ONLY, READ, SchedulingApiView
from scheduling.domain import pathway
from scheduling.domain.pathway import ClockReading
from scheduling.selectors import pathway as clock_selectors

COORDINATORS = ({Role.COORDINATOR}, "bookings:read")
#: The longest look-ahead ``breaching_within`` accepts (the longest target a site may set).
MAX_WITHIN_DAYS = pathway.TARGET_DAYS_RANGE[1]


def clock_json(reading: ClockReading, names: dict[str, str]) -> dict[str, Any]:
    left = reading.time_left
    return {
        "clock": reading.clock_id,
        "code": reading.code,
        "name": names.get(reading.code, ""),
        "state": reading.state.value,
        "started_at": reading.started_at,
        "due_at": reading.due_at,
        "stopped_at": reading.stopped_at,
        "time_left_seconds": None if left is None else int(left.total_seconds()),
        "days_left": None if left is None else pathway.whole_days(left),
        "breached": reading.breached,
    }


class ClockOut(serializers.Serializer):
    clock = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=[s.value for s in pathway.ClockState])
    started_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True)
    time_left_seconds = serializers.IntegerField(allow_null=True)
    days_left = serializers.IntegerField(allow_null=True)
    breached = serializers.BooleanField()


class CaseClockRowOut(serializers.Serializer):
    """One case of the breaching list (``context``: targets, now)."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        targets = self.context["targets"]
        now = self.context["now"]
        names = {t.code: t.name for t in targets}
        next_due = clock_selectors.next_due(instance)
        return {
            "case": str(instance.public_id),
            "patient": str(instance.patient.public_id),
            "status": instance.status,
            "urgency": instance.urgency,
            "next_due_at": serializers.DateTimeField().to_representation(next_due)
            if next_due else None,
            "clocks": ClockOut([clock_json(r, names) for r in clock_selectors.readings(
                instance, targets=targets, now=now)], many=True).data,
        }


def _deadline_json(deadline: Any, now: datetime) -> dict[str, Any]:
    left = deadline.due - now
    return {
        "rule": deadline.rule_id,
        "code": deadline.rule_code,
        "severity": deadline.severity.value,
        "event": deadline.event,
        "event_at": deadline.event_at,
        "due_at": deadline.due,
        "procedure_types": sorted(deadline.procedure_types),
        "time_left_seconds": int(left.total_seconds()),
        "missed": deadline.missed(now),
        "rationale": deadline.rationale,
        "source": deadline.source,
    }


def _window_json(entry: dict[str, Any]) -> dict[str, Any]:
    placed = entry["windows"]
    return {
        "procedure": str(entry["procedure"].public_id),
        "procedure_type": entry["procedure"].procedure_type,
        "allowed": [{"earliest": w.earliest, "latest": w.latest} for w in placed.hard],
        "preferred": [{"earliest": w.earliest, "latest": w.latest}
                      for w in placed.preferred],
        "rules": list(placed.reasons),
    }


class CaseClocksApi(SchedulingApiView):
    """GET /cases/{id}/clocks/: the case's pathway clocks and its plan's rule deadlines."""

    access = {"GET": READ}

    @extend_schema(operation_id="case_clocks", responses=inline_serializer("CaseClocks", {
        "case": serializers.UUIDField(),
        "timezone": serializers.CharField(),
        "now": serializers.DateTimeField(),
        "plan": serializers.UUIDField(allow_null=True),
        "clocks": ClockOut(many=True),
        "rule_deadlines": serializers.ListField(child=serializers.DictField()),
        "windows": serializers.ListField(child=serializers.DictField()),
    }))
    def get(self, request: Request, public_id: Any) -> Response:
        case = self.visible_or_404(case_selectors.case_get_visible, public_id,
                                   object_type="case", label="case")
        now = timezone.now()
        found = clock_selectors.case_clocks(case=case, now=now)
        audit_record(principal=self.principal, action=AuditEvent.Action.READ,
                     object_type="case", object_id=case.public_id,
                     patient_pseudonym=case.patient.public_id, path=request.path,
                     detail={"view": "clocks"})
        names = {t.code: t.name for t in clock_selectors.clock_targets()}
        field = serializers.DateTimeField()
        body = {
            "case": str(case.public_id),
            "timezone": found.tz or zone_name(None),
            "now": field.to_representation(now),
            "plan": str(found.plan.public_id) if found.plan else None,
            "clocks": ClockOut([clock_json(r, names) for r in found.clocks], many=True).data,
            "rule_deadlines": [_deadline_json(d, now) for d in found.deadlines],
            "windows": [_window_json(w) for w in found.windows],
        }
        return Response(_iso(body))


def _iso(value: Any) -> Any:
    """Datetimes as the API writes them, inside nested dicts and lists."""
    if isinstance(value, datetime):
        return serializers.DateTimeField().to_representation(value)
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


class ClockListApi(SchedulingApiView):
    """GET /clocks/?breaching_within=<days>: open cases with a clock due within that many days
    (breached included), soonest first; paginated, one audit row per case shown."""

    access = {"GET": COORDINATORS}

    class FilterSerializer(serializers.Serializer):
        breaching_within = serializers.IntegerField(
            min_value=0, max_value=MAX_WITHIN_DAYS, required=False, default=7,
            help_text="Days ahead of now (0 to 366); breached clocks are always included.")

    @extend_schema(operation_id="clock_list", parameters=[FilterSerializer],
                   responses=inline_serializer("CaseClockRow", {
                       "case": serializers.UUIDField(), "patient": serializers.UUIDField(),
                       "status": serializers.CharField(), "urgency": serializers.CharField(),
                       "next_due_at": serializers.DateTimeField(allow_null=True),
                       "clocks": ClockOut(many=True)}, many=True))
    def get(self, request: Request) -> Response:
        params = validated(self.FilterSerializer(data=request.query_params.dict()))
        now = timezone.now()
        rows, targets = clock_selectors.clocks_breaching(
            principal=self.principal, within=timedelta(days=params["breaching_within"]), now=now)
        return self.paginated(rows, CaseClockRowOut, context={"targets": targets, "now": now},
                              audit=PageAudit(AuditEvent.Action.LIST, "case",
                                              lambda c: (c.public_id, c.patient.public_id)))


class ClockTargetOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    code = serializers.CharField()
    clock = serializers.CharField(source="clock_id")
    name = serializers.CharField()
    start_event = serializers.CharField()
    stop_event = serializers.CharField()
    target_days = serializers.IntegerField()
    alert_lead_days = serializers.IntegerField()
    rationale = serializers.CharField()
    source = serializers.CharField()
    active = serializers.BooleanField()
    version = serializers.IntegerField()


class ClockTargetListApi(SchedulingApiView):
    """GET /clock-targets/: the site's pathway clock targets (28/31/62 days by default)."""

    access = {"GET": READ}

    @extend_schema(operation_id="clock_target_list", responses=ClockTargetOut(many=True))
    def get(self, request: Request) -> Response:
        return self.paginated(clock_selectors.clock_target_list(), ClockTargetOut)


class ClockTargetUpdateApi(SchedulingApiView):
    """PATCH /clock-targets/{code}/ (administrators, If-Match): target, lead time, text."""

    access = {"PATCH": ADMIN_ONLY}

    class InputSerializer(serializers.Serializer):
        target_days = serializers.IntegerField(
            required=False, min_value=pathway.TARGET_DAYS_RANGE[0],
            max_value=pathway.TARGET_DAYS_RANGE[1])
        alert_lead_days = serializers.IntegerField(
            required=False, min_value=pathway.LEAD_DAYS_RANGE[0],
            max_value=pathway.LEAD_DAYS_RANGE[1])
        active = serializers.BooleanField(required=False)
        name = serializers.CharField(required=False, max_length=120)
        rationale = serializers.CharField(required=False)
        source = serializers.CharField(required=False, max_length=300)
        reason = serializers.CharField(max_length=300)

    @extend_schema(operation_id="clock_target_update", request=InputSerializer,
                   responses=ClockTargetOut)
    def patch(self, request: Request, code: str) -> Response:
        target = self.visible_or_404(_target_lookup, code, object_type="clock_target",
                                     label="clock target")
        version = expected_version(request)
        changes = validated(self.InputSerializer(data=request.data))
        reason = changes.pop("reason")
        target = services.clock_target_update(target=target, principal=self.principal,
                                              expected_version=version, changes=changes,
                                              reason=reason)
        response = Response(ClockTargetOut(target).data)
        response["ETag"] = etag_for(target.version)
        return response


def _target_lookup(*, principal: Any, public_id: str) -> Any:
    return clock_selectors.clock_target_get(code=public_id)
