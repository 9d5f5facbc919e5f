"""Case endpoints: one APIView per operation (parse, authorise, call, serialise).

Access (core.api.permissions.RoleAndScope): coordinators and administrators, and system clients
with ``cases:write``, submit and change cases; board members (and ``cases:read`` clients) read
the cases the access policy lets them see. A case outside the caller's scope is a 404, and every
access, including a refused one, leaves an audit row with the patient pseudonym.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.base import CasesApiView, validated
from cases.api.serializers import (
    CaseFieldsSerializer,
    CaseOutputSerializer,
    LesionInputSerializer,
    PatientInputSerializer,
)
from cases.domain.codes import CaseStatus, Urgency
from cases.domain.intake import lesion_inconsistencies
from cases.models import Case
from cases.selectors import (
    case_decision_support,
    case_get_visible,
    case_history,
    case_is_emergency,
    case_list_filtered,
    case_readiness,
    patient_identity,
    site_parameter_list,
    site_thresholds_effective,
)
from cases.services import (
    case_create,
    case_transition,
    case_update,
    site_parameter_set,
)
from core.access import ROLE_ADMIN, ROLE_COORDINATOR, ROLE_MEMBER
from core.api.base import PageAudit
from core.api.concurrency import etag_for, expected_version
from core.api.exceptions import flatten_errors
from core.api.fields import WindowDateField
from core.api.idempotency import idempotent
from core.audit import audit_record
from core.errors import RuleError
from core.models import AuditEvent

READ = ({ROLE_COORDINATOR, ROLE_MEMBER}, "cases:read")
WRITE = ({ROLE_COORDINATOR}, "cases:write")


def _validated_intake(serializer: serializers.Serializer) -> dict[str, Any]:
    """Validate a case submission, reporting every problem in one round: the field errors
    *and* the contradictions within each lesion (cases/domain/intake.py), which DRF would
    otherwise check only once every field of that lesion is valid."""
    if serializer.is_valid():
        return dict(serializer.validated_data)
    errors = flatten_errors(serializer.errors)
    seen = {(e["field"], e["rule"]) for e in errors}
    fields = {e["field"] for e in errors}
    raw = serializer.initial_data if isinstance(serializer.initial_data, Mapping) else {}
    lesions = raw.get("lesions")
    for index, lesion in enumerate(lesions if isinstance(lesions, list) else []):
        if not isinstance(lesion, Mapping):
            continue
        for issue in lesion_inconsistencies(lesion):
            error = issue.as_dict(f"lesions[{index}]")
            if (error["field"], error["rule"]) not in seen and error["field"] not in fields:
                errors.append(error)
    raise RuleError("Invalid case data: " + "; ".join(
        f"{e['field']}: {e['message']}" for e in errors), errors=errors)


def _case_body(case: Case) -> dict[str, Any]:
    body = dict(CaseOutputSerializer(case).data)
    body["decision_support"] = case_decision_support(case=case)
    body["readiness"] = case_readiness(case=case)
    return body


def _case_replay_audit(body: Mapping[str, Any]) -> tuple[str, object, object]:
    """What an Idempotency-Key replay of a case body discloses (core.api.idempotency)."""
    return "case", body["id"], body["patient"]["id"]


class _CaseObjectApi(CasesApiView):
    """What the case endpoints share beyond the lookup: the audit row of a change."""

    def audit(self, case: Case, action: str, detail: dict[str, Any] | None = None) -> None:
        audit_record(
            principal=self.principal, action=action, object_type="case",
            object_id=case.public_id, patient_pseudonym=case.patient.public_id,
            path=self.request.path, detail=detail,
        )

    def respond(self, case: Case, status_code: int = status.HTTP_200_OK) -> Response:
        response = Response(_case_body(case), status=status_code)
        response["ETag"] = etag_for(case.version)
        return response


class CaseListApi(CasesApiView):
    """GET /api/v1/cases/ — visible cases, filtered and paginated."""

    access = {"GET": READ}
    audit_action = AuditEvent.Action.LIST

    @extend_schema_serializer(component_name="CaseListFilter")
    class FilterSerializer(serializers.Serializer):
        status = serializers.ListField(
            child=serializers.ChoiceField(choices=CaseStatus.choices()), required=False
        )
        urgency = serializers.ListField(
            child=serializers.ChoiceField(choices=Urgency.choices()), required=False
        )
        board = serializers.SlugField(required=False)
        submitted_from = WindowDateField(required=False)
        submitted_to = WindowDateField(required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            start, end = attrs.get("submitted_from"), attrs.get("submitted_to")
            if start and end and start > end:
                raise serializers.ValidationError(
                    {"submitted_to": ["Must not be before submitted_from."]}, code="range"
                )
            return attrs

    @extend_schema_serializer(component_name="CaseListOutput")
    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField(source="public_id")
        patient = serializers.UUIDField(source="patient.public_id")
        status = serializers.CharField()
        urgency = serializers.CharField()
        requested_board = serializers.CharField()
        primary_histology = serializers.CharField()
        referring_clinician = serializers.CharField()
        lesion_count = serializers.SerializerMethodField()
        emergency = serializers.SerializerMethodField()
        version = serializers.IntegerField()
        submitted_at = serializers.DateTimeField()

        def get_lesion_count(self, case: Case) -> int:
            return len(case.lesions.all())  # prefetched: no query per row

        def get_emergency(self, case: Case) -> bool:
            return case_is_emergency(case=case, thresholds=self.context["thresholds"])

    @extend_schema(operation_id="case_list", responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        params: dict[str, Any] = {}
        for name in ("status", "urgency"):
            values = [v for raw in request.query_params.getlist(name) for v in raw.split(",") if v]
            if values:
                params[name] = values
        for name in ("board", "submitted_from", "submitted_to"):
            if request.query_params.get(name):
                params[name] = request.query_params[name]
        filters = validated(self.FilterSerializer(data=params))
        queryset = case_list_filtered(principal=self.principal, **filters)
        return self.paginated(
            queryset, self.OutputSerializer,
            audit=PageAudit(AuditEvent.Action.LIST, "case",
                            lambda case: (case.public_id, case.patient.public_id)),
            context={"thresholds": site_thresholds_effective()})


class CaseCreateApi(_CaseObjectApi):
    """POST /api/v1/cases/ — submit a case with its patient and lesions in one request.

    201 when created; 200 with the existing case when (source_system, external_id) was already
    submitted. Honours Idempotency-Key (required for system clients).
    """

    access = {"POST": WRITE}
    audit_action = AuditEvent.Action.CREATE
    idempotency_key = "optional"  # published; required for system clients (core.api.idempotency)

    @extend_schema_serializer(component_name="CaseCreateInput")
    class InputSerializer(CaseFieldsSerializer):
        source_system = serializers.CharField(max_length=100, required=False)
        external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
        patient = PatientInputSerializer()
        lesions = LesionInputSerializer(many=True, allow_empty=False)

    @extend_schema(operation_id="case_create", request=InputSerializer,
                   responses={201: CaseOutputSerializer, 200: CaseOutputSerializer})
    def post(self, request: Request) -> Response:
        return idempotent(request, endpoint="cases.case_create", handler=self._create,
                          replay_audit=_case_replay_audit)

    def _create(self) -> Response:
        data = _validated_intake(self.InputSerializer(data=self.request.data,
                                                      context={"principal": self.principal}))
        case, created = case_create(principal=self.principal, data=data)
        self.audit(case, AuditEvent.Action.CREATE if created else AuditEvent.Action.READ,
                   detail=None if created else {"existing": True})
        response = self.respond(case, status.HTTP_201_CREATED if created else status.HTTP_200_OK)
        response["Location"] = f"/api/v1/cases/{case.public_id}/"
        return response


class CaseDetailApi(_CaseObjectApi):
    """GET /api/v1/cases/<id>/ — the case with its decision support and readiness (ETag)."""

    access = {"GET": READ}

    @extend_schema(operation_id="case_read", responses=CaseOutputSerializer)
    def get(self, request: Request, public_id: object) -> Response:
        case = self.get_case(public_id)
        self.audit(case, AuditEvent.Action.READ)
        response = self.respond(case)
        # Who the patient is, only for those entitled (cases.selectors.may_identify), audited.
        identity = patient_identity(self.principal, case, path=request.path)
        if identity is not None:
            response.data["identification"] = identity.as_dict()
        return response


class CaseUpdateApi(_CaseObjectApi):
    """PATCH /api/v1/cases/<id>/ — change fields and lesions; If-Match required (428/412)."""

    access = {"PATCH": WRITE}
    audit_action = AuditEvent.Action.UPDATE

    @extend_schema_serializer(component_name="CaseUpdateInput")
    class InputSerializer(CaseFieldsSerializer):
        lesions = LesionInputSerializer(many=True, required=False)
        remove_lesions = serializers.ListField(child=serializers.UUIDField(), required=False)

    @extend_schema(operation_id="case_update", request=InputSerializer,
                   responses=CaseOutputSerializer)
    def patch(self, request: Request, public_id: object) -> Response:
        case = self.get_case(public_id)
        version = expected_version(request)
        data = validated(self.InputSerializer(data=request.data, partial=True,
                                             context={"principal": self.principal}))
        case = case_update(principal=self.principal, case=case, data=data,
                           expected_version=version)
        self.audit(case, AuditEvent.Action.UPDATE, detail={"fields": sorted(data)})
        return self.respond(case)


class CaseTransitionApi(_CaseObjectApi):
    """POST /api/v1/cases/<id>/transition/ {"to", "reason"} — move along the lifecycle.

    An illegal move is 409 listing the allowed ones; "ready_for_mdt" while readiness
    requirements are open is 409 listing every missing item (``missing``, and one error per
    item); If-Match is optional (412 when stale).
    """

    access = {"POST": WRITE}
    audit_action = AuditEvent.Action.UPDATE
    if_match = "optional"  # published in the schema: a stale ETag is 412

    @extend_schema_serializer(component_name="CaseTransitionInput")
    class InputSerializer(serializers.Serializer):
        to = serializers.ChoiceField(choices=CaseStatus.choices())
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(operation_id="case_transition", request=InputSerializer,
                   responses=CaseOutputSerializer)
    def post(self, request: Request, public_id: object) -> Response:
        case = self.get_case(public_id)
        version = expected_version(request) if request.headers.get("If-Match") else None
        data = validated(self.InputSerializer(data=request.data))
        to = data["to"]
        case_transition(case=case, to_status=to, principal=self.principal,
                        reason=data.get("reason", ""), expected_version=version)
        case = case_get_visible(principal=self.principal, public_id=case.public_id)
        self.audit(case, AuditEvent.Action.UPDATE, detail={"transition": to})
        return self.respond(case)


class CaseHistoryApi(_CaseObjectApi):
    """GET /api/v1/cases/<id>/history/ — status changes and revision snapshots."""

    access = {"GET": READ}

    @extend_schema(operation_id="case_history", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, public_id: object) -> Response:
        case = self.get_case(public_id)
        self.audit(case, AuditEvent.Action.READ, detail={"history": True})
        return Response({"id": str(case.public_id), **case_history(case=case)})


# --- site parameters (administrators only) -----------------------------------------------------

# scope None: people only (no system client may change clinical thresholds).
ADMIN_ONLY = ({ROLE_ADMIN}, None)


class SiteParameterListApi(CasesApiView):
    """GET /api/v1/site-parameters/ — every decision-support threshold with its range."""

    access = {"GET": ADMIN_ONLY}

    @extend_schema(operation_id="site_parameter_list", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response({"results": site_parameter_list()})


class SiteParameterUpdateApi(CasesApiView):
    """PUT /api/v1/site-parameters/<key>/ {"value": number | null, "reason": "..."}.

    A value outside the parameter's range is 400 naming the key and the range; null resets
    the parameter to its clinical-rules.md default.
    """

    access = {"PUT": ADMIN_ONLY}

    @extend_schema_serializer(component_name="SiteParameterUpdateInput")
    class InputSerializer(serializers.Serializer):
        value = serializers.FloatField(allow_null=True)
        reason = serializers.CharField(max_length=300)

    @extend_schema(operation_id="site_parameter_update", request=InputSerializer,
                   responses=OpenApiTypes.OBJECT)
    def put(self, request: Request, key: str) -> Response:
        data = validated(self.InputSerializer(data=request.data))
        site_parameter_set(principal=self.principal, key=key, value=data["value"],
                           reason=data["reason"])
        row = next(item for item in site_parameter_list() if item["key"] == key)
        return Response(row)
