# Issue 11 items 6 and 9: the on-call window for ad-hoc meetings, the meeting start margin and
# the MSCC coordinator role.

import datetime
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('boardsvc', '0002_add_meetings_agenda_decisions'),
    ]

    operations = [
        migrations.AddField(
            model_name='board',
            name='oncall_end',
            field=models.TimeField(default=datetime.time(20, 0), help_text='On-call window for ad-hoc meetings: until (local).'),
        ),
        migrations.AddField(
            model_name='board',
            name='oncall_start',
            field=models.TimeField(default=datetime.time(8, 0), help_text='On-call window for ad-hoc meetings: from (local).'),
        ),
        migrations.AddField(
            model_name='board',
            name='start_margin_minutes',
            field=models.PositiveSmallIntegerField(default=60, help_text='A meeting can be started this many minutes before its scheduled start.'),
        ),
        migrations.AlterField(
            model_name='boardmember',
            name='role',
            field=models.CharField(choices=[('chair', 'Chair'), ('member', 'Member'), ('coordinator', 'Coordinator'), ('mscc_coordinator', 'MSCC coordinator')], default='member', max_length=20),
        ),
        migrations.AddConstraint(
            model_name='board',
            constraint=models.CheckConstraint(condition=models.Q(('start_margin_minutes__lte', 1440)), name='board_start_margin_range'),
        ),
    ]
