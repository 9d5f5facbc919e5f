"""Decisions: ``agenda-items/<id>/decision/`` (record, Idempotency-Key), ``agenda-items/<id>/
ratify/`` (an emergency decision at the next regular meeting), ``decisions/<id>/`` (read,
audited) and ``decisions/<id>/amend/`` (If-Match: 428 missing, 412 stale).

The structured outcome (issue 12): ``outcome_category``, ``intent``, ``follow_up`` and
``responsible_clinician`` (a board member's username) are optional in the schema, so a client
that sends only ``outcome_text``/``procedures`` keeps working on a board whose outcome template
does not make them mandatory. The board's template decides, for the API and the pages alike:
a mandatory field left out is a 400 problem naming it (rule ``required``, one error per field).
The default template makes ``outcome_category``, ``intent`` and ``responsible_clinician``
mandatory. On an amendment, a field left out is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from boardsvc import selectors, services
from boardsvc.domain.errors import BoardRuleError
from boardsvc.domain.outcome import OutcomeCategory
from boardsvc.models import Decision
from cases import selectors as case_selectors
from cases.domain.codes import EmbolizationPurpose, Intent, ProcedurePurpose, ProcedureType
from cases.domain.purposes import legacy_purpose, purpose_problem
from core.access import Principal
from core.api.base import validated
from core.api.concurrency import etag_for, expected_version
from core.api.idempotency import idempotent
from core.audit import audit_record
from core.models import AuditEvent

from .base import MANAGE, READ, BoardsApi


class ProcedureInput(serializers.Serializer):
    """One procedure of the plan. ``purpose`` (why it is done: it decides the timing rules
    that bind it) and ``prepares_index`` (the index, in this list, of the procedure it
    prepares: a pre-operative embolization → its surgery, a pre-ablation embolization → its
    ablation) link the plan as decision support suggested it (issue 11, item 2)."""

    procedure_type = serializers.ChoiceField(choices=ProcedureType.choices())
    intent = serializers.ChoiceField(choices=Intent.choices())
    purpose = serializers.ChoiceField(
        choices=ProcedurePurpose.choices(), required=False, allow_blank=True,
        help_text="Allowed per procedure type: an embolization is pre_operative, pre_ablation, "
                  "palliative, curative or post_operative; an ablation curative or palliative; "
                  "other procedures carry none.")
    prepares_index = serializers.IntegerField(
        required=False, allow_null=True, min_value=0,
        help_text="Index in this list of the procedure this one prepares (needs purpose "
                  "pre_operative → surgery/osteosynthesis, or pre_ablation → an ablation).")
    embolization_purpose = serializers.ChoiceField(
        choices=[*EmbolizationPurpose.choices(),
                 *((c, label) for c, label in ProcedurePurpose.choices()
                   if c not in {e.value for e in EmbolizationPurpose})],
        required=False, allow_blank=True,
        help_text="Deprecated alias of purpose for an embolization (\"adjuvant\" is read as "
                  "\"pre_ablation\"). Send purpose instead.")
    target_lesion = serializers.UUIDField(required=False, allow_null=True)
    fractions = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                         max_value=50)
    dose_gy = serializers.DecimalField(required=False, allow_null=True, max_digits=5,
                                       decimal_places=2, min_value=0, max_value=200)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=300)
    same_session_with_index = serializers.IntegerField(required=False, allow_null=True,
                                                       min_value=0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs["procedure_type"]
        legacy = attrs.get("embolization_purpose") or ""
        if legacy and kind != "embolization":
            raise serializers.ValidationError({"embolization_purpose": serializers.ErrorDetail(
                "Only an embolization has an embolization purpose; send purpose.",
                code="only_embolization")})
        purpose = attrs.get("purpose") or ""
        if legacy and purpose and legacy_purpose(legacy) != purpose:
            raise serializers.ValidationError({"embolization_purpose": serializers.ErrorDetail(
                "purpose and the deprecated embolization_purpose disagree; send purpose only.",
                code="conflict")})
        problem = purpose_problem(kind, purpose or legacy_purpose(legacy))
        if problem is not None:
            raise serializers.ValidationError({"purpose": serializers.ErrorDetail(
                problem, code="purpose_not_allowed")})
        return attrs


class OutcomeFields(serializers.Serializer):
    """The structured outcome (mandatory as the board's outcome template says)."""

    outcome_category = serializers.ChoiceField(
        choices=[c.value for c in OutcomeCategory], required=False, allow_blank=True)
    intent = serializers.ChoiceField(choices=Intent.choices(), required=False, allow_blank=True)
    follow_up = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    responsible_clinician = serializers.CharField(
        max_length=150, required=False, allow_blank=True,
        help_text="Username of an active member of the board.")


def _clinician(values: Mapping[str, Any]) -> Any:
    """The responsible clinician named by username (None when not given); an unknown name is a
    400 naming the field. Board membership is the service's check."""
    username = values.get("responsible_clinician") or ""
    if not username:
        return None
    user = selectors.active_user(username=username)
    if user is None:
        raise BoardRuleError("There is no active user with this username.",
                             field="responsible_clinician", rule="unknown_user")
    return user


class DecisionOutput(serializers.Serializer):
    public_id = serializers.UUIDField()
    version = serializers.IntegerField()
    meeting = serializers.UUIDField(source="meeting.public_id")
    agenda_item = serializers.UUIDField(source="agenda_item.public_id")
    case = serializers.UUIDField(source="case.public_id")
    outcome_text = serializers.CharField()
    outcome_category = serializers.CharField()
    intent = serializers.CharField()
    follow_up = serializers.CharField()
    responsible_clinician = serializers.SerializerMethodField()
    procedures = serializers.ListField(child=serializers.DictField())
    plan = serializers.UUIDField(source="plan_public_id", allow_null=True)
    suggestions_snapshot = serializers.DictField()
    followed_suggestions = serializers.BooleanField()
    departures = serializers.ListField(child=serializers.DictField())
    override_reason = serializers.CharField()
    quorum_met = serializers.BooleanField()
    quorum = serializers.DictField(source="quorum_snapshot")
    emergency = serializers.BooleanField()
    ratification_required = serializers.BooleanField()
    ratified_at = serializers.DateTimeField(allow_null=True)
    recorded_by = serializers.SerializerMethodField()
    recorded_at = serializers.DateTimeField()
    amended_at = serializers.DateTimeField(allow_null=True)
    revisions = serializers.SerializerMethodField()

    def get_recorded_by(self, obj: Decision) -> str:
        if obj.recorded_by_id:
            return obj.recorded_by.get_username()
        return f"client:{obj.recorded_by_client}" if obj.recorded_by_client else "system"

    def get_responsible_clinician(self, obj: Decision) -> str | None:
        return (obj.responsible_clinician.get_username() if obj.responsible_clinician_id
                else None)

    def get_revisions(self, obj: Decision) -> list[dict[str, Any]]:
        return [{"version": r.version, "at": r.at, "reason": r.reason, "snapshot": r.snapshot}
                for r in obj.revisions.all()]


def _decision_response(principal: Principal, public_id: Any, code: int = 200) -> Response:
    decision = selectors.decision_get_visible(principal=principal, public_id=public_id)
    return _decision_body(decision, code)


def _decision_body(decision: Decision, code: int = 200) -> Response:
    response = Response(DecisionOutput(decision).data, status=code)
    response["ETag"] = etag_for(decision.version)
    return response


def _decision_replay_audit(body: Mapping[str, Any]) -> tuple[str, object, object]:
    """What an Idempotency-Key replay of a decision body discloses (core.api.idempotency).
    The body names the case, not the patient: the pseudonym is looked up."""
    return ("decision", body["public_id"],
            case_selectors.case_pseudonym_for(public_id=str(body["case"])))


class DecisionCreateApi(BoardsApi):
    """Record the decision on an agenda item (the meeting must be in session).

    Takes an optional Idempotency-Key (required for system clients)."""

    access = {"POST": MANAGE}
    idempotency_key = "optional"  # published; required for system clients (core.api.idempotency)

    class InputSerializer(OutcomeFields):
        outcome_text = serializers.CharField(max_length=5000)
        procedures = ProcedureInput(many=True, required=False, default=list)
        override_reason = serializers.CharField(max_length=2000, required=False,
                                                allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: DecisionOutput})
    def post(self, request: Request, public_id: Any) -> Response:
        item = self.agenda_item(public_id)
        self.require_manager(item.meeting.board_id)

        def handler() -> Response:
            values = validated(self.InputSerializer(data=request.data))
            decision = services.decision_record(
                item=item, outcome_text=values["outcome_text"],
                procedures=[dict(p) for p in values["procedures"]],
                override_reason=values["override_reason"], principal=self.principal,
                outcome_category=values.get("outcome_category", ""),
                intent=values.get("intent", ""), follow_up=values.get("follow_up", ""),
                responsible_clinician=_clinician(values))
            response = _decision_response(self.principal, decision.public_id, 201)
            response["Location"] = f"/api/v1/decisions/{decision.public_id}/"
            return response

        return idempotent(request, endpoint=f"decision-create:{item.public_id}", handler=handler,
                          replay_audit=_decision_replay_audit)


