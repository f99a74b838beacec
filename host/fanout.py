"""Which organizations have due work: one query across every org schema, for beat's fan-out.

Beat used to enqueue one task per org per minute and let each look for work in its own schema,
so its cost grew with orgs even when nothing was due. Instead a plugin describes its due work as
a queryset (``due``); it is compiled once and asked of every schema in one ``UNION ALL`` of
``EXISTS`` probes (an index lookup each), in chunks that keep a statement small.

Chosen over a public table of due work: nothing to keep in step with every write path (no
trigger, no drift after a crash or restore); the probe reads the rows that decide.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.apps import apps
from django.db import connection
from django.db.models import QuerySet

CHUNK = 100  # schemas per statement (planning a longer UNION costs more per schema)


def _qualified(sql: str, tables: Iterable[str], schema: str) -> str:
    """Point the compiled queryset's table references at ``schema``."""
    quoted_schema = connection.ops.quote_name(schema)
    for table in tables:
        quoted = connection.ops.quote_name(table)
        sql = re.sub(rf'(?<![."]){re.escape(quoted)}', f"{quoted_schema}.{quoted}", sql)
    return sql


def schemas_with_due_work(due: Callable[[], QuerySet], schemas: list[str]) -> set[str]:
    """The schemas among ``schemas`` where ``due()`` has at least one row."""
    if not schemas:
        return set()
    queryset = due().values("pk")[:1]
    compiler = queryset.query.get_compiler(using=connection.alias)
    sql, params = compiler.as_sql()
    tables = {model._meta.db_table for model in apps.get_models()
              if connection.ops.quote_name(model._meta.db_table) in sql}  # subqueries' too
    found: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(schemas), CHUNK):
            branches, args = [], []
            for schema in schemas[start:start + CHUNK]:
                branches.append(f"SELECT %s WHERE EXISTS ({_qualified(sql, tables, schema)})")
                args += [schema, *params]
            cursor.execute(" UNION ALL ".join(branches), args)
            found.update(row[0] for row in cursor.fetchall())
    return found
