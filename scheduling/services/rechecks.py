"""Violations: stored by the plan re-checks, acknowledged by coordinators.

Every booking write enqueues, after commit (outbox), a re-check of each active plan of the
patient (a moved embolization can break another procedure's window, and R7/R18 read across
plans); a nightly sweep and a rule change re-check every plan with a future booking. A re-check
syncs the plan's Violation rows and notifies coordinators once per opening of each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import selectors as case_selectors
from cases.models import TreatmentPlan
from core.access import Principal
from core.audit import audit_record
from core.models import AuditEvent, Notification
from core.notifications import notification_send
from core.outbox import outbox_enqueue
from scheduling import engine_context, selectors
from scheduling.domain import engine
from scheduling.domain.engine import EngineContext
from scheduling.domain.errors import AcknowledgementRefused
from scheduling.domain.types import BookingView, Severity, TimingRuleSpec
from scheduling.domain.types import Violation as RuleViolation
from scheduling.labels import rule_text
from scheduling.models import Booking, TimingRule, Violation

PLAN_RECHECK_TASK = "scheduling.tasks.plan_recheck"
SWEEP_TASK = "scheduling.tasks.booking_sweep_recheck"


@dataclass(frozen=True)
class Judged:
    """What a booking write checked its change against (booking_checks.check_rules): the
    patient's active bookings after the change, the engine context and the site's rules."""

    views: list[BookingView]
    context: EngineContext
    rules: list[TimingRuleSpec]


def _bookings_key(booking_ids: Iterable[str]) -> str:
    return hashlib.sha256(",".join(sorted(booking_ids)).encode()).hexdigest()[:40]


def plan_rechecks_enqueue(patient_id: int) -> None:
    """Re-check every active plan of the patient after commit: a moved embolization can break
    another procedure's window, and R7/R18 read across plans."""
    plan_ids = TreatmentPlan.objects.filter(
        case__patient_id=patient_id, status=TreatmentPlan.Status.ACTIVE
    ).values_list("pk", flat=True)
    for plan_id in plan_ids:
        outbox_enqueue(task_name=PLAN_RECHECK_TASK, kwargs={"plan_id": plan_id},
                       dedup_key=f"{PLAN_RECHECK_TASK}:{plan_id}")


