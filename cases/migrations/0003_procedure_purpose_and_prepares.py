# Issue 11, item 2: a planned procedure's general purpose (replacing embolization_purpose) and
# the procedure it prepares. Three steps (schema, data, constraints): the column is
# renamed and widened, "adjuvant" becomes "pre_ablation", then the constraints are added.

import django.db.models.deletion
from django.db import migrations, models

PURPOSES = [
    ("pre_operative", "Pre-operative"),
    ("pre_ablation", "Pre-ablation"),
    ("palliative", "palliative"),
    ("curative", "curative"),
    ("post_operative", "Post-operative"),
]
ALL = ["curative", "palliative", "post_operative", "pre_ablation", "pre_operative"]
ABLATION = ["curative", "palliative"]


def adjuvant_to_pre_ablation(apps, schema_editor):
    PlannedProcedure = apps.get_model("cases", "PlannedProcedure")
    PlannedProcedure.objects.filter(purpose="adjuvant").update(purpose="pre_ablation")


def pre_ablation_to_adjuvant(apps, schema_editor):
    PlannedProcedure = apps.get_model("cases", "PlannedProcedure")
    PlannedProcedure.objects.filter(purpose="pre_ablation").update(purpose="adjuvant")
    PlannedProcedure.objects.exclude(procedure_type="embolization").update(purpose="")


def _allowed():
    condition = models.Q(purpose="")
    for kind, purposes in (("cryoablation", ABLATION), ("ect", ABLATION),
                           ("embolization", ALL), ("mrgfus", ABLATION), ("mwa", ABLATION),
                           ("rfa", ABLATION)):
        condition |= models.Q(procedure_type=kind, purpose__in=purposes)
    return condition


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0002_add_safety_fields"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="plannedprocedure",
            name="procedure_purpose_only_embolization",
        ),
        migrations.RenameField(
            model_name="plannedprocedure",
            old_name="embolization_purpose",
            new_name="purpose",
        ),
        migrations.AlterField(
            model_name="plannedprocedure",
            name="purpose",
            field=models.CharField(
                blank=True, choices=PURPOSES, max_length=20,
                help_text="Why it is done (cases.domain.codes.PURPOSES_BY_PROCEDURE); it decides "
                          "the timing rules that bind it (R1-R3).",
            ),
        ),
        migrations.AddField(
            model_name="plannedprocedure",
            name="prepares",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="prepared_by", to="cases.plannedprocedure",
                help_text="The procedure of the same plan this one prepares (a pre-operative "
                          "embolization prepares its surgery, a pre-ablation one its ablation).",
            ),
        ),
        migrations.RunPython(adjuvant_to_pre_ablation, pre_ablation_to_adjuvant),
        migrations.AddConstraint(
            model_name="plannedprocedure",
            constraint=models.CheckConstraint(condition=_allowed(),
                                              name="procedure_purpose_allowed"),
        ),
        migrations.AddConstraint(
            model_name="plannedprocedure",
            constraint=models.CheckConstraint(
                condition=models.Q(prepares__isnull=True)
                | models.Q(purpose__in=["pre_ablation", "pre_operative"]),
                name="procedure_prepares_needs_purpose",
            ),
        ),
        migrations.AddConstraint(
            model_name="plannedprocedure",
            constraint=models.CheckConstraint(
                condition=models.Q(prepares__isnull=True)
                | ~models.Q(prepares=models.F("id")),
                name="procedure_not_prepares_self",
            ),
        ),
    ]
