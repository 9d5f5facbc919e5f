"""Pathway clocks (issue 13; scheduling.domain.pathway): administrators' edits of the targets,
and the periodic sweep that alerts coordinators before a breach and records breaches.

The sweep is idempotent: each alert is a PathwayClockAlert row under the unique key (case,
target, kind, due time), created before anything is sent; a re-run (or a second worker) finds
the row and sends nothing, and each notification carries a dedup key as well.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cases import selectors as case_selectors
from core.access import Principal
from core.audit import audit_record
from core.errors import RuleError, StaleVersion
from core.models import AuditEvent, Notification
from core.notifications import notification_send
from core.timezones import local_label
from scheduling import selectors
from scheduling.domain import pathway
from scheduling.domain.pathway import ClockReading, ClockState
from scheduling.models import PathwayClockAlert, PathwayClockTarget
from scheduling.selectors import pathway as clock_selectors

#: The default targets' names, marked for translation (a notice shows the name in the
#: recipient's language when the site kept the default; an edited name is shown as written).
DEFAULT_NAMES = (gettext_noop("Referral to MDT discussion"),
                 gettext_noop("Decision to first treatment"),
                 gettext_noop("Referral to first treatment"))

#: What an administrator may change on a target.
TARGET_EDITABLE = ("target_days", "alert_lead_days", "active", "rationale", "source", "name")


class ClockTargetValueError(RuleError):
    """A target edit outside its allowed range (400, naming the field and the rule)."""


def clock_targets_seed() -> int:
    """Create the default targets that are missing (scheduling.domain.pathway.DEFAULT_TARGETS;
    the same as migration 0014, for a database a test flushed). Returns how many were made."""
    made = 0
    for spec in pathway.DEFAULT_TARGETS:
        _row, created = PathwayClockTarget.objects.get_or_create(code=spec.code, defaults={
            "clock_id": spec.clock_id, "name": spec.name, "start_event": spec.start_event.value,
            "stop_event": spec.stop_event.value, "target_days": spec.target_days,
            "alert_lead_days": spec.alert_lead_days, "rationale": spec.rationale,
            "source": spec.source, "active": spec.active})
        made += int(created)
    return made


@transaction.atomic
def clock_target_update(*, target: PathwayClockTarget, principal: Principal,
                        expected_version: int, changes: dict[str, Any],
                        reason: str) -> PathwayClockTarget:
    """Edit a site's pathway clock target (administrators): the target and lead days within
    scheduling.domain.pathway's ranges, the lead shorter than the target. Bumps the version
    (StaleVersion on an If-Match mismatch) and audits the change with the reason."""
    locked = PathwayClockTarget.objects.select_for_update(of=("self",)).get(pk=target.pk)
    if locked.version != expected_version:
        raise StaleVersion(locked.version, noun="clock target")
    unknown = set(changes) - set(TARGET_EDITABLE)
    if unknown:
        raise ClockTargetValueError("this field cannot be edited", field=sorted(unknown)[0],
                                    rule="not_editable")
    for name, value in changes.items():
        setattr(locked, name, value)
    low, high = pathway.TARGET_DAYS_RANGE
    if not low <= locked.target_days <= high:
        raise ClockTargetValueError(f"a target is {low} to {high} days", field="target_days",
                                    rule="target_days_range")
    low, high = pathway.LEAD_DAYS_RANGE
    if not low <= locked.alert_lead_days <= high:
        raise ClockTargetValueError(f"the alert lead time is {low} to {high} days",
                                    field="alert_lead_days", rule="lead_days_range")
    if locked.alert_lead_days >= locked.target_days:
        raise ClockTargetValueError("the alert lead time must be shorter than the target",
                                    field="alert_lead_days", rule="lead_below_target")
    locked.version = F("version") + 1
    locked.updated_by = principal.user if principal.is_user else None
    locked.change_reason = reason.strip()[:300]
    locked.save(update_fields=[*changes, "version", "updated_by", "change_reason", "updated_at"])
    locked.refresh_from_db()
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE, object_type="clock_target",
                 object_id=locked.public_id, detail={"fields": sorted(changes)})
    return locked


def _subject(*, kind: str, clock_id: str, name: str, label: str,
             reading: ClockReading) -> Callable[[], str]:
    def render() -> str:
        days = abs(pathway.whole_days(reading.time_left or timedelta(0)))
        if kind == PathwayClockAlert.Kind.BREACHED:
            # Translators: {clock} is a pathway clock's id ("CWT-62"), {name} its name
            # ("Referral to first treatment"), {patient} the patient's pseudonym or number.
            return _("{clock} {name} breached for patient {patient}").format(
                clock=clock_id, name=_(name), patient=label)
        # Translators: as above; {days} is how many whole days are left before the target.
        return _("{clock} {name} due in {days} d for patient {patient}").format(
            clock=clock_id, name=_(name), days=days, patient=label)

    return render


def _body(*, target: PathwayClockTarget, reading: ClockReading,
          zone: str) -> Callable[[], str]:
    started, due = reading.started_at, reading.due_at

    def render() -> str:
        # Translators: {start} and {due} are local dates and times with the zone; {days} the
        # target in days.
        return _("Started {start}; the {days}-day target is due {due}. {rationale}").format(
            start=local_label(started, zone) if started else "",
            due=local_label(due, zone) if due else "",
            days=target.target_days, rationale=target.rationale)

    return render


def pathway_clock_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Alert coordinators of every running clock inside its lead time (once per case, clock
    and due time) and record every breach (once). Returns what was new. A notice names the
    patient by ``cases.selectors.case_label`` (hospital number and pseudonym prefix) and gives
    its times in the zone of the case's board (the site's when none is known), each recipient
    reading it in their own language."""
    now = now or timezone.now()
    targets = clock_selectors.clock_targets()
    if not targets:
        return {"due_soon": 0, "breached": 0, "notified": 0}
    horizon = now + timedelta(days=max(t.alert_lead_days for t in targets))
    rows = (clock_selectors.with_board_zone(
        clock_selectors.with_clocks(clock_selectors.open_cases().select_related("patient"),
                                    targets=targets, now=now))
            .filter(pc_next_due__lte=horizon).order_by("pc_next_due", "pk"))
    counts = {"due_soon": 0, "breached": 0, "notified": 0}
    coordinators: list[Any] | None = None
    for row in rows.iterator(chunk_size=500):
        label = ""
        for target, reading in zip(targets, clock_selectors.readings(row, targets=targets,
                                                                      now=now), strict=True):
            if reading.state == ClockState.BREACHED:
                kind = PathwayClockAlert.Kind.BREACHED
            elif reading.state == ClockState.DUE_SOON:
                kind = PathwayClockAlert.Kind.DUE_SOON
            else:
                continue
            if reading.started_at is None or reading.due_at is None:  # pragma: no cover
                continue  # a running clock has both (domain.pathway.read_clock)
            try:
                with transaction.atomic():
                    alert = PathwayClockAlert.objects.create(
                        case=row, plan_id=row.pc_plan_id, target=target, kind=kind,
                        started_at=reading.started_at, due_at=reading.due_at, recorded_at=now)
            except IntegrityError:
                continue  # recorded (and alerted) by an earlier run
            counts[str(kind)] += 1
            if coordinators is None:
                coordinators = selectors.coordinators()
            label = label or case_selectors.case_label(row)
            sent = notification_send(
                recipients=coordinators, kind=Notification.Kind.GENERAL,
                subject=_subject(kind=kind, clock_id=target.clock_id, name=target.name,
                                 label=label, reading=reading),
                body=_body(target=target, reading=reading,
                           zone=clock_selectors.board_zone(row)),
                link=f"/worklist/#case-{row.public_id}",
                dedup_key=f"pathway-clock:{alert.pk}")
            PathwayClockAlert.objects.filter(pk=alert.pk).update(notified=sent)
            counts["notified"] += sent
    return counts
