"""One active booking per planned procedure, RT fractions aside (issue 10 item 6): a partial
unique index (PostgreSQL and SQLite both support it; on SQLite it needs no table rebuild, so the
overlap triggers stay). Duplicates were resolved by 0006."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0006_cancel_duplicate_active_bookings")]

    operations = [
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.UniqueConstraint(
                condition=models.Q(models.Q(("status", "cancelled"), _negated=True),
                                   ("fraction_number__isnull", True)),
                fields=("procedure",),
                name="booking_one_active_per_procedure",
                violation_error_message="This planned procedure already has an active booking.",
            ),
        ),
    ]
