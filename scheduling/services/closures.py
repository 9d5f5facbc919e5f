"""Closures and absences: a coordinator (or a hospital system) closes a room or marks a person
away for a span, or adds an extra session, and removes one added by mistake.

A closure over bookings does not move them and is not refused: the room is closed whatever the
bookings say. The bookings it falls on are returned (and listed on the worklist until they are
moved) for a repair run per plan, which re-plans only them (scheduling.services.solver_runs).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from core.access import Principal
from core.audit import audit_record
from core.errors import NotFound, RuleError
from core.models import Notification
from core.notifications import notification_send
from core.timezones import zone_info, zone_name
from core.web.localized import localized_name
from scheduling import selectors
from scheduling.domain.catalogue import STAFF_KINDS
from scheduling.domain.types import ExceptionKind
from scheduling.models import Resource, ResourceException
from scheduling.selectors import closures
from scheduling.services.solver_runs import requester

MAX_SPAN = timedelta(days=366)
REASON_MAX = 200


def closure_add(*, resource: Resource, kind: str, start: datetime, end: datetime, reason: str,
                principal: Principal | None, now: datetime | None = None,
                path: str = "") -> ResourceException:
    """Store a closure, maintenance window or extra session of ``resource`` over [start, end).

    Refused (400, naming the field): a naive time, an end not after the start, a span over a
    year, an end already past, a closure or maintenance without a reason, an unknown kind, or an
    inactive resource."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if kind not in {k.value for k in ExceptionKind}:
        raise RuleError(f"kind must be one of {', '.join(k.value for k in ExceptionKind)}.",
                        field="kind", rule="choice")
    for field, value in (("start", start), ("end", end)):
        if timezone.is_naive(value):
            raise RuleError(f"{field} must carry a time zone offset.", field=field,
                            rule="timezone_required")
    if end <= start:
        raise RuleError("end must be after start.", field="end", rule="end_after_start")
    if end - start > MAX_SPAN:
        raise RuleError("A closure spans at most 366 days: add another for the rest.",
                        field="end", rule="max_span")
    if end <= now:
        raise RuleError("end has already passed: a closure changes only time to come.",
                        field="end", rule="in_future")
    if kind != ExceptionKind.EXTRA_SESSION and not reason:
        raise RuleError("reason is required for a closure or maintenance (the coordinators "
                        "and the audit trail read it).", field="reason", rule="required")
    if len(reason) > REASON_MAX:
        raise RuleError(f"reason is at most {REASON_MAX} characters.", field="reason",
                        rule="max_length")
    if not resource.active:
        raise RuleError("This resource is no longer in use.", field="resource", rule="inactive")
    with transaction.atomic():
        closure = ResourceException.objects.create(
            resource=resource, kind=kind, start=start, end=end, reason=reason,
            created_by=requester(principal), created_at=now)
        audit_record(principal=principal, action="create", object_type="resource_exception",
                     object_id=closure.public_id, path=path,
                     detail={"resource": str(resource.public_id), "kind": kind,
                             "start": start.isoformat(), "end": end.isoformat(),
                             "reason": reason})
        _notify(closure, count=len(closures.booking_ids_in(closure, now=now)))
    return closure


def _notify(closure: ResourceException, *, count: int) -> None:
    """Tell the coordinators when a closure falls on bookings (whoever added it: a colleague,
    a hospital system through the API): how many, which room or person and from when, and the
    link to its page, which lists them. A count and a resource: no patient, and not the
    free-text reason (the page shows it)."""
    if not count:
        return
    resource = closure.resource
    local = timezone.localtime(closure.start, zone_info(resource.timezone))
    person = resource.kind in STAFF_KINDS

    def subject() -> str:
        values = {"resource": localized_name(resource), "n": count,
                  "start": f"{local:%Y-%m-%d %H:%M} {zone_name(resource.timezone)}"}
        if person and closure.kind == ExceptionKind.CLOSURE:
            return ngettext("%(resource)s away from %(start)s: %(n)d booking to re-plan",
                            "%(resource)s away from %(start)s: %(n)d bookings to re-plan",
                            count) % values
        if closure.kind == ExceptionKind.MAINTENANCE:
            return ngettext(
                "%(resource)s in maintenance from %(start)s: %(n)d booking to re-plan",
                "%(resource)s in maintenance from %(start)s: %(n)d bookings to re-plan",
                count) % values
        return ngettext("%(resource)s closed from %(start)s: %(n)d booking to re-plan",
                        "%(resource)s closed from %(start)s: %(n)d bookings to re-plan",
                        count) % values

    notification_send(
        recipients=selectors.coordinators(), kind=Notification.Kind.GENERAL, subject=subject,
        link=f"/resources/{resource.public_id}/closures/{closure.public_id}/",
        dedup_key=f"closure:{closure.public_id}")


def closure_remove(*, closure: ResourceException, principal: Principal | None,
                   path: str = "", now: datetime | None = None) -> None:
    """Remove a closure (added by mistake, or the room reopens): its time is free again. One
    already over is history (the bookings of its time were judged against it): 409. Two
    removals at once remove it once (the row is locked; the second finds it gone: 404)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (ResourceException.objects.select_for_update(of=("self",))
                  .filter(pk=closure.pk).first())
        if locked is None:
            raise NotFound("No such closure of this resource.")
        if locked.end <= now:
            raise RuleError("This closure is over: it stays as the record of that time.",
                            field="closure", rule="over", status=409)
        audit_record(principal=principal, action="delete", object_type="resource_exception",
                     object_id=locked.public_id, path=path,
                     detail={"resource": str(closure.resource.public_id), "kind": locked.kind,
                             "start": locked.start.isoformat(),
                             "end": locked.end.isoformat(), "reason": locked.reason})
        locked.delete()
