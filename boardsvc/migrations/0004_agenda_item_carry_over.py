# Issue 11 item 8: carried-over agenda items keep their origin and how often they were carried.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('boardsvc', '0003_board_oncall_window_and_start_margin'),
    ]

    operations = [
        migrations.AddField(
            model_name='agendaitem',
            name='carried_from',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='boardsvc.meeting'),
        ),
        migrations.AddField(
            model_name='agendaitem',
            name='carry_count',
            field=models.PositiveSmallIntegerField(default=0),
        ),
    ]
