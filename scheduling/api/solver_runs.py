"""Solver runs (issue 14): ``POST /plans/{id}/solver-runs/`` queues a run (202; the solver works
on a worker of the ``solver`` queue, never in the request), ``GET /solver-runs/`` and
``GET /solver-runs/{id}/`` show them with their progress and result, and
``POST /solver-runs/{id}/apply/`` books a finished run's proposal, all or nothing, unless its
inputs changed since (409, the run discarded). scheduling.services.solver_runs does the work.

Runs are read in the caller's case scope (404 outside it); every call is one audit row with the
patient's pseudonym, and applying adds the bookings' own create rows.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import PageAudit
from core.api.fields import AwareDateTimeField
from core.api.idempotency import idempotent
from core.audit import audit_record_many
from core.models import AuditEvent
from scheduling import selectors, services
from scheduling.api.base import READ, WRITE, SchedulingApiView
from scheduling.models import SolverRun


class SolverRunOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    plan = serializers.UUIDField(source="plan.public_id", allow_null=True,
                                 help_text="The plan; null for a waiting-list run.")
    kind = serializers.ChoiceField(choices=SolverRun.Kind.choices)
    plans = serializers.ListField(child=serializers.UUIDField(),
                                  help_text="A waiting-list run's plans.")
    slipped = serializers.ListField(
        child=serializers.DictField(), help_text="A repair's bookings: [{id, version}].")
    status = serializers.ChoiceField(
        choices=SolverRun.Status.choices,
        help_text="queued → running → finished (or failed); finished → applied, or discarded "
                  "when the inputs changed or, at apply time, its first proposed booking has "
                  "already started (409 proposal_passed).")
    outcome = serializers.CharField(help_text="The solver's verdict once finished: optimal, "
                                              "feasible, infeasible or unknown.")
    message = serializers.CharField()
    reason = serializers.ChoiceField(
        choices=[("", "none"), *SolverRun.Reason.choices],
        help_text="Why the run was discarded or failed, as a code (empty otherwise): "
                  "proposal_passed, inputs_changed (before or at apply time), solver_failed. "
                  "``message`` says it in English.")
    requested_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    inputs_at = serializers.DateTimeField(help_text="The instant the problem was built from.")
    horizon_days = serializers.IntegerField()
    not_before = serializers.DateTimeField(
        allow_null=True, help_text="The earliest start asked for, if any.")
    time_limit_s = serializers.FloatField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    applied_at = serializers.DateTimeField(allow_null=True)
    progress = serializers.DictField(
        help_text="While running and after: objective (best so far), bound, elapsed_s, "
                  "solutions.")
    result = serializers.DictField(
        help_text="Once finished: bookings [{procedure, resource, start, end, fraction, staff "
                  "(the people's public ids, one per kind the procedure needs)}, with plan in a "
                  "waiting-list run and replaces {booking, resource, start, end} in a repair], "
                  "warnings (soft rules the proposal still breaks; with plan in a waiting-list "
                  "run) and, in a waiting-list run, skipped {plan public id: why it was left "
                  "to its own run} and bound.")
    applied_bookings = serializers.ListField(child=serializers.UUIDField())
    notice = serializers.DictField(
        help_text="The notice before a first booking (SCH-NOTICE) the run's problem was built "
                  "with, once a worker has started it (empty before): routine_hours and "
                  "urgent_hours (the site's parameters then; an emergency has none) and, for "
                  "one plan, not_before (its earliest new start; null for an emergency, a "
                  "running or missed hard clock, or a notice of 0 h).")
    apply_by = serializers.SerializerMethodField(
        help_text="A finished run can be applied until its first proposed booking starts; "
                  "after that, apply answers 409 proposal_passed. Null when the run proposes "
                  "nothing.")

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_apply_by(self, run: SolverRun) -> str | None:
        first = services.solver_run_first_start(run)
        return None if first is None else serializers.DateTimeField().to_representation(first)


def _audit(view: SchedulingApiView, run: SolverRun, action: str) -> None:
    """One row naming every patient whose schedule the run discloses."""
    audit_record_many(principal=view.principal, action=action, object_type="solver_run",
                      objects=[(run.public_id, p) for p in selectors.solver_run_patients(run)],
                      path=view.request.path)


def _run(view: SchedulingApiView, public_id: object, action: str) -> SolverRun:
    return view.visible_or_404(selectors.solver_run_get, public_id, object_type="solver_run",
                               label="solver run", action=action,
                               pseudonym=selectors.solver_run_pseudonym)


def _replay_audit(body: dict[str, Any]) -> tuple[str, object, object]:
    return "solver_run", body["id"], ""


class SolverRunCreateApi(SchedulingApiView):
    """POST /plans/{id}/solver-runs/ (Idempotency-Key): queue a solver run for the plan's
    unbooked procedures; 202 with the run and its Location."""

    access = {"POST": WRITE}
    idempotency_key = "optional"  # required for system clients (core.api.idempotency)

    class InputSerializer(serializers.Serializer):
        horizon_days = serializers.IntegerField(min_value=1, max_value=90, default=28)
        time_limit_s = serializers.FloatField(min_value=0.5, max_value=60, default=10)
        replan = serializers.ListField(
            child=serializers.UUIDField(), required=False, default=list, max_length=20,
            help_text="A repair: these bookings of the plan slipped (a room closed, the patient "
                      "unwell); re-plan them alone, every other booking fixed. Applying the run "
                      "moves them.")
        not_before = AwareDateTimeField(
            required=False, allow_null=True, default=None,
            help_text="Nothing is proposed to start before this instant (the patient is unwell "
                      "until then, or asked for a later date), whatever the urgency; inside "
                      "the horizon. One already past changes nothing.")

    @extend_schema(operation_id="solver_run_create", request=InputSerializer,
                   responses={202: SolverRunOut})
    def post(self, request: Request, public_id: object) -> Response:
        return idempotent(request, endpoint="scheduling.solver_run_create",
                          handler=lambda: self._create(public_id),
                          replay_audit=_replay_audit)

    def _create(self, public_id: object) -> Response:
        plan = selectors.plan_get(principal=self.principal, public_id=str(public_id))
        data = self.InputSerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        run = services.solver_run_start(plan=plan, principal=self.principal,
                                        horizon_days=data.validated_data["horizon_days"],
                                        time_limit_s=data.validated_data["time_limit_s"],
                                        replan=[str(i) for i in data.validated_data["replan"]],
                                        not_before=data.validated_data["not_before"])
        run.plan = plan
        _audit(self, run, AuditEvent.Action.CREATE)
        response = Response(SolverRunOut(run).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/solver-runs/{run.public_id}/"
        return response


class WaitlistRunCreateApi(SchedulingApiView):
    """POST /solver-runs/ (Idempotency-Key): queue a run over the whole waiting list (active
    plans with unbooked procedures, most urgent first, at most ``max_plans``): every plan at
    once over the shared rooms and people. For callers who see every case (403 otherwise);
    409 when no plan is waiting."""

    access = {"POST": WRITE}
    idempotency_key = "optional"

    class InputSerializer(serializers.Serializer):
        horizon_days = serializers.IntegerField(min_value=1, max_value=90, default=28)
        time_limit_s = serializers.FloatField(min_value=0.5, max_value=60, default=30)
        max_plans = serializers.IntegerField(min_value=1, max_value=500, default=200)

    @extend_schema(operation_id="solver_run_waitlist_create", request=InputSerializer,
                   responses={202: SolverRunOut})
    def post(self, request: Request) -> Response:
        return idempotent(request, endpoint="scheduling.solver_run_waitlist_create",
                          handler=self._create, replay_audit=_replay_audit)

    def _create(self) -> Response:
        data = self.InputSerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        run = services.solver_run_start_waitlist(principal=self.principal, **data.validated_data)
        _audit(self, run, AuditEvent.Action.CREATE)
        response = Response(SolverRunOut(run).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/solver-runs/{run.public_id}/"
        return response


class SolverRunListApi(SchedulingApiView):
    """GET /solver-runs/?plan=&status=: newest first, paginated, one audit row a page."""

    access = {"GET": READ}

    class FilterSerializer(serializers.Serializer):
        plan = serializers.UUIDField(required=False)
        status = serializers.ChoiceField(choices=SolverRun.Status.choices, required=False)

    @extend_schema(operation_id="solver_run_list", responses=SolverRunOut(many=True),
                   parameters=[OpenApiParameter("plan", str), OpenApiParameter("status", str)])
    def get(self, request: Request) -> Response:
        params = self.FilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        f = params.validated_data
        runs = selectors.solver_run_list(principal=self.principal, plan=f.get("plan"),
                                         status=f.get("status"))
        return self.paginated(runs, SolverRunOut, audit=PageAudit(
            AuditEvent.Action.LIST, "solver_run",
            lambda run: (run.public_id, run.plan.case.patient.public_id if run.plan else "")))


class SolverRunDetailApi(SchedulingApiView):
    """GET /solver-runs/{id}/: status, progress and, once finished, the proposal."""

    access = {"GET": READ}

    @extend_schema(operation_id="solver_run_read", responses=SolverRunOut)
    def get(self, request: Request, public_id: object) -> Response:
        run = _run(self, public_id, AuditEvent.Action.READ)
        _audit(self, run, AuditEvent.Action.READ)
        return Response(SolverRunOut(run).data)


class SolverRunApplyApi(SchedulingApiView):
    """POST /solver-runs/{id}/apply/ (Idempotency-Key): book the proposal as ``proposed``
    bookings through the booking service, all or nothing; 409 when the run is not finished,
    found no schedule, or its inputs changed (it is then discarded), or a slot was taken."""

    access = {"POST": WRITE}
    idempotency_key = "optional"

    @extend_schema(operation_id="solver_run_apply", request=None, responses={201: SolverRunOut})
    def post(self, request: Request, public_id: object) -> Response:
        return idempotent(request, endpoint="scheduling.solver_run_apply",
                          handler=lambda: self._apply(public_id), replay_audit=_replay_audit)

    def _apply(self, public_id: object) -> Response:
        run = _run(self, public_id, AuditEvent.Action.UPDATE)
        services.solver_run_apply(run=run, principal=self.principal)
        run.refresh_from_db()
        _audit(self, run, AuditEvent.Action.UPDATE)
        return Response(SolverRunOut(run).data, status=status.HTTP_201_CREATED)
