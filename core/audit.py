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
) -> AuditEvent | None:
    """One row for a list, agenda or export, naming every (public id, pseudonym) it disclosed
    in ``entities``, in order: one INSERT whatever the page size. One object disclosed is a row
    about that object, as audit_record writes it; nothing disclosed, no row."""
    entities = [[str(object_id), str(pseudonym or "")] for object_id, pseudonym in objects]
    if not entities:
        return None
    if len(entities) == 1:
        (object_id, pseudonym), = entities
        return audit_record(principal=principal, action=action, object_type=object_type,
                            object_id=object_id, patient_pseudonym=pseudonym, path=path)
    actor_type, actor_id = (
        (AuditEvent.ActorType.SYSTEM, "") if principal is None else principal.audit_actor
    )
    return AuditEvent.objects.create(
        actor_type=actor_type,
        actor_id=actor_id,
        action=action,
        outcome=AuditEvent.Outcome.SUCCESS,
        object_type=object_type,
        entities=entities,
        request_id=request_id_var.get(),
        path=path[:300],
    )
