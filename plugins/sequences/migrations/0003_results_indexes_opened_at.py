"""Results: when a survey link was first opened, and the indexes of the results queries.

Answered sendings count as opened at their answer (the contact opened the link to answer).
"""

from django.db import migrations, models
from django.db.models import F


def opened_when_answered(apps, schema_editor):
    Sending = apps.get_model("sequences", "Sending")
    Sending.objects.filter(completed_at__isnull=False, opened_at__isnull=True).update(
        opened_at=F("completed_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('host', '0004_syncrun_lease'),
        ('sequences', '0002_sending_settings_reply_to'),
    ]

    operations = [
        migrations.AddField(
            model_name='sending',
            name='opened_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='response',
            index=models.Index(fields=['-answered_at'], name='response_answered_idx'),
        ),
        migrations.AddIndex(
            model_name='sending',
            index=models.Index(condition=models.Q(('sent_at__isnull', False)), fields=['sent_at'], name='sending_sent_idx'),
        ),
        migrations.RunPython(opened_when_answered, migrations.RunPython.noop),
    ]
