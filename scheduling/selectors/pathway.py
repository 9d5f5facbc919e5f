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
    CharField,
    DateTimeField,
    Exists,
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

from cases.domain.codes import BilskyGrade, CaseStatus, SkeletalSite, Urgency
from cases.domain.spine import bilsky_level
from cases.models import Case, CaseStatusChange, Lesion, PlannedProcedure, TreatmentPlan
from cases.selectors import cases_in_scope
from core.access import Principal
from scheduling.domain import pathway
from scheduling.domain.clocks import ClockEvent, Deadline, Pathway
from scheduling.domain.pathway import ClockReading, RuleDeadlineReading, StartEvent, StopEvent
from scheduling.domain.types import ACTIVE_STATUSES, BookingStatus, RuleKind, TimingRuleSpec
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
    """One case's pathway clocks and its active plan's rule deadlines (R9-R11 as the plan's
    validation report computes them, and the running R1 window: ``r1_deadlines``) and allowed
    windows (R1 and the other lag rules)."""

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
    from scheduling.selectors.values import rule_specs

    report = plan_validation_report(plan=plan, now=now)
    running = sorted([*report.deadlines, *r1_deadlines(plan=plan, rules=rule_specs(), now=now)],
                     key=lambda d: (d.due, d.rule_id, d.rule_code))
    return CaseClocks(case=case, clocks=readings(row, targets=targets, now=now), plan=plan,
                      deadlines=running, windows=report.windows,
                      tz=report.tz or plan_tz(plan))


# --- timing-rule deadlines of many plans at once (the worklist, issue 13) --------------------

#: The lesion sites on the spinal pathway (R11), as scheduling.engine_context counts them.
_SPINAL_SITES = (SkeletalSite.VERTEBRA.value, SkeletalSite.SACRUM.value)
#: The R1 window: a pre-operative embolization booked, its surgery not yet.
R1 = "R1"
R1_EVENT = "pre_operative_embolization_end"


def r1_maximum(rules: Sequence[TimingRuleSpec]) -> TimingRuleSpec | None:
    """The site's R1 maximum: the active R1 lag rule with a maximum, the hard one first, then
    the longest (``R1-window-hard``, 72 h by default); None when the site has none."""
    found = [r for r in rules if r.rule_id == R1 and r.active and r.kind == RuleKind.LAG
             and r.max_lag is not None]
    if not found:
        return None
    return min(found, key=lambda r: (r.severity.value != "hard", -(r.max_lag or timedelta(0))
                                     .total_seconds(), r.code))


def deadline_rules(rules: Sequence[TimingRuleSpec]) -> list[TimingRuleSpec]:
    """The rules whose deadlines the worklist shows: the clock rules (R9-R11) and the R1
    maximum, in a fixed order (their annotations are ``rd_due_<i>``)."""
    clocks = sorted((r for r in rules if r.active and r.kind == RuleKind.CLOCK
                     and r.max_lag is not None), key=lambda r: (r.rule_id, r.code))
    r1 = r1_maximum(rules)
    return [*clocks, *([r1] if r1 is not None else [])]


def _mscc_q(thresholds: dict[str, float]) -> Q:
    """The MSCC flag of a plan's case in SQL, as cases.domain.spine.mscc_triggers decides it:
    an emergency referral, a neurological deficit, or epidural extension with a Bilsky grade
    at or above the site's ``mscc_bilsky_min``."""
    lesions = Lesion.objects.filter(case_id=OuterRef("case_id"))
    grades = [g.value for g in BilskyGrade
              if (level := bilsky_level(g.value)) is not None
              and level >= thresholds["mscc_bilsky_min"]]
    return (Q(case__urgency=Urgency.EMERGENCY.value)
            | Q(Exists(lesions.filter(neurological_deficit=True)))
            | Q(Exists(lesions.filter(epidural_extension=True, bilsky_grade__in=grades))))


