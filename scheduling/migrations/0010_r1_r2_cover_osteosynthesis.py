"""R1 and R2 bind a pre-operative embolization to the operation it prepares: surgery or
osteosynthesis (issue 11, item 2; cases.domain.codes.PREPARED_BY_PURPOSE). A site's rule whose
"to" side was edited is left as the site made it."""

from django.db import migrations

CODES = ("R1-window-soft", "R1-window-hard", "R2-order")


def widen(apps, schema_editor):
    TimingRule = apps.get_model("scheduling", "TimingRule")
    for rule in TimingRule.objects.filter(code__in=CODES):
        if sorted(rule.to_procedures) == ["surgery"]:
            rule.to_procedures = ["osteosynthesis", "surgery"]
            rule.save(update_fields=["to_procedures"])


def narrow(apps, schema_editor):
    TimingRule = apps.get_model("scheduling", "TimingRule")
    for rule in TimingRule.objects.filter(code__in=CODES):
        if sorted(rule.to_procedures) == ["osteosynthesis", "surgery"]:
            rule.to_procedures = ["surgery"]
            rule.save(update_fields=["to_procedures"])


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0009_add_clock_rules")]

    operations = [migrations.RunPython(widen, narrow)]
