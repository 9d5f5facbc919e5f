"""Seed the timing rules (R1-R8, R17, R18) and the procedure catalogue from the domain defaults.

Idempotent (update_or_create by code / procedure type is not used: existing site edits are kept,
only missing rows are created). Reversing deletes nothing a site may have edited.
"""

from django.db import migrations


def _minutes(delta):
    return None if delta is None else int(delta.total_seconds() // 60)


def seed(apps, schema_editor):
    from scheduling.domain.catalogue import DEFAULT_PROCEDURES, DEFAULT_RULES

    TimingRule = apps.get_model("scheduling", "TimingRule")
    Entry = apps.get_model("scheduling", "ProcedureCatalogueEntry")
    for rule in DEFAULT_RULES:
        TimingRule.objects.get_or_create(
            code=rule.code,
            defaults={
                "rule_id": rule.rule_id,
                "kind": rule.kind.value,
                "from_procedures": sorted(rule.from_procedures),
                "from_purposes": sorted(rule.from_purposes),
                "to_procedures": sorted(rule.to_procedures),
                "from_anchor": rule.from_anchor.value,
                "to_anchor": rule.to_anchor.value,
                "min_lag_minutes": _minutes(rule.min_lag),
                "max_lag_minutes": _minutes(rule.max_lag),
                "preferred_lag_minutes": _minutes(rule.preferred_lag),
                "symmetric": rule.symmetric,
                "severity": rule.severity.value,
                "scope": rule.scope.value,
                "template": dict(rule.template),
                "rationale": rule.rationale,
                "source": rule.source,
            },
        )
    for entry in DEFAULT_PROCEDURES:
        Entry.objects.get_or_create(
            procedure_type=entry.procedure_type,
            defaults={
                "duration_minutes": _minutes(entry.duration),
                "resource_kinds": sorted(entry.resource_kinds),
                "fraction_options": list(entry.fraction_options),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_add_booking_overlap_guard")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
