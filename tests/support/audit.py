"""Reading audit rows one entry per object, as an auditor asks "who saw this patient"."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from core.models import AuditEvent


class Entry(NamedTuple):
    action: str
    outcome: str
    object_type: str
    object_id: str
    patient_pseudonym: str
    actor_id: str
    path: str


def audit_entries(rows: Iterable[AuditEvent]) -> list[Entry]:
    """One entry per object each row names (a list row's entities in order), rows in order."""
    return [Entry(row.action, row.outcome, row.object_type, object_id, pseudonym, row.actor_id,
                  row.path)
            for row in rows for object_id, pseudonym in row.subjects]