def _pathway_q(pathway_name: str, mscc: Q) -> Q | None:
    if pathway_name == Pathway.MSCC:
        return mscc
    if pathway_name == Pathway.SPINAL_WITHOUT_NEUROLOGY:
        spinal = Q(Exists(Lesion.objects.filter(case_id=OuterRef("case_id"),
                                                site__in=_SPINAL_SITES)))
        return spinal & ~mscc
    return None


def _clock_due(rule: TimingRuleSpec, mscc: Q) -> Any:
    """A clock rule's due time for a plan row, NULL when its clock does not run: the case is
    off the rule's pathway, the plan has an ``unless_plan_has`` procedure or none the rule
    measures, the measured procedure is booked already, or the event is not recorded
    (scheduling.domain.clocks.deadlines, with "booked already" added: a met clock is not a
    deadline to chase)."""
    on_pathway = _pathway_q(str(rule.template.get("pathway", "")), mscc)
    event = str(rule.template.get("event", ""))
    if on_pathway is None or rule.max_lag is None:
        return Value(None, output_field=DateTimeField())
    start: Any = (F("case__submitted_at") if event == ClockEvent.SUSPICION
                  else _decision_expression() if event == ClockEvent.DECISION_TO_TREAT
                  else None)
    if start is None:
        return Value(None, output_field=DateTimeField())
    procedures = PlannedProcedure.objects.filter(plan_id=OuterRef("pk"))
    measured = sorted(rule.to_procedures)
    condition = (on_pathway & Q(Exists(procedures.filter(procedure_type__in=measured)))
                 & ~Q(Exists(Booking.objects.filter(plan_id=OuterRef("pk"),
                                                    status__in=sorted(ACTIVE_STATUSES),
                                                    procedure__procedure_type__in=measured))))
    unless = rule.template.get("unless_plan_has", [])
    if isinstance(unless, (list, tuple)) and unless:
        condition &= ~Q(Exists(procedures.filter(procedure_type__in=[str(u) for u in unless])))
    return SqlCase(When(condition, then=ExpressionWrapper(start + Value(rule.max_lag),
                                                          output_field=DateTimeField())),
                   default=Value(None, output_field=DateTimeField()),
                   output_field=DateTimeField())


def _r1_from(rule: TimingRuleSpec) -> Subquery:
    """The end of the plan's earliest booked pre-operative embolization (the R1 rule's "from"
    procedures and purposes) whose prepared surgery (the rule's "to" procedures) has no active
    booking yet; NULL when there is none."""
    bookings = Booking.objects.filter(
        plan_id=OuterRef("pk"), status__in=sorted(ACTIVE_STATUSES),
        procedure__procedure_type__in=sorted(rule.from_procedures),
        procedure__prepares__procedure_type__in=sorted(rule.to_procedures))
    if rule.from_purposes:
        bookings = bookings.filter(procedure__purpose__in=sorted(rule.from_purposes))
    bookings = bookings.exclude(Exists(Booking.objects.filter(
        procedure_id=OuterRef("procedure__prepares_id"), status__in=sorted(ACTIVE_STATUSES))))
    anchor = "end" if rule.from_anchor.value == "end" else "start"
    return Subquery(bookings.order_by(anchor).values(anchor)[:1], output_field=DateTimeField())


