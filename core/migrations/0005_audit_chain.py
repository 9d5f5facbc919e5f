"""Issue 10 item 3: the audit trail holds even against the application's own database role.

1. TRUNCATE on core_auditevent is always refused. Migration 0002's trigger let any session that
   set ``boardsvc.audit_truncate_allowed = on`` empty the table, and any role can set a custom
   setting; the function is replaced here without that switch.
2. core_auditchainlink, the hash chain over audit rows (core.auditchain), gets the same
   append-only triggers: no UPDATE, DELETE or TRUNCATE.

Privileges do the rest: the service runs as a role that may only INSERT and SELECT on both
tables (``manage.py db_roles``, README "Database roles"). A table owner can still disable
triggers; the chain and its checkpoints outside the database reveal what it changes.
"""

import importlib

from django.db import migrations, models

PG_FORWARD = """
CREATE OR REPLACE FUNCTION core_auditevent_no_truncate() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'core_auditevent is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION core_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only',
    ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditchainlink_no_update BEFORE UPDATE OR DELETE ON core_auditchainlink
  FOR EACH ROW EXECUTE FUNCTION core_append_only();
CREATE TRIGGER core_auditchainlink_no_truncate BEFORE TRUNCATE ON core_auditchainlink
  FOR EACH STATEMENT EXECUTE FUNCTION core_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS core_auditchainlink_no_update ON core_auditchainlink;
DROP TRIGGER IF EXISTS core_auditchainlink_no_truncate ON core_auditchainlink;
DROP FUNCTION IF EXISTS core_append_only();
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER IF NOT EXISTS core_auditchainlink_no_update BEFORE UPDATE ON "
    "core_auditchainlink BEGIN SELECT RAISE(ABORT, 'core_auditchainlink is append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS core_auditchainlink_no_delete BEFORE DELETE ON "
    "core_auditchainlink BEGIN SELECT RAISE(ABORT, 'core_auditchainlink is append-only'); END;",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS core_auditchainlink_no_update;",
    "DROP TRIGGER IF EXISTS core_auditchainlink_no_delete;",
]


def _pg_0002_truncate_function() -> str:
    """Migration 0002's own TRUNCATE function, restored when this migration is reversed."""
    sql = importlib.import_module("core.migrations.0002_audit_append_only").PG_FORWARD
    start = sql.index("CREATE OR REPLACE FUNCTION core_auditevent_no_truncate()")
    return sql[start:sql.index("CREATE TRIGGER core_auditevent_no_truncate")]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
        schema_editor.execute(_pg_0002_truncate_function())
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_add_dead_letter")]

    operations = [
        migrations.CreateModel(
            name="AuditChainLink",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False)),
                ("audit_event_id", models.BigIntegerField(unique=True)),
                ("prev_hash", models.CharField(max_length=64, unique=True)),
                ("hash", models.CharField(max_length=64)),
                ("sealed_at", models.DateTimeField()),
            ],
            options={"ordering": ["seq"]},
        ),
        migrations.RunPython(forward, backward),
    ]
