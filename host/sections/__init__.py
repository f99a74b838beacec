"""Settings sections any CRM's configure page can include, driven by what the plugin declares.

A section has ``TEMPLATE``, ``context(request, connection) -> dict`` and ``urlpatterns`` for its
POST actions, which the plugin mounts in its own URL namespace (the paths are
``settings/integrations/<key>/...``). A plugin lists section instances beside its own ones and
gives each a ``render_page(request, connection, status=200, **extra)`` that renders its whole
configure page, so an action can show its outcome (Test Fields' table) in place.
"""
