"""Bounded timing-rule values (issue 10 item 12): lags within a year either way, a preferred lag
inside [min, max], known kinds, scopes and anchors, as database CheckConstraints.

A lag like -10^12 minutes may already be stored (that is how the issue was found). Such a row
cannot take the constraint, so it is first reset to the seeded default of its rule code
(scheduling.domain.catalogue), with the version bumped and the reason recorded: the default is
the clinically reviewed value, and the sweep re-checks plans against it. A site's own rule
(no default to return to) with an impossible value stops the migration, naming the rule.
"""

import django.core.validators
from django.db import migrations, models
from django.db.models import F

LIMIT = 366 * 24 * 60  # frozen copy of scheduling.domain.rule_limits.LAG_LIMIT_MINUTES
LAGS = ("min_lag_minutes", "max_lag_minutes", "preferred_lag_minutes")
KINDS = ("lag", "follow_up", "fractionation")
SCOPES = ("same_lesion", "same_patient")
ANCHORS = ("start", "end")
MESSAGE = f"A lag is at most one year either way: from {-LIMIT} to {LIMIT} minutes."
HELP = ("Minutes (lag = to.anchor - from.anchor). Each rule id has an allowed range "
        "(clinical-rules.md); never more than a year either way.")


def _minutes(delta):
    return None if delta is None else int(delta.total_seconds() // 60)


def _broken(rule):
    lo, hi, pref = (getattr(rule, f) for f in LAGS)
    if any(v is not None and not -LIMIT <= v <= LIMIT for v in (lo, hi, pref)):
        return True
    if pref is not None and ((lo is not None and pref < lo) or (hi is not None and pref > hi)):
        return True
    return (rule.kind not in KINDS or rule.scope not in SCOPES
            or rule.from_anchor not in ANCHORS or rule.to_anchor not in ANCHORS)


def reset_out_of_range_rules(apps, schema_editor):
    from scheduling.domain.catalogue import DEFAULT_RULES

    defaults = {r.code: r for r in DEFAULT_RULES}
    TimingRule = apps.get_model("scheduling", "TimingRule")
    unresolved = []
    for rule in TimingRule.objects.all():
        if not _broken(rule):
            continue
        default = defaults.get(rule.code)
        if default is None:
            unresolved.append(rule.code)
            continue
        TimingRule.objects.filter(pk=rule.pk).update(
            min_lag_minutes=_minutes(default.min_lag), max_lag_minutes=_minutes(default.max_lag),
            preferred_lag_minutes=_minutes(default.preferred_lag), kind=default.kind.value,
            scope=default.scope.value, from_anchor=default.from_anchor.value,
            to_anchor=default.to_anchor.value, version=F("version") + 1,
            change_reason="Reset to the default by migration scheduling 0008: a value was out "
                          "of range.",
        )
    if unresolved:
        raise RuntimeError("Timing rules with out-of-range values and no default to reset to; "
                           "fix them first: " + ", ".join(sorted(unresolved)))


def _lag_field():
    return models.IntegerField(
        blank=True, null=True, help_text=HELP,
        validators=[django.core.validators.MinValueValidator(-LIMIT, message=MESSAGE),
                    django.core.validators.MaxValueValidator(LIMIT, message=MESSAGE)])


def _in_range(name):
    return (models.Q((f"{name}__isnull", True))
            | models.Q((f"{name}__gte", -LIMIT), (f"{name}__lte", LIMIT)))


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0007_add_one_active_booking_per_procedure")]

    operations = [
        migrations.RunPython(reset_out_of_range_rules, migrations.RunPython.noop),
        migrations.AlterField(model_name="timingrule", name="min_lag_minutes", field=_lag_field()),
        migrations.AlterField(model_name="timingrule", name="max_lag_minutes", field=_lag_field()),
        migrations.AlterField(model_name="timingrule", name="preferred_lag_minutes",
                              field=_lag_field()),
        migrations.AddConstraint(
            model_name="timingrule",
            constraint=models.CheckConstraint(condition=_in_range("min_lag_minutes"),
                                              name="timing_rule_min_lag_range"),
        ),
        migrations.AddConstraint(
            model_name="timingrule",
            constraint=models.CheckConstraint(condition=_in_range("max_lag_minutes"),
                                              name="timing_rule_max_lag_range"),
        ),
        migrations.AddConstraint(
            model_name="timingrule",
            constraint=models.CheckConstraint(condition=_in_range("preferred_lag_minutes"),
                                              name="timing_rule_preferred_lag_range"),
        ),
        migrations.AddConstraint(
            model_name="timingrule",
            constraint=models.CheckConstraint(
                condition=models.Q(("preferred_lag_minutes__isnull", True))
                | ((models.Q(("min_lag_minutes__isnull", True))
                    | models.Q(("preferred_lag_minutes__gte", models.F("min_lag_minutes"))))
                   & (models.Q(("max_lag_minutes__isnull", True))
                      | models.Q(("preferred_lag_minutes__lte", models.F("max_lag_minutes"))))),
                name="timing_rule_preferred_lag_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="timingrule",
            constraint=models.CheckConstraint(condition=models.Q(("kind__in", list(KINDS))),
                                              name="timing_rule_kind_valid"),
        ),
        migrations.AddConstraint(
            model_name="timingrule",
            constraint=models.CheckConstraint(condition=models.Q(("scope__in", list(SCOPES))),
                                              name="timing_rule_scope_valid"),
        ),
        migrations.AddConstraint(
            model_name="timingrule",
            constraint=models.CheckConstraint(
                condition=models.Q(("from_anchor__in", list(ANCHORS)),
                                   ("to_anchor__in", list(ANCHORS))),
                name="timing_rule_anchor_valid",
            ),
        ),
    ]