def violations_store(*, plan: TreatmentPlan, now: datetime,
                     judged: Judged | None = None) -> list[RuleViolation]:
    """Evaluate the plan against the patient's bookings and sync the Violation rows.

    New ones are created, existing ones refreshed (re-opened if they had been resolved),
    vanished ones resolved. Acknowledged ones stay acknowledged while they persist. Returns the
    current soft violations (domain values). ``judged``: what a booking write has just checked
    its change against (the patient's bookings after it, the engine context, the rules), so
    they are not read a second time; else they are read here.
    """
    patient_id = plan.case.patient_id
    if judged is None:
        views = selectors.patient_booking_views(patient_id=patient_id)
        judged = Judged(views=views, rules=selectors.rule_specs(),
                        context=engine_context.engine_context(patient_id=patient_id,
                                                              bookings=views, now=now))
    views = judged.views
    own = [v for v in views if v.plan_id == str(plan.pk)]
    tz = selectors.plan_tz(plan)
    current = engine.evaluate(bookings=own, rules=judged.rules, history=views, tz=tz,
                              context=judged.context)
    rules_by_code = {r.code: r for r in TimingRule.objects.filter(
        code__in={v.rule_code for v in current})}
    existing = {(v.rule_code, v.bookings_key): v for v in Violation.objects.filter(plan=plan)}
    seen = set()
    for v in current:
        key = (v.rule_code, _bookings_key(v.booking_ids))
        seen.add(key)
        fields = {
            "rule_id": v.rule_id, "severity": v.severity.value, "message": v.message,
            "off_by_minutes": int(v.off_by.total_seconds() // 60),
            "booking_public_ids": sorted(v.booking_ids), "last_seen_at": now,
            "timing_rule": rules_by_code.get(v.rule_code),
        }
        row = existing.get(key)
        if row is None:
            try:
                with transaction.atomic():
                    Violation.objects.create(plan=plan, rule_code=v.rule_code, bookings_key=key[1],
                                             first_seen_at=now, **fields)
            except IntegrityError:
                # A concurrent re-check inserted it first; refresh it instead.
                Violation.objects.filter(plan=plan, rule_code=key[0], bookings_key=key[1]).update(**fields)
            continue
        if row.status == Violation.Status.RESOLVED:
            fields.update(status=Violation.Status.OPEN, resolved_at=None,
                          occurrences=F("occurrences") + 1)
        Violation.objects.filter(pk=row.pk).update(**fields)
    gone = [row.pk for key, row in existing.items()
            if key not in seen and row.status != Violation.Status.RESOLVED]
    if gone:
        Violation.objects.filter(pk__in=gone).update(status=Violation.Status.RESOLVED, resolved_at=now)
    return [v for v in current if v.severity == Severity.SOFT]


def _violation_subject(*, rule_id: str, severity: str, label: str) -> Callable[[], str]:
    """The notice's subject, rendered in the recipient's language."""
    def render() -> str:
        if severity == Severity.HARD:
            # Translators: {rule} is a timing rule's code ("R1"); a hard rule refuses the
            # booking. {patient} is the patient's pseudonym or hospital number.
            text = _("{rule} hard timing rule broken in the plan of patient {patient}")
        else:
            # Translators: {rule} is a timing rule's code ("R1"); a soft rule only warns.
            # {patient} is the patient's pseudonym or hospital number.
            text = _("{rule} soft timing rule broken in the plan of patient {patient}")
        return text.format(rule=rule_id, patient=label)

    return render


@transaction.atomic
def plan_recheck(*, plan_id: int, now: datetime | None = None) -> dict[str, int]:
    """Re-evaluate one plan, store its violations and notify coordinators of each open one once
    (dedup key: violation id + how many times it opened). Safe to run twice."""
    now = now or timezone.now()
    plan = TreatmentPlan.objects.select_related("case").filter(pk=plan_id).first()
    if plan is None:
        return {"open": 0, "notified": 0}
    # Serialise concurrent re-checks of one plan (two workers after a redelivery).
    TreatmentPlan.objects.select_for_update(of=("self",)).filter(pk=plan.pk).first()
    violations_store(plan=plan, now=now)
    open_rows = list(Violation.objects.filter(plan=plan, status=Violation.Status.OPEN))
    notified = 0
    coordinators = selectors.coordinators() if open_rows else []
    label = case_selectors.case_label(plan.case) if open_rows else ""
    for row in open_rows:
        notified += notification_send(
            recipients=coordinators, kind=Notification.Kind.RULE_VIOLATION,
            subject=_violation_subject(rule_id=row.rule_id, severity=row.severity, label=label),
            # The engine's English sentence, worded again in the reader's language (dates too).
            body=lambda message=row.message: rule_text(message),
            link=f"/plans/{plan.public_id}/timeline/",
            dedup_key=f"violation:{row.public_id}:{row.occurrences}",
        )
    return {"open": len(open_rows), "notified": notified}


def booking_sweep_recheck(*, now: datetime | None = None) -> int:
    """Enqueue a re-check of every active plan with a future active booking (nightly, and after
    a rule change). Returns how many plans were enqueued."""
    now = now or timezone.now()
    plan_ids = list(
        Booking.objects.filter(end__gt=now, plan__status=TreatmentPlan.Status.ACTIVE)
        .exclude(status=Booking.Status.CANCELLED)
        .values_list("plan_id", flat=True).distinct().order_by("plan_id")
    )
    with transaction.atomic():
        for plan_id in plan_ids:
            outbox_enqueue(task_name=PLAN_RECHECK_TASK, kwargs={"plan_id": plan_id},
                           dedup_key=f"{PLAN_RECHECK_TASK}:{plan_id}")
    return len(plan_ids)


@transaction.atomic
def violation_acknowledge(*, violation: Violation, principal: Principal, reason: str) -> Violation:
    """A coordinator accepts a soft violation with a reason (kept until it resolves).
    Raises AcknowledgementRefused (→ 409) for a hard or resolved violation or an empty
    reason."""
    if not reason.strip():
        raise AcknowledgementRefused("An acknowledgement needs a reason.")
    locked = Violation.objects.select_for_update(of=("self",)).get(pk=violation.pk)
    if locked.severity != Severity.SOFT or locked.status == Violation.Status.RESOLVED:
        raise AcknowledgementRefused("Only an open soft violation can be acknowledged.")
    Violation.objects.filter(pk=locked.pk).update(
        status=Violation.Status.ACKNOWLEDGED, acknowledged_at=timezone.now(),
        acknowledged_by=principal.user if principal.is_user else None,
        acknowledged_reason=reason.strip()[:300],
    )
    locked.refresh_from_db()
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE, object_type="violation",
                 object_id=locked.public_id, detail={"acknowledged": locked.rule_code})
    return locked
