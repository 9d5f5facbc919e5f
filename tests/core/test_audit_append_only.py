"""Audit rows are append-only in the database itself (docs/security.md, S8)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from core.access import ANONYMOUS
from core.audit import audit_record
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_audit_row_records_actor_object_action_outcome():
    event = audit_record(principal=ANONYMOUS, action="read", outcome="denied",
                         object_type="case", object_id="abc", patient_pseudonym="p-1")
    event.refresh_from_db()
    assert (event.actor_type, event.action, event.outcome, event.object_type) == (
        "anonymous", "read", "denied", "case")
    assert event.at is not None


def test_the_database_refuses_to_update_or_delete_audit_rows():
    event = audit_record(principal=None, action="read", object_type="case", object_id="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(outcome="denied")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk, outcome="success").exists()
