"""Closures and absences get a public id (the API and pages name them), who added them and
when (new rows, the admin's too; rows from before have no date). Existing rows get a fresh id each: added without the unique constraint, filled, then made
unique (one shared default would break it)."""

import uuid

import django.utils.timezone
from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    ResourceException = apps.get_model("scheduling", "ResourceException")
    for row in ResourceException.objects.filter(public_id__isnull=True).only("pk"):
        ResourceException.objects.filter(pk=row.pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ("scheduling", "0021_solver_run_notice"),
    ]

    operations = [
        migrations.AddField(
            model_name="resourceexception",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="resourceexception",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="resourceexception",
            name="created_by",
            field=models.CharField(blank=True, max_length=80),
        ),
        # Rows from before stay without a date (AddField, then the default for new rows).
        migrations.AddField(
            model_name="resourceexception",
            name="created_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="resourceexception",
            name="created_at",
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True),
        ),
    ]
