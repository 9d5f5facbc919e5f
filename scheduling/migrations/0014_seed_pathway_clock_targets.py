"""Seed the pathway clock targets (issue 13; clinical-rules.md R16) from
scheduling.domain.pathway.DEFAULT_TARGETS: England's 28/31/62-day cancer waiting-time
standards. Only missing rows are created, so a site's edits are kept; reversing deletes only
rows still at their defaults (version 1)."""

from django.db import migrations


def seed_targets(apps, schema_editor):
    from scheduling.domain.pathway import DEFAULT_TARGETS

    Target = apps.get_model("scheduling", "PathwayClockTarget")
    for spec in DEFAULT_TARGETS:
        Target.objects.get_or_create(code=spec.code, defaults={
            "clock_id": spec.clock_id,
            "name": spec.name,
            "start_event": spec.start_event.value,
            "stop_event": spec.stop_event.value,
            "target_days": spec.target_days,
            "alert_lead_days": spec.alert_lead_days,
            "rationale": spec.rationale,
            "source": spec.source,
            "active": spec.active,
        })


def unseed_targets(apps, schema_editor):
    from scheduling.domain.pathway import DEFAULT_TARGETS

    Target = apps.get_model("scheduling", "PathwayClockTarget")
    Target.objects.filter(code__in=[s.code for s in DEFAULT_TARGETS], version=1).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("scheduling", "0013_add_pathway_clocks"),
    ]

    operations = [migrations.RunPython(seed_targets, unseed_targets)]
