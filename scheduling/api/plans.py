"""``/api/v1/plans/{id}/``: a plan's validation (violations, verdicts, deadlines, windows) and
solver proposals for its unbooked procedures.

Plans are read in the caller's case scope (404 outside it); each call is one audit row with the
patient's pseudonym (docs/security.md, S8); applying a proposal adds one create row per booking.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.audit import audit_record
from core.models import AuditEvent
from scheduling import selectors, services
from scheduling.api.base import READ, WRITE, SchedulingApiView
from scheduling.api.serializers import StoredViolationOut, ViolationOut
from scheduling.domain.types import Severity, violation_body
from scheduling.domain.verdicts import RuleVerdict, VerdictStatus


class VerdictOut(serializers.Serializer):
    """One rule's verdict on the plan (issue 11, item 3): a rule is never skipped in silence."""

    rule = serializers.CharField(help_text="R1..R18, or same_session.")
    rule_code = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["satisfied", "violated", "pending", "not_applicable"],
        help_text="pending: the rule binds the pair but a procedure is not booked yet; "
                  "not_applicable: the rule does not bind them (reason says why).")
    procedures = serializers.ListField(child=serializers.UUIDField())
    reason = serializers.CharField()
    scope_note = serializers.CharField()
    basis = serializers.CharField(
        help_text="Why the rule binds the pair: linked (one prepares the other), same_lesion, "
                  "same_patient, patient_fallback (a target lesion is missing) or "
                  "same_session.")


class DeadlineOut(serializers.Serializer):
    """A clock running for the plan from a case event (R9-R11): the suspicion of MSCC or of
    spinal metastases, or the decision to treat."""

    rule = serializers.CharField(source="rule_id")
    rule_code = serializers.CharField()
    severity = serializers.CharField(help_text="The rule's severity while the deadline can be "
                                               "met; a missed deadline is reported as soft.")
    event = serializers.ChoiceField(choices=["suspicion", "decision_to_treat"])
    event_at = serializers.DateTimeField()
    due = serializers.DateTimeField(help_text="The measured procedure must start by then.")
    procedure_types = serializers.ListField(child=serializers.CharField())
    missed = serializers.BooleanField(help_text="The deadline has passed: book the earliest "
                                                "slot.")
    message = serializers.CharField()


def _verdict_body(v: RuleVerdict) -> dict[str, Any]:
    """One rule's verdict on a pair of procedures (issue 11, item 3): satisfied, violated,
    pending (one not booked yet) or not_applicable, with the reason; never silent."""
    return {
        "rule": v.rule_id,
        "rule_code": v.rule_code,
        "severity": v.severity,
        "status": v.status.value,
        "procedures": list(v.procedure_ids),
        "reason": v.reason,
        "scope_note": v.scope_note,
        "basis": v.basis,
    }


def _deadline_body(deadline: Any, *, tz: str, now: Any) -> dict[str, Any]:
    return {
        "rule": deadline.rule_id, "rule_code": deadline.rule_code,
        "severity": deadline.severity_at(now).value, "event": deadline.event,
        "event_at": deadline.event_at, "due": deadline.due,
        "procedure_types": sorted(deadline.procedure_types),
        "missed": deadline.missed(now),
        "message": f"{deadline.rule_id}: {deadline.describe(tz)}.",
    }


class PlanValidationApi(SchedulingApiView):
    """GET /plans/{id}/validation/: current violations, stored ones (with acknowledgements), a
    verdict per rule and pair of procedures (satisfied, violated, pending, not_applicable with
    the reason), the case clocks running for the plan (R9-R11: ``deadlines``, from the MSCC
    suspicion or the decision to treat) and allowed start windows for each procedure not yet
    booked (narrowed to those deadlines)."""

    access = {"GET": READ}

    @extend_schema(operation_id="plan_validation", responses=inline_serializer(
        "PlanValidationOutput", {
            "plan": serializers.UUIDField(),
            "valid": serializers.BooleanField(),
            "violations": ViolationOut(many=True),
            "stored_violations": StoredViolationOut(many=True),
            "verdicts": VerdictOut(many=True),
            "deadlines": DeadlineOut(many=True),
            "windows": inline_serializer("PlanProcedureWindows", {
                "procedure": serializers.UUIDField(),
                "procedure_type": serializers.CharField(),
                "hard": inline_serializer("PlanWindow", {
                    "earliest": serializers.DateTimeField(allow_null=True),
                    "latest": serializers.DateTimeField(allow_null=True),
                }, many=True),
                "preferred": inline_serializer("PlanPreferredWindow", {
                    "earliest": serializers.DateTimeField(allow_null=True),
                    "latest": serializers.DateTimeField(allow_null=True),
                }, many=True),
                "rules": serializers.ListField(child=serializers.CharField()),
            }, many=True),
        }))
    def get(self, request: Request, public_id: object) -> Response:
        plan = selectors.plan_get(principal=self.principal, public_id=str(public_id))
        now = timezone.now()
        report = selectors.plan_validation_report(plan=plan, now=now)
        audit_record(principal=self.principal, action=AuditEvent.Action.READ,
                     object_type="plan_validation", object_id=plan.public_id,
                     patient_pseudonym=plan.case.patient.public_id, path=request.path)
        return Response({
            "plan": str(plan.public_id),
            "valid": not any(v.severity == Severity.HARD for v in report.violations) and not any(
                v.status == VerdictStatus.VIOLATED and v.severity == Severity.HARD
                for v in report.verdicts),
            "violations": [violation_body(v) for v in report.violations],
            "stored_violations": StoredViolationOut(report.stored, many=True).data,
            "verdicts": [_verdict_body(v) for v in report.verdicts],
            "deadlines": [_deadline_body(d, tz=report.tz, now=now) for d in report.deadlines],
            "windows": [
                {
                    "procedure": str(item["procedure"].public_id),
                    "procedure_type": item["procedure"].procedure_type,
                    "hard": [{"earliest": w.earliest, "latest": w.latest}
                             for w in item["windows"].hard],
                    "preferred": [{"earliest": w.earliest, "latest": w.latest}
                                  for w in item["windows"].preferred],
                    "rules": list(item["windows"].reasons),
                }
                for item in report.windows
            ],
        })


