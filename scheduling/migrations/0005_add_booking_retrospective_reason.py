"""Bookings whose start is already past record why (issue 10 item 5): ``retrospective_reason``.

On SQLite, adding a NOT NULL column rebuilds the table, and the rebuild drops the table's
triggers, among them the no-overlap guard of migration 0002. The guard is created again right
after (``IF NOT EXISTS``: a no-op where it survived). PostgreSQL adds the column in place and
keeps its exclusion constraint.
"""

import importlib

from django.db import migrations, models

_GUARD = importlib.import_module("scheduling.migrations.0002_add_booking_overlap_guard")


def restore_sqlite_overlap_guard(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in _GUARD.SQLITE_FORWARD:
        schema_editor.execute(statement.replace("CREATE TRIGGER ", "CREATE TRIGGER IF NOT EXISTS ", 1))


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0004_add_violation_status_index")]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="retrospective_reason",
            field=models.CharField(
                blank=True, default="", max_length=300,
                help_text="Why a booking that starts in the past was recorded (work already done).",
            ),
        ),
        migrations.RunPython(restore_sqlite_overlap_guard, migrations.RunPython.noop),
    ]
