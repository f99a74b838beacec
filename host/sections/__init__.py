"""Settings sections any integration's configure page includes, driven by what the plugin
declares (``IntegrationInfo``: capabilities, required settings, connect form, connection facts).

Each module has ``TEMPLATE`` (under ``host/templates/host/sections/``), a
``context(request, connection) -> dict`` and ``urlpatterns`` for its own POST actions (the
connection and sync sections post to the host's generic per-integration routes, so they have
none). A plugin page lists them among its own sections; the host's generic integration page
(``/settings/integrations/<key>``) shows them for plugins without a page of their own.
"""