class PlanProposalCreateApi(SchedulingApiView):
    """POST /plans/{id}/proposals/: a CP-SAT proposal for the plan's unbooked procedures, in the
    request (interactive: one plan solves in tens of milliseconds, docs/benchmarks.md); with
    ``apply`` the proposal is booked as ``proposed`` bookings (201). At most 5 s of solving: a
    longer search, or a repair, is a solver run (``plans/{id}/solver-runs/``) on a worker.
    Like a run, it books nothing sooner than the site's notice for the case's urgency (site
    parameters ``notice_routine_hours``, ``notice_urgent_hours``; none for an emergency or a
    running hard clock)."""

    access = {"POST": WRITE}

    class InputSerializer(serializers.Serializer):
        horizon_days = serializers.IntegerField(min_value=1, max_value=90, default=28)
        apply = serializers.BooleanField(default=False)
        time_limit_seconds = serializers.FloatField(
            min_value=0.5, max_value=5, default=5,
            help_text="At most 5 s in a request; queue a solver run for longer.")

    class OutputSerializer(serializers.Serializer):
        plan = serializers.UUIDField()
        status = serializers.CharField()
        message = serializers.CharField()
        bookings = inline_serializer("PlanProposalBooking", {
            "procedure": serializers.UUIDField(),
            "resource": serializers.UUIDField(),
            "start": serializers.DateTimeField(),
            "end": serializers.DateTimeField(),
            "fraction": serializers.IntegerField(allow_null=True),
            "staff": serializers.ListField(
                child=serializers.UUIDField(),
                help_text="The people booked with the room (public ids), one per kind the "
                          "procedure needs; applying the proposal books exactly them."),
        }, many=True)
        warnings = ViolationOut(many=True)
        applied = serializers.ListField(child=serializers.UUIDField())

    @extend_schema(operation_id="plan_proposal_create", request=InputSerializer,
                   responses={200: OutputSerializer, 201: OutputSerializer})
    def post(self, request: Request, public_id: object) -> Response:
        plan = selectors.plan_get(principal=self.principal, public_id=str(public_id))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        proposal = services.plan_proposal_make(plan=plan, horizon_days=v["horizon_days"],
                                               time_limit=v["time_limit_seconds"])
        # A proposal reads the plan (its procedures, bookings and patient's other bookings):
        # one read row, whether or not it is applied (applying adds one create row per booking).
        audit_record(principal=self.principal, action=AuditEvent.Action.READ,
                     object_type="plan_proposal", object_id=plan.public_id,
                     patient_pseudonym=plan.case.patient.public_id, path=request.path,
                     detail={"apply": v["apply"], "status": proposal.status})
        body: dict[str, Any] = {
            "plan": str(plan.public_id),
            "status": proposal.status,
            "message": proposal.message,
            "bookings": [
                {"procedure": b.procedure_id, "resource": b.resource_id, "start": b.start,
                 "end": b.end, "fraction": b.fraction, "staff": list(b.staff)}
                for b in proposal.bookings
            ],
            "warnings": [violation_body(w) for w in proposal.violations],
            "applied": [],
        }
        if v["apply"] and proposal.bookings:
            created = services.plan_proposal_apply(plan=plan, proposal=proposal,
                                                   principal=self.principal)
            body["applied"] = [str(b.public_id) for b in created]
            return Response(body, status=status.HTTP_201_CREATED)
        return Response(body)
