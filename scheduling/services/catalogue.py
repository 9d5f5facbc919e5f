"""Administrators' edits of the site's timing rules and procedure catalogue.

Both are optimistic (If-Match: StaleVersion on a version mismatch), audited, and bounded: a
timing rule's lags stay within its rule id's clinical range and the template within its ranges
(scheduling.domain.rule_limits); a catalogue entry is checked by the model (full_clean). A rule
change re-checks every plan with a future booking (the sweep, after commit).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F

from core.access import Principal
from core.audit import audit_record
from core.errors import RuleError, StaleVersion
from core.models import AuditEvent
from core.outbox import outbox_enqueue
from scheduling.domain import rule_limits
from scheduling.domain.types import Severity
from scheduling.models import ProcedureCatalogueEntry, TimingRule
from scheduling.services.rechecks import SWEEP_TASK

RULE_EDITABLE = ("min_lag_minutes", "max_lag_minutes", "preferred_lag_minutes", "severity",
                 "active", "rationale", "source", "template")


class RuleValueError(RuleError):
    """A timing-rule value outside its allowed range or order (→ 400); names the field and the
    rule (``lag_range``, ``lag_order``, ``template_range``), and the message gives the range."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message, field=field, rule=rule)


@transaction.atomic
def timing_rule_update(*, rule: TimingRule, principal: Principal, expected_version: int,
                       changes: dict[str, Any], reason: str = "") -> TimingRule:
    """Edit a site's timing rule (administrators). Bumps the version (StaleVersion on mismatch),
    validates each lag against the rule id's allowed range, min ≤ preferred ≤ max and the
    template's ranges (scheduling.domain.rule_limits; RuleValueError naming the field, rule and
    range), and enqueues the sweep so every future plan is re-checked against the new rule."""
    locked = TimingRule.objects.select_for_update(of=("self",)).get(pk=rule.pk)
    if locked.version != expected_version:
        raise StaleVersion(locked.version, noun="timing rule")
    unknown = set(changes) - set(RULE_EDITABLE)
    if unknown:
        raise RuleValueError(sorted(unknown)[0], "not_editable", "this field cannot be edited")
    for name, value in changes.items():
        setattr(locked, name, value)
    if locked.severity not in {s.value for s in Severity}:
        raise RuleValueError("severity", "choice", "must be hard or soft")
    problems = rule_limits.lag_problems(
        rule_id=locked.rule_id, min_lag=locked.min_lag_minutes, max_lag=locked.max_lag_minutes,
        preferred_lag=locked.preferred_lag_minutes,
    ) + rule_limits.template_problems(kind=locked.kind, template=locked.template)
    if problems:
        raise RuleValueError(*problems[0])
    locked.version = F("version") + 1
    locked.updated_by = principal.user if principal.is_user else None
    locked.change_reason = reason.strip()[:300]
    locked.save(update_fields=[*changes, "version", "updated_by", "change_reason", "updated_at"])
    locked.refresh_from_db()
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE, object_type="timing_rule",
                 object_id=locked.public_id, detail={"fields": sorted(changes)})
    outbox_enqueue(task_name=SWEEP_TASK, kwargs={}, dedup_key=SWEEP_TASK)
    return locked


@transaction.atomic
def catalogue_entry_update(*, entry: ProcedureCatalogueEntry, principal: Principal,
                           expected_version: int, changes: dict[str, Any]) -> ProcedureCatalogueEntry:
    """Edit a procedure's default duration / room kinds / fraction options (administrators)."""
    locked = ProcedureCatalogueEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
    if locked.version != expected_version:
        raise StaleVersion(locked.version, noun="catalogue entry")
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.version = F("version") + 1
    locked.save(update_fields=[*changes, "version", "updated_at"])
    locked.refresh_from_db()
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE,
                 object_type="procedure_catalogue", object_id=locked.procedure_type,
                 detail={"fields": sorted(changes)})
    return locked