class DecisionRatifyApi(BoardsApi):
    """Ratify an emergency decision from its ratification item at a regular meeting."""

    access = {"POST": MANAGE}

    @extend_schema(request=None, responses=DecisionOutput)
    def post(self, request: Request, public_id: Any) -> Response:
        item = self.agenda_item(public_id)
        self.require_manager(item.meeting.board_id)
        decision = services.decision_ratify(item=item, principal=self.principal)
        return _decision_response(self.principal, decision.public_id)


class DecisionDetailApi(BoardsApi):
    access = {"GET": READ}

    @extend_schema(responses=DecisionOutput)
    def get(self, request: Request, public_id: Any) -> Response:
        decision = self.decision(public_id)
        # The patient's pseudonym, not the case id (issue 10, item 7).
        audit_record(principal=self.principal, action=AuditEvent.Action.READ,
                     object_type="decision", object_id=decision.public_id,
                     patient_pseudonym=decision.case.patient.public_id, path=request.path)
        return _decision_body(decision)


class DecisionAmendApi(BoardsApi):
    """Amend a decision after the meeting; needs If-Match (428 missing, 412 stale). The
    original stays visible in ``revisions``."""

    access = {"PATCH": MANAGE}

    class InputSerializer(OutcomeFields):
        reason = serializers.CharField(max_length=300)
        outcome_text = serializers.CharField(max_length=5000, required=False)
        procedures = ProcedureInput(many=True, required=False)
        override_reason = serializers.CharField(max_length=2000, required=False,
                                                allow_blank=True)

    @extend_schema(request=InputSerializer, responses=DecisionOutput)
    def patch(self, request: Request, public_id: Any) -> Response:
        decision = self.decision(public_id)
        self.require_manager(decision.meeting.board_id)
        version = expected_version(request)
        values = validated(self.InputSerializer(data=request.data))
        services.decision_amend(
            decision=decision, expected_version=version, reason=values["reason"],
            principal=self.principal, outcome_text=values.get("outcome_text"),
            procedures=([dict(p) for p in values["procedures"]]
                        if "procedures" in values else None),
            override_reason=values.get("override_reason"),
            outcome_category=values.get("outcome_category"), intent=values.get("intent"),
            follow_up=values.get("follow_up"), responsible_clinician=_clinician(values))
        return _decision_response(self.principal, public_id)
