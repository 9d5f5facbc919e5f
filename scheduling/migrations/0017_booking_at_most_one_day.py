"""A booking (and a person's booking with it) lasts at most one day, so range queries can bound
the start index (scheduling.domain.types.MAX_BOOKING_LENGTH).

On SQLite, adding a CHECK constraint rebuilds the table, and the rebuild drops its triggers:
the no-overlap guards of migrations 0002 (rooms) and 0016 (people) are created again right after
(``IF NOT EXISTS``: a no-op where they survived). PostgreSQL adds the constraints in place and
keeps its exclusion constraints.
"""

import datetime
import importlib
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


_ROOMS = importlib.import_module("scheduling.migrations.0002_add_booking_overlap_guard")
_PEOPLE = importlib.import_module("scheduling.migrations.0016_booking_staff")


def restore_sqlite_overlap_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in [*_ROOMS.SQLITE_FORWARD, *_PEOPLE.SQLITE_FORWARD]:
        schema_editor.execute(statement.replace("CREATE TRIGGER ", "CREATE TRIGGER IF NOT EXISTS ", 1))


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_patient_identification_imaging_documents'),
        ('scheduling', '0016_booking_staff'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='booking',
            constraint=models.CheckConstraint(condition=models.Q(('end__lte', django.db.models.expressions.CombinedExpression(models.F('start'), '+', models.Value(datetime.timedelta(days=1))))), name='booking_at_most_one_day'),
        ),
        migrations.AddConstraint(
            model_name='bookingstaff',
            constraint=models.CheckConstraint(condition=models.Q(('end__lte', django.db.models.expressions.CombinedExpression(models.F('start'), '+', models.Value(datetime.timedelta(days=1))))), name='booking_staff_at_most_one_day'),
        ),
        migrations.RunPython(restore_sqlite_overlap_guards, migrations.RunPython.noop),
    ]
