"""Connection status with Connect, Reconnect and Disconnect, for every integration.

The plugin adds its own Connect fields (``IntegrationInfo.connect_form``, e.g. Salesforce's login
host) and the connection facts worth showing (``IntegrationInfo.connection_facts``).
"""

from __future__ import annotations

from host.contracts import Capability
from host.integrations import get_integration

TEMPLATE = "host/sections/connection.html"
urlpatterns: list = []

PAUSED_WORDS = {Capability.SYNC: "sync", Capability.TRIGGER: "triggers",
                Capability.PUSHBACK: "score pushback"}


def context(request, conn) -> dict:
    integration = get_integration(conn.provider)
    info = integration.info
    return {
        "connection_info": info,
        "connected": conn.status == conn.Status.CONNECTED,
        "needs_attention": conn.status == conn.Status.NEEDS_ATTENTION,
        "missing_settings": integration.missing_settings(),
        "connect_form": info.connect_form(conn) if info.connect_form else None,
        "connection_facts": [(label, conn.details.get(key)) for label, key in info.connection_facts
                             if conn.details.get(key)],
        "paused_work": _listed([w for c, w in PAUSED_WORDS.items() if integration.has(c)]),
    }


def _listed(words: list[str]) -> str:
    if len(words) < 2:
        return "".join(words) or "its work"
    return ", ".join(words[:-1]) + " and " + words[-1]
