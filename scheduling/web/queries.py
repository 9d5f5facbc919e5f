"""Page-only reads for the coordinator pages (reads only; every write is a scheduling service).

- the worklist: active plans with a procedure not yet booked (what breaches first first),
  and open rule violations;
- the rule check shown *before* a booking is confirmed (the same pure engine the service runs,
  scheduling.domain.rules.evaluate, on the patient's bookings plus the proposed one);
- the per-rule allowed windows and bookings a plan's timeline draws.
Case scoping: cases.selectors.case_scope_q, the one definition of the case scope.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases.labels import code_label
from cases.models import PlannedProcedure, TreatmentPlan
from cases.selectors import case_scope_q, site_thresholds_effective
from core.access import Principal
from core.timezones import zone_info, zone_name
from scheduling import engine_context, selectors
from scheduling.domain import rules as rules_engine
from scheduling.domain.engine import EngineContext
from scheduling.domain.sessions import SAME_SESSION, new_session_problems
from scheduling.domain.types import (
    ACTIVE_STATUSES,
    BookingStatus,
    BookingView,
    RuleKind,
    Severity,
    TimingRuleSpec,
)
from scheduling.domain.verdicts import RuleVerdict, VerdictStatus, assess
from scheduling.models import Booking, PathwayClockTarget, Resource, TimingRule, Violation
from scheduling.selectors import pathway
from scheduling.web import course_queries


def plans_waiting(*, principal: Principal, now: datetime | None = None,
                  targets: list[PathwayClockTarget] | None = None,
                  rules: list[TimingRuleSpec] | None = None) -> QuerySet[TreatmentPlan]:
    """Active plans with at least one procedure without an active booking, with case, patient
    and procedures (and their active bookings) loaded, their case's pathway clocks
    (scheduling.selectors.pathway.with_clocks), their running timing-rule deadlines (R9-R11 and
    the R1 window: ``with_rule_deadlines``) and their board's zone (``with_board_zone``).
    Plans with a rule deadline due within 48 h (or missed) come first; then what breaches
    first, then the oldest plan. All in the database: a page costs the same queries whatever
    its plans."""
    now = now or timezone.now()
    unbooked = PlannedProcedure.objects.filter(plan=OuterRef("pk")).exclude(
        Exists(Booking.objects.filter(procedure=OuterRef("pk"), status__in=ACTIVE_STATUSES))
    )
    queryset = (
        TreatmentPlan.objects.filter(status=TreatmentPlan.Status.ACTIVE)
        .filter(Exists(unbooked))
        .select_related("case__patient")
        .prefetch_related(
            Prefetch("procedures", queryset=PlannedProcedure.objects.order_by("sequence")),
            Prefetch("bookings", queryset=Booking.objects.filter(status__in=ACTIVE_STATUSES)),
        )
    )
    queryset = pathway.with_clocks(
        queryset, targets=pathway.clock_targets() if targets is None else targets,
        now=now, case_path="case")
    queryset = pathway.with_rule_deadlines(
        queryset, rules=selectors.rule_specs() if rules is None else rules,
        thresholds=site_thresholds_effective(), now=now)
    queryset = pathway.with_board_zone(queryset, case_path="case")
    return (queryset.filter(case_scope_q(principal, "case"))
            .order_by("rd_soon", "pc_next_due", "rd_next_due", "created_at", "pk"))


def violations_open(*, principal: Principal) -> QuerySet[Violation]:
    """Open violations to resolve, hard first, with plan, case and patient loaded."""
    queryset = (
        Violation.objects.filter(status=Violation.Status.OPEN)
        .select_related("plan__case__patient", "timing_rule")
        .order_by("severity", "-last_seen_at", "pk")  # "hard" sorts before "soft"
    )
    return queryset.filter(case_scope_q(principal, "plan__case"))


def suitable_resources(*, procedure_type: str) -> list[Resource]:
    """Active resources whose kind can host the procedure (site catalogue)."""
    entry = selectors.catalogue_entry(procedure_type)
    return list(selectors.resource_list().filter(kind__in=list(entry.resource_kinds)))


def candidate_starts(periods: list[Any], *, duration: timedelta, step: timedelta,
                     limit: int) -> list[datetime]:
    """Start times offered as buttons: each free period's start, then every ``step`` while the
    procedure still fits, at most ``limit`` in total."""
    out: list[datetime] = []
    for period in periods:
        start = period.start
        while start + duration <= period.end and len(out) < limit:
            out.append(start)
            start += step
    return out


def _rule_texts() -> dict[str, TimingRule]:
    return {rule.code: rule for rule in TimingRule.objects.all()}


def booking_preview(*, procedure: PlannedProcedure, resource: Resource, start: datetime,
                    end: datetime) -> dict[str, Any]:
    """What the rules engine will say about this booking, before it is made.

    Returns {"refused": [...], "warnings": [...], "verdicts": [...], "not_applicable": [...]}.
    "refused" and "warnings" items have rule_id, severity, message, rationale and source:
    "refused" lists new hard violations and split same-session pairs (the service will refuse
    the booking); "warnings" the soft ones it would accept and record. "verdicts" are the
    rules that bind the plan's procedures after the booking (satisfied, violated, pending)
    and "not_applicable" those that do not, each with its reason (issue 11, item 3).
    """
    plan = procedure.plan
    patient_id = plan.case.patient_id
    before = selectors.patient_booking_views(patient_id=patient_id)
    links = PlannedProcedure.objects.select_related("prepares", "same_session_with").get(
        pk=procedure.pk)
    # A radiotherapy course is previewed as the fractions booking_create would write (R17).
    intervals, course_error = course_queries.booking_intervals(
        procedure=procedure, resource=resource, start=start, end=end)
    proposed = [BookingView(
        booking_id=f"preview:{k}", procedure_id=str(procedure.public_id),
        procedure_type=procedure.procedure_type, resource_id=str(resource.pk),
        start=interval.start, end=interval.end, status=BookingStatus.BOOKED, patient_id=str(patient_id),
        lesion_id=str(procedure.target_lesion_id) if procedure.target_lesion_id else None,
        plan_id=str(plan.pk), purpose=procedure.purpose or "",
        planned_fractions=procedure.fractions,
        prepares_id=str(links.prepares.public_id) if links.prepares else None,
        same_session_with=(str(links.same_session_with.public_id)
                           if links.same_session_with else None),
        planned_dose_gy=float(procedure.dose_gy) if procedure.dose_gy is not None else None,
    ) for k, interval in enumerate(intervals)]
    result = _compare(before=before, after=[*before, *proposed], tz=resource.timezone, plan=plan,
                      procedure_type=procedure.procedure_type, start=start)
    result["course"] = intervals if len(intervals) > 1 else []
    result["course_error"] = course_error
    return result


def _compare(*, before: list[BookingView], after: list[BookingView], tz: str,
             plan: TreatmentPlan, procedure_type: str, start: datetime) -> dict[str, Any]:
    """Evaluate the rules before and after a change, as the booking services do: new hard
    violations and split same-session pairs refuse the change, soft ones after it are
    warnings; the plan's verdicts after the change say which rules bind it at all; and the
    clocks (R9-R11) a ``procedure_type`` starting at ``start`` must meet, with their
    deadlines."""
    specs = selectors.rule_specs()
    tz = zone_name(tz)
    # One context (clocks, now, the linacs' closed days) judges before, after and the verdicts.
    context = engine_context.engine_context(patient_id=plan.case.patient_id,
                                            bookings=[*before, *after], now=timezone.now())
    old, new = course_queries.evaluate_change(before=before, after=after, rules=specs, tz=tz,
                                              context=context)
    refused = rules_engine.new_hard_violations(old, new)
    split = new_session_problems(before, after)
    texts = _rule_texts()

    def describe(violation: Any) -> dict[str, Any]:
        rule = texts.get(violation.rule_code)
        return {
            "rule_id": violation.rule_id, "severity": str(violation.severity),
            "message": violation.message,
            "rationale": rule.rationale if rule else "", "source": rule.source if rule else "",
        }

    own = [v for v in after if v.plan_id == str(plan.pk)]
    procedures = selectors.plan_procedures(plan)
    labels = {str(p.public_id): code_label("ProcedureType", p.procedure_type)
              for p in procedures}
    _report, verdicts = _plan_verdicts(plan=plan, own=own, history=after, specs=specs, tz=tz,
                                       procedures=procedures, labels=labels, context=context)
    not_applicable = [v for v in verdicts if v["status"] == VerdictStatus.NOT_APPLICABLE]
    return {
        "refused": [{"rule_id": SAME_SESSION, "severity": "hard", "message": p.message,
                     "rationale": "", "source": ""} for p in split]
        + [describe(v) for v in refused],
        "warnings": [describe(v) for v in new if v.severity == Severity.SOFT],
        "verdicts": [v for v in verdicts if v["status"] != VerdictStatus.NOT_APPLICABLE],
        "not_applicable": not_applicable,
        # Rules that could bind a pair of these procedures but do not (the reason says why):
        # with any, the page never says plainly "no rule is broken".
        "skipped": [v for v in not_applicable if v["pair"]],
        "deadlines": course_queries.deadline_rows(plan=plan, procedure_type=procedure_type,
                                                  start=start, tz=tz, context=context),
    }


def verdict_row(verdict: RuleVerdict, labels: dict[str, str]) -> dict[str, Any]:
    """A verdict for the pages: rule, status, the procedures by name, reason and scope note."""
    return {
        "rule_id": verdict.rule_id, "severity": verdict.severity,
        "status": verdict.status.value, "status_label": VERDICT_LABELS[verdict.status],
        "procedures": " → ".join(str(labels[pid]) for pid in verdict.procedure_ids
                                 if pid in labels),
        "pair": len(verdict.procedure_ids) > 1,
        "reason": verdict.reason, "scope_note": verdict.scope_note,
    }


VERDICT_LABELS = {
    VerdictStatus.SATISFIED: gettext_lazy("kept"),
    VerdictStatus.VIOLATED: gettext_lazy("broken"),
    VerdictStatus.PENDING: gettext_lazy("waiting for a booking"),
    VerdictStatus.NOT_APPLICABLE: gettext_lazy("not applicable"),
}


def move_preview(*, booking: Booking, resource: Resource, start: datetime,
                 end: datetime) -> dict[str, Any]:
    """What the rules engine will say if ``booking`` moves to ``resource`` at [start, end),
    before anything is written (the same comparison scheduling.services.booking_move makes).
    Same shape as booking_preview."""
    before = selectors.patient_booking_views(patient_id=booking.patient_id)
    # A radiotherapy fraction moves with the rest of its course (scheduling.services.courses).
    moves, course_error = course_queries.move_intervals(booking=booking, resource=resource,
                                                        start=start, end=end)
    after = course_queries.moved_views(before, moves, resource)
    result = _compare(before=before, after=after, tz=resource.timezone, plan=booking.plan,
                      procedure_type=booking.procedure.procedure_type, start=start)
    result["course"] = [{"booking": b, "start": i.start, "end": i.end} for b, i in moves
                        ] if booking.fraction_number is not None else []
    result["course_error"] = course_error
    return result


def violation_bookings(*, violation: Violation) -> list[Booking]:
    """The bookings a violation names (active or not), in time order, rooms and procedures
    loaded."""
    ids = [str(i) for i in violation.booking_public_ids]
    valid: list[UUID] = []
    for value in ids:
        try:
            valid.append(UUID(value))
        except ValueError:
            continue  # an internal key (never for stored bookings); nothing to show
    return list(Booking.objects.filter(public_id__in=valid, plan=violation.plan)
                .select_related("resource", "procedure").order_by("start", "pk"))


def _timeline_range(bookings: list[Booking], *, zone: ZoneInfo, first_day: date | None,
                    last_day: date | None, max_days: int) -> tuple[datetime, datetime, bool]:
    """The drawn range: the days asked for, else one covering the bookings; never more than
    ``max_days`` (BOARDSVC_TIMELINE_MAX_DAYS). Every rule window and tick is computed over this
    range, so a plan with bookings centuries apart (legacy rows) stays a bounded page. Returns
    (lo, hi, partial): ``partial`` when some booking lies outside the range drawn."""
    now = timezone.now()
    if bookings:
        lo = min(b.start for b in bookings) - timedelta(days=1)
        hi = max(b.end for b in bookings) + timedelta(days=2)
    else:
        lo, hi = now, now + timedelta(days=7)
    hi = max(hi, lo + timedelta(days=5))
    longest = timedelta(days=max_days)
    if first_day is not None:
        lo = datetime.combine(first_day, time.min, tzinfo=zone)
        if hi <= lo:
            hi = lo + timedelta(days=7)
    elif hi - lo > longest:
        # Too long to draw at once: start with what is coming (from a day before the first
        # booking not yet over), the rest is reached with ?from=.
        upcoming = [b.start for b in bookings if b.end >= now - timedelta(days=1)]
        if upcoming:
            lo = max(lo, min(upcoming) - timedelta(days=1))
    if last_day is not None:
        hi = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
        if hi <= lo:
            lo = hi - timedelta(days=7)
    if hi - lo > longest:
        hi = lo + longest
    partial = any(b.start < lo or b.end > hi for b in bookings)
    return lo, hi, partial


def _plan_verdicts(*, plan: TreatmentPlan, own: list[BookingView], history: list[BookingView],
                   specs: Sequence[TimingRuleSpec], tz: str, procedures: Sequence[PlannedProcedure],
                   labels: dict[str, str], context: EngineContext,
                   ) -> tuple[engine_context.PlanEngineReport, list[dict[str, Any]]]:
    """The engine's report on the plan's bookings ``own`` against the patient's ``history``
    (clocks R9-R11, the linacs' closed days for R17), and a row for every active rule's
    verdict: the assessment's, read from the engine's violations (not the bookings alone, as
    the booking service judges), with the clock rules' verdicts from the engine."""
    report = engine_context.plan_engine_report(
        plan=plan, own=own, views=history, rules=specs, tz=tz,
        now=context.now or timezone.now(), context=context)
    assessment = assess(
        bookings=own, rules=specs, history=history, tz=tz,
        planned=[selectors.planned_view(p, patient_id=plan.case.patient_id) for p in procedures],
        violations=report.violations)
    rows = [verdict_row(v, labels) for v in assessment.verdicts
            if v.rule_code not in report.clock_codes]
    rows += [verdict_row(v, labels) for v in report.clock_verdicts]
    return report, rows


def timeline(*, plan: TreatmentPlan, first_day: date | None = None, last_day: date | None = None,
             max_days: int = 400) -> dict[str, Any]:
    """The plan drawn over time: one row per procedure, its bookings, each LAG rule's allowed
    start window (from the other booked procedures) and the violations, in a time range that
    covers all of them, or the days asked for, at most ``max_days`` long."""
    # The plan's procedures in order, with their links and target lesion (each lane's label).
    procedures = list(plan.procedures.select_related("prepares", "same_session_with",
                                                     "target_lesion").order_by("sequence"))
    bookings = list(Booking.objects.filter(plan=plan, status__in=ACTIVE_STATUSES)
                    .select_related("resource", "procedure", *selectors.PROCEDURE_LINKS)
                    .order_by("start"))
    views = [selectors.booking_view(b) for b in bookings]
    specs = selectors.rule_specs()
    texts = _rule_texts()
    tz = zone_name(bookings[0].resource.timezone if bookings else "")
    labels = {str(p.public_id): code_label("ProcedureType", p.procedure_type)
              for p in procedures}
    history = selectors.patient_booking_views(patient_id=plan.case.patient_id)
    report, verdicts = _plan_verdicts(
        plan=plan, own=views, specs=specs, tz=tz, procedures=procedures, labels=labels,
        history=history, context=engine_context.engine_context(
            patient_id=plan.case.patient_id, bookings=history, now=timezone.now()))
    computed = report.violations
    not_applicable = [v for v in verdicts if v["status"] == VerdictStatus.NOT_APPLICABLE]
    lo, hi, clamped = _timeline_range(bookings, zone=zone_info(tz),
                                      first_day=first_day, last_day=last_day, max_days=max_days)
    rows: list[dict[str, Any]] = []
    for procedure in procedures:
        own = [b for b in bookings if b.procedure_id == procedure.pk]
        others = [v for v in views if v.procedure_id != str(procedure.public_id)]
        windows: list[dict[str, Any]] = []
        request = selectors.placement_request(procedure, patient_id=plan.case.patient_id)
        for spec in specs:
            if not spec.active or spec.kind != RuleKind.LAG:
                continue
            # Each rule alone, without its preferred lag: the shaded band is that rule's window.
            alone = dataclasses.replace(spec, preferred_lag=None)
            placed = rules_engine.allowed_windows(request=request, bookings=others,
                                                  rules=[alone], horizon=(lo, hi))
            if not placed.reasons:
                continue
            chosen = placed.hard if spec.severity == Severity.HARD else placed.preferred
            for window in chosen:
                windows.append({"rule_id": spec.rule_id, "severity": str(spec.severity),
                                "start": window.earliest, "end": window.latest,
                                "rationale": texts[spec.code].rationale if spec.code in texts
                                else spec.rationale})
        # A running clock (R9-R11) shades the time from its event to its deadline.
        for deadline in report.deadlines:
            if (procedure.procedure_type in deadline.procedure_types
                    and deadline.event_at < hi and deadline.due > lo):
                windows.append({"rule_id": deadline.rule_id, "severity": str(deadline.severity),
                                "start": max(deadline.event_at, lo),
                                "end": min(deadline.due, hi), "rationale": deadline.rationale})
        violated = {
            booking.public_id for booking in own
            if any(str(booking.public_id) in v.booking_ids or str(booking.pk) in v.booking_ids
                   for v in computed)
        }
        rows.append({"procedure": procedure, "bookings": own, "windows": windows,
                     "violated": violated})
    return {"rows": rows, "lo": lo, "hi": hi, "clamped": clamped, "violations": computed,
            "texts": texts,
            "verdicts": [v for v in verdicts if v["status"] != VerdictStatus.NOT_APPLICABLE],
            "not_applicable": not_applicable,
            "skipped": [v for v in not_applicable if v["pair"]]}
