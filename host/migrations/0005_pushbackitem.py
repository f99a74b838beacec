"""The pushback outbox moves into the host, one queue per integration (``provider``)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('host', '0004_syncrun_lease'),
    ]

    operations = [
        migrations.CreateModel(
            name='PushbackItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('provider', models.CharField(max_length=50)),
                ('response_id', models.UUIDField()),
                ('contact_id', models.UUIDField()),
                ('external_id', models.CharField(max_length=255)),
                ('kind', models.CharField(max_length=4)),
                ('score', models.PositiveSmallIntegerField()),
                ('answered_at', models.DateTimeField()),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('written', 'Written'), ('failed', 'Failed'), ('skipped', 'Skipped')], default='queued', max_length=8)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('fields', models.JSONField(blank=True, default=dict)),
                ('error', models.TextField(blank=True, default='')),
                ('error_code', models.CharField(blank=True, default='', max_length=60)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['-updated_at'],
                'indexes': [
                    models.Index(condition=models.Q(('status', 'queued')), fields=['provider', 'answered_at'], name='pushback_due_idx'),
                    models.Index(fields=['provider', 'external_id', 'kind', '-answered_at'], name='pushback_record_idx'),
                    models.Index(fields=['provider', '-updated_at'], name='pushback_log_by_provider'),
                ],
                'constraints': [models.UniqueConstraint(fields=('provider', 'response_id'), name='pushback_response_unique')],
            },
        ),
    ]
