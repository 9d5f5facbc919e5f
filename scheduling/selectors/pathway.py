"""Pathway clocks (issue 13; scheduling.domain.pathway): each open case's clocks from referral
and from the decision to treat, read in the database so a list sorts and filters by the next
due time without a query per case.

The facts, per case (annotations on a Case queryset, or on any queryset reaching a case):

- ``pc_referral_at``: ``Case.submitted_at``;
- ``pc_discussed_at``: the first move of the case to "discussed" (cases' status history; the
  boards app moves a case there when its MDT decision is recorded);
- ``pc_decision_at``: the decision behind the active plan, recorded in boardsvc and read through
  the port ``settings.BOARDSVC_DECISION_CLOCK_SUBQUERY`` (scheduling never imports boardsvc); a
  plan without a recorded decision falls back to its creation, like R10's clock
  (scheduling/engine_context.py);
- ``pc_treatment_at``: the start of the case's first booked or done booking (any plan);
- per active target ``pc_due_<i>`` and ``pc_pending_<i>`` (the due time while the clock runs,
  else a far sentinel), and ``pc_next_due``: the soonest due time among the running clocks
  (the sentinel when none runs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import (
    Case as SqlCase,
)
from django.db.models import (
    DateTimeField,
    Expression,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils.module_loading import import_string

from cases.domain.codes import CaseStatus
from cases.models import Case, CaseStatusChange, TreatmentPlan
from cases.selectors import cases_in_scope
from core.access import Principal
from scheduling.domain import pathway
from scheduling.domain.pathway import ClockReading, StartEvent, StopEvent
from scheduling.domain.types import BookingStatus
from scheduling.models import Booking, PathwayClockTarget

#: A due time no clock reaches: what a stopped clock sorts as (not NULL, which sorts first on
#: some databases and makes LEAST null on others).
FAR = datetime(9000, 1, 1, tzinfo=UTC)
#: Cases whose clocks no longer run: closed, or in follow-up without treatment to wait for.
CLOSED_STATUSES = (CaseStatus.CLOSED.value, CaseStatus.FOLLOW_UP.value)
#: Bookings that count as the first treatment once they start.
TREATMENT_STATUSES = (BookingStatus.BOOKED.value, BookingStatus.DONE.value)

_START_FIELD = {StartEvent.REFERRAL: "pc_referral_at", StartEvent.DECISION: "pc_decision_at"}
_STOP_FIELD = {StopEvent.MDT_DISCUSSION: "pc_discussed_at",
               StopEvent.FIRST_TREATMENT: "pc_treatment_at"}


def clock_targets() -> list[PathwayClockTarget]:
    """The active pathway clock targets, by clock id (one query)."""
    return list(PathwayClockTarget.objects.filter(active=True).order_by("clock_id"))


def clock_target_list() -> QuerySet[PathwayClockTarget]:
    """Every pathway clock target, active or not, by clock id (administrators' list)."""
    return PathwayClockTarget.objects.order_by("clock_id")


def clock_target_get(*, code: str) -> PathwayClockTarget:
    """The target with this code; PathwayClockTarget.DoesNotExist otherwise."""
    return PathwayClockTarget.objects.get(code=code)


@cache
def _decision_subquery() -> Callable[[str], Expression] | None:
    path = getattr(settings, "BOARDSVC_DECISION_CLOCK_SUBQUERY", "")
    return import_string(path) if path else None


def _decision_expression() -> Expression:
    """The decision time of a plan row (inside a TreatmentPlan subquery)."""
    port = _decision_subquery()
    if port is None:
        return F("created_at")
    return Coalesce(port("decision_public_id"), F("created_at"),
                    output_field=DateTimeField())


def with_clocks(queryset: QuerySet[Any], *, targets: Sequence[PathwayClockTarget],
                now: datetime, case_path: str = "") -> QuerySet[Any]:
    """``queryset`` annotated with the pathway clock facts (module docstring). ``case_path``
    leads from its rows to their case ("" for cases, "case" for plans)."""
    pk_ref = f"{case_path}_id" if case_path else "pk"
    prefix = f"{case_path}__" if case_path else ""
    active_plans = TreatmentPlan.objects.filter(case_id=OuterRef(pk_ref),
                                                status=TreatmentPlan.Status.ACTIVE)
    queryset = queryset.annotate(
        pc_referral_at=F(f"{prefix}submitted_at"),
        pc_discussed_at=Subquery(
            CaseStatusChange.objects.filter(case_id=OuterRef(pk_ref),
                                            to_status=CaseStatus.DISCUSSED.value)
            .order_by("at").values("at")[:1], output_field=DateTimeField()),
        pc_plan_id=Subquery(active_plans.values("pk")[:1]),
        pc_decision_at=Subquery(
            active_plans.annotate(decided=_decision_expression()).values("decided")[:1],
            output_field=DateTimeField()),
        pc_treatment_at=Subquery(
            Booking.objects.filter(plan__case_id=OuterRef(pk_ref),
                                   status__in=TREATMENT_STATUSES)
            .order_by("start").values("start")[:1], output_field=DateTimeField()),
    )
    if not targets:
        return queryset.annotate(pc_next_due=Value(FAR, output_field=DateTimeField()))
    far = Value(FAR, output_field=DateTimeField())
    dues: dict[str, Any] = {}
    for i, target in enumerate(targets):
        start = _START_FIELD[StartEvent(target.start_event)]
        dues[f"pc_due_{i}"] = ExpressionWrapper(
            F(start) + Value(timedelta(days=target.target_days)), output_field=DateTimeField())
    queryset = queryset.annotate(**dues)
    pending: dict[str, Any] = {}
    for i, target in enumerate(targets):
        start = _START_FIELD[StartEvent(target.start_event)]
        stop = _STOP_FIELD[StopEvent(target.stop_event)]
        pending[f"pc_pending_{i}"] = SqlCase(
            When(Q(**{f"{start}__isnull": True}), then=far),
            When(Q(**{f"{stop}__isnull": False, f"{stop}__lte": now}), then=far),
            default=F(f"pc_due_{i}"), output_field=DateTimeField())
    queryset = queryset.annotate(**pending)
    names = [F(f"pc_pending_{i}") for i in range(len(targets))]
    soonest = names[0] if len(names) == 1 else Least(*names, output_field=DateTimeField())
    return queryset.annotate(pc_next_due=soonest)


def readings(row: Any, *, targets: Sequence[PathwayClockTarget],
             now: datetime) -> list[ClockReading]:
    """The clocks of one annotated row (``with_clocks``), in the targets' order; no query."""
    out = []
    for target in targets:
        start = getattr(row, _START_FIELD[StartEvent(target.start_event)])
        stop = getattr(row, _STOP_FIELD[StopEvent(target.stop_event)])
        out.append(pathway.read_clock(
            clock_id=target.clock_id, code=target.code, started_at=start,
            target_days=target.target_days, alert_lead_days=target.alert_lead_days,
            stopped_at=stop, now=now))
    return out


def next_due(row: Any) -> datetime | None:
    """The row's soonest running due time, None when no clock runs."""
    value: datetime | None = getattr(row, "pc_next_due", None)
    return None if value is None or value >= FAR else value


def open_cases() -> QuerySet[Case]:
    """Cases whose clocks may still run (not closed, not in follow-up)."""
    return Case.objects.exclude(status__in=CLOSED_STATUSES)


def clocks_breaching(*, principal: Principal, within: timedelta,
                     now: datetime) -> tuple[QuerySet[Case], list[PathwayClockTarget]]:
    """Open cases the principal may see with a running clock due within ``within`` of ``now``
    (already breached included), soonest first, patient loaded; and the targets read."""
    targets = clock_targets()
    visible = cases_in_scope(principal).exclude(status__in=CLOSED_STATUSES)
    queryset = with_clocks(visible.select_related("patient"), targets=targets, now=now)
    return (queryset.filter(pc_next_due__lte=now + within).order_by("pc_next_due", "pk"),
            targets)


@dataclass(frozen=True)
class CaseClocks:
    """One case's pathway clocks and its active plan's rule deadlines (R9-R11) and allowed
    windows (R1 and the other lag rules), as the plan's validation report computes them."""

    case: Case
    clocks: list[ClockReading]
    plan: TreatmentPlan | None
    deadlines: list[Any]
    windows: list[dict[str, Any]]
    tz: str


def case_clocks(*, case: Case, now: datetime) -> CaseClocks:
    """The clocks of one visible case (the caller found it through cases.selectors)."""
    from scheduling.selectors.plans import plan_tz, plan_validation_report

    targets = clock_targets()
    row = with_clocks(Case.objects.filter(pk=case.pk), targets=targets, now=now).get()
    plan = (TreatmentPlan.objects.filter(pk=row.pc_plan_id).select_related("case__patient")
            .first() if row.pc_plan_id else None)
    if plan is None:
        from core.timezones import zone_name

        return CaseClocks(case=case, clocks=readings(row, targets=targets, now=now), plan=None,
                          deadlines=[], windows=[], tz=zone_name(None))
    report = plan_validation_report(plan=plan, now=now)
    return CaseClocks(case=case, clocks=readings(row, targets=targets, now=now), plan=plan,
                      deadlines=list(report.deadlines), windows=report.windows,
                      tz=report.tz or plan_tz(plan))
