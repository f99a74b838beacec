"""A woken ``process_new_events`` task is marked in the organization's schema, written in the
statement that stores the webhook's events (no Redis round trip on the request path)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('host', '0005_pushbackitem'),
    ]

    operations = [
        migrations.CreateModel(
            name='EventWakeup',
            fields=[
                ('provider', models.CharField(max_length=50, primary_key=True, serialize=False)),
                ('marked_at', models.DateTimeField()),
            ],
        ),
    ]
