"""Salesforce's pushback items move to the host's outbox (``host.PushbackItem``, provider
``salesforce``) with their ids, history and retry state; then the plugin's table goes."""

from django.db import migrations

COPY = """
INSERT INTO host_pushbackitem (provider,
    id, response_id, contact_id, external_id, kind, score, answered_at, status,
    attempts, next_attempt_at, fields, error, error_code, created_at, updated_at)
SELECT 'salesforce', id, response_id, contact_id, external_id, kind, score, answered_at, status,
    attempts, next_attempt_at, fields, error, error_code, created_at, updated_at
FROM salesforce_pushbackitem
ON CONFLICT DO NOTHING;
SELECT setval(pg_get_serial_sequence('host_pushbackitem', 'id'),
              GREATEST((SELECT COALESCE(MAX(id), 0) FROM host_pushbackitem), 1));
"""

COPY_BACK = """
INSERT INTO salesforce_pushbackitem (
    id, response_id, contact_id, external_id, kind, score, answered_at, status,
    attempts, next_attempt_at, fields, error, error_code, created_at, updated_at)
SELECT id, response_id, contact_id, external_id, kind, score, answered_at, status,
    attempts, next_attempt_at, fields, error, error_code, created_at, updated_at
FROM host_pushbackitem WHERE provider = 'salesforce';
DELETE FROM host_pushbackitem WHERE provider = 'salesforce';
"""


class Migration(migrations.Migration):

    dependencies = [
        ('salesforce', '0002_pushback_log_index'),
        ('host', '0005_pushbackitem'),
    ]

    operations = [
        migrations.RunSQL(COPY, COPY_BACK),
        migrations.DeleteModel(name='PushbackItem'),
    ]
