"""django-tenants' PostgreSQL backend, minus a round trip: switching to the schema a connection
already uses issues no ``SET search_path``.

django-tenants forgets the connection's search path on every ``set_tenant``, so each request
and each task paid a ``SET search_path`` even when the schema did not change (a worker running
several tasks of one org, a person clicking through one org's pages). The search path it last
set is forgotten on close and on every rollback (django-tenants' own overrides), so keeping it
when it is unchanged never leaves a stale one in place.
"""

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


class DatabaseWrapper(TenantDatabaseWrapper):
    def set_tenant(self, tenant, include_public=True):
        current = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        if current is not None and current == self._get_cursor_search_paths():
            self.search_path_set_schemas = current
