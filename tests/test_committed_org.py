"""The ``committed_org`` fixture forgets its orgs without waiting on a worker still in them."""

from __future__ import annotations

import psycopg
from django.db import connection
from django_tenants.utils import schema_exists

from host.models import PushbackItem
from tests.conftest import _forget, database_url


def test_a_forgotten_org_leaves_its_schema_and_waits_on_no_lock_in_it(committed_org):
    from tenants.models import Organization

    org = committed_org("forget")
    pk = org.pk  # the delete sets the instance's to None
    table = f'"{org.schema_name}"."{PushbackItem._meta.db_table}"'
    with psycopg.connect(database_url()) as worker:  # a worker mid-task in the org's schema
        worker.execute(f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # a DROP SCHEMA would wait, then fail
            try:
                _forget(org)
            finally:
                cursor.execute("SET lock_timeout = 0")
        worker.rollback()
    assert not Organization.objects.filter(pk=pk).exists()
    assert schema_exists(org.schema_name)
