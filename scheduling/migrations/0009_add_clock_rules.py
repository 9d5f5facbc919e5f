"""Timing rules measured from a case event (issue 11 item 5): R9, R10 and R11 (kind "clock").

1. The rule-kind CheckConstraint gains "clock" (scheduling.domain.types.RuleKind), and
   ``from_procedures`` may be blank (a clock runs from a case event, not a procedure).
2. The three rules are seeded from scheduling.domain.catalogue, like migration 0003: only rows
   that are missing are created, so a site's edits are kept; reversing deletes nothing a site
   may have edited.

- R9  suspected MSCC: whole-spine MRI within 24 h of the suspicion (hard);
- R10 MSCC not for surgery: radiotherapy within 24 h of the decision to treat (hard);
- R11 suspected spinal metastases without neurology: MRI within 1 week (soft).
(docs/clinical-rules.md; ranges in scheduling.domain.rule_limits.)
"""

from django.db import migrations, models

CLOCK_CODES = ("R9-mscc-mri", "R10-mscc-rt", "R11-spinal-mri")
KINDS = ["lag", "follow_up", "fractionation", "clock"]


def _minutes(delta):
    return None if delta is None else int(delta.total_seconds() // 60)


def seed_clock_rules(apps, schema_editor):
    from scheduling.domain.catalogue import CLOCK_RULES

    TimingRule = apps.get_model("scheduling", "TimingRule")
    for rule in CLOCK_RULES:
        if rule.code not in CLOCK_CODES:
            continue
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


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0008_add_timing_rule_ranges")]

    operations = [
        migrations.RemoveConstraint(model_name="timingrule", name="timing_rule_kind_valid"),
        migrations.AlterField(
            model_name="timingrule",
            name="kind",
            field=models.CharField(
                choices=[("lag", "lag"), ("follow_up", "follow up"),
                         ("fractionation", "fractionation"), ("clock", "clock")],
                default="lag", max_length=16),
        ),
        migrations.AddConstraint(
            model_name="timingrule",
            constraint=models.CheckConstraint(condition=models.Q(("kind__in", KINDS)),
                                              name="timing_rule_kind_valid"),
        ),
        # A clock has no "from" procedure (TimingRule.clean requires one for the other kinds).
        migrations.AlterField(model_name="timingrule", name="from_procedures",
                              field=models.JSONField(blank=True, default=list)),
        migrations.RunPython(seed_clock_rules, migrations.RunPython.noop),
    ]
