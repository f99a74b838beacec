"""The database backend: django-tenants' PostgreSQL backend (see ``base``)."""
