"""One audit row per list, agenda or export naming every object it disclosed (issue 15, item 8).

The column is nullable so that adding it is a plain ALTER TABLE on both databases: SQLite
would otherwise rebuild the table and lose its append-only triggers. On PostgreSQL a GIN
index (jsonb_path_ops) answers "which rows name this patient" through ``entities @> '[["…"]]'``.
"""

from django.db import migrations, models

PG_INDEX = ("CREATE INDEX IF NOT EXISTS audit_entities_gin ON core_auditevent "
            "USING gin (entities jsonb_path_ops)")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_INDEX)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS audit_entities_gin")


class Migration(migrations.Migration):
    dependencies = [("core", "0008_task_receipt")]
    operations = [
        migrations.AddField(model_name="auditevent", name="entities",
                            field=models.JSONField(blank=True, null=True)),
        migrations.RunPython(forward, backward),
    ]
