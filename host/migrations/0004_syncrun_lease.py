from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('host', '0003_contact_location'),
    ]

    operations = [
        migrations.AddField(
            model_name='syncrun',
            name='lease_owner',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AddField(
            model_name='syncrun',
            name='lease_expires_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='syncrun',
            name='resumes',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name='syncrun',
            index=models.Index(condition=models.Q(('status', 'running')),
                               fields=['lease_expires_at'], name='running_sync_lease'),
        ),
    ]
