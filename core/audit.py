"""Write audit rows (docs/security.md, S8). Callers pass public ids and pseudonyms only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .access import Principal
from .context import request_id_var
from .models import AuditEvent


def audit_record(
    *,
    principal: Principal | None,
    action: str,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    object_type: str = "",
    object_id: object = "",
    patient_pseudonym: object = "",
    path: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row. Never raises for a missing principal: background work is 'system'."""
    if principal is None:
        actor_type, actor_id = AuditEvent.ActorType.SYSTEM, ""
    else:
        actor_type, actor_id = principal.audit_actor
    return AuditEvent.objects.create(
        actor_type=actor_type,
        actor_id=actor_id,
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=str(object_id or ""),
        patient_pseudonym=str(patient_pseudonym or ""),
        request_id=request_id_var.get(),
        path=path[:300],
        detail=detail or {},
    )


def audit_record_many(
    *,
    principal: Principal | None,
    action: str,
    object_type: str,
    objects: Iterable[tuple[object, object]],
    path: str = "",
) -> None:
    """One row per object in a list or export, in a single INSERT (no N+1 on list endpoints)."""
    actor_type, actor_id = (
        (AuditEvent.ActorType.SYSTEM, "") if principal is None else principal.audit_actor
    )
    request_id = request_id_var.get()
    rows = [
        AuditEvent(
            actor_type=actor_type,
            actor_id=actor_id,
            action=action,
            outcome=AuditEvent.Outcome.SUCCESS,
            object_type=object_type,
            object_id=str(object_id),
            patient_pseudonym=str(pseudonym or ""),
            request_id=request_id,
            path=path[:300],
        )
        for object_id, pseudonym in objects
    ]
    if rows:
        AuditEvent.objects.bulk_create(rows)
