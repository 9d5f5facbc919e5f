"""Runs discarded or failed before ``SolverRun.reason`` existed: their reason read from the
English message the service stored (the run page words the reason in the reader's language)."""

from django.db import migrations

# (status, a phrase only that message has, reason)
KNOWN = (
    ("discarded", "has already started", "proposal_passed"),
    ("discarded", "changed since the run", "inputs_changed"),
    ("discarded", "changed while the solver worked", "inputs_changed"),
    ("failed", "The solver failed", "solver_failed"),
)


def backfill(apps, schema_editor):
    SolverRun = apps.get_model("scheduling", "SolverRun")
    for status, phrase, reason in KNOWN:
        SolverRun.objects.filter(status=status, reason="", message__contains=phrase).update(
            reason=reason)


class Migration(migrations.Migration):

    dependencies = [
        ("scheduling", "0019_solver_run_reason"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