def with_rule_deadlines(queryset: QuerySet[TreatmentPlan], *, rules: Sequence[TimingRuleSpec],
                        thresholds: dict[str, float], now: datetime) -> QuerySet[TreatmentPlan]:
    """Plans annotated with their running timing-rule deadlines, computed in the database so a
    page of plans costs no query per plan and the list sorts by them:

    - ``rd_due_<i>`` per rule of ``deadline_rules(rules)`` (NULL when it does not run);
    - ``rd_r1_from``: the embolization end the R1 window runs from;
    - ``rd_next_due``: the soonest (FAR when none runs);
    - ``rd_soon``: 0 when that is within RULE_SOON of ``now`` (or missed), else 1 (sorts first).
    """
    chosen = deadline_rules(rules)
    mscc = _mscc_q(thresholds)
    far = Value(FAR, output_field=DateTimeField())
    dues: dict[str, Any] = {}
    for i, rule in enumerate(chosen):
        if rule.kind == RuleKind.CLOCK:
            dues[f"rd_due_{i}"] = _clock_due(rule, mscc)
        else:  # the R1 maximum (deadline_rules holds one at most)
            queryset = queryset.annotate(rd_r1_from=_r1_from(rule))
            dues[f"rd_due_{i}"] = ExpressionWrapper(F("rd_r1_from") + Value(rule.max_lag),
                                                    output_field=DateTimeField())
    if not dues:
        return queryset.annotate(rd_next_due=far, rd_soon=Value(1))
    queryset = queryset.annotate(**dues)
    values = [Coalesce(F(name), far, output_field=DateTimeField()) for name in dues]
    soonest = values[0] if len(values) == 1 else Least(*values, output_field=DateTimeField())
    return queryset.annotate(rd_next_due=soonest).annotate(
        rd_soon=SqlCase(When(rd_next_due__lte=now + pathway.RULE_SOON, then=Value(0)),
                        default=Value(1)))


def rule_deadline_readings(row: Any, *, rules: Sequence[TimingRuleSpec],
                           now: datetime) -> list[RuleDeadlineReading]:
    """The running rule deadlines of one annotated plan (``with_rule_deadlines``), soonest
    first; no query."""
    out = []
    for i, rule in enumerate(deadline_rules(rules)):
        due = getattr(row, f"rd_due_{i}", None)
        if due is None:
            continue
        event_at = getattr(row, "rd_r1_from", None) if rule.kind != RuleKind.CLOCK else None
        out.append(pathway.read_rule_deadline(
            rule_id=rule.rule_id, code=rule.code, severity=rule.severity.value,
            event_at=event_at, due_at=due, rationale=rule.rationale, source=rule.source,
            now=now))
    out.sort(key=lambda r: (r.due_at, r.rule_id))
    return out


def r1_deadlines(*, plan: TreatmentPlan, rules: Sequence[TimingRuleSpec],
                 now: datetime) -> list[Deadline]:
    """The plan's running R1 window as an engine Deadline (for ``GET cases/{id}/clocks/``
    beside R9-R11): one query; empty when no pre-operative embolization waits for its
    surgery, or the site has no R1 maximum."""
    rule = r1_maximum(rules)
    if rule is None or rule.max_lag is None:
        return []
    started = (TreatmentPlan.objects.filter(pk=plan.pk).annotate(rd_r1_from=_r1_from(rule))
               .values_list("rd_r1_from", flat=True).first())
    if started is None:
        return []
    return [Deadline(rule_code=rule.code, rule_id=rule.rule_id, severity=rule.severity,
                     event=R1_EVENT, event_at=started, due=started + rule.max_lag,
                     earliest=None, procedure_types=rule.to_procedures, plan_id=str(plan.pk),
                     anchor=rule.to_anchor, rationale=rule.rationale, source=rule.source)]


# --- the zone of a case's board (through boardsvc's port) ------------------------------------


@cache
def _board_zone_port() -> Callable[[str], Expression] | None:
    path = getattr(settings, "BOARDSVC_CASE_TIMEZONE_SUBQUERY", "")
    return import_string(path) if path else None


def with_board_zone(queryset: QuerySet[Any], *, case_path: str = "") -> QuerySet[Any]:
    """``queryset`` annotated with ``board_tz``: the IANA zone of the board the case belongs
    to, read through ``settings.BOARDSVC_CASE_TIMEZONE_SUBQUERY`` (scheduling never imports
    boardsvc); "" when unset or unknown, which ``board_zone`` reads as the site's zone."""
    port = _board_zone_port()
    ref = f"{case_path}_id" if case_path else "pk"
    if port is None:
        return queryset.annotate(board_tz=Value("", output_field=CharField()))
    return queryset.annotate(board_tz=Coalesce(port(ref), Value(""),
                                               output_field=CharField()))


def board_zone(row: Any) -> str:
    """The zone name of an annotated row (``with_board_zone``), the site's when unknown."""
    from core.timezones import zone_name

    return zone_name(getattr(row, "board_tz", "") or None)
