"""Every HubSpot API path the plugin calls, on the date-versioned scheme (reference §0).

One place for the version: the legacy ``/oauth/v1`` endpoints stop working on 2027-02-16 and
``/crm/v3``/``v4`` in 2027, and the bodies are identical across styles, so moving to the next
date version (a new one ships each March and September) is the one-line change of ``VERSION``.
"""

from __future__ import annotations

VERSION = "2026-03"

AUTHORIZE = "/oauth/authorize"  # on HUBSPOT_AUTH_URL (the app host); not versioned


def oauth(operation: str = "") -> str:
    """``oauth()`` → the token endpoint; ``oauth("introspect")``, ``oauth("revoke")``."""
    return f"/oauth/{VERSION}/token" + (f"/{operation}" if operation else "")


def objects(object_type: str, rest: str = "") -> str:
    """``objects("contacts", "search")`` → ``/crm/objects/2026-03/contacts/search``."""
    return f"/crm/objects/{VERSION}/{object_type}" + (f"/{rest}" if rest else "")


def properties(object_type: str, rest: str = "") -> str:
    return f"/crm/properties/{VERSION}/{object_type}" + (f"/{rest}" if rest else "")


def pipelines(object_type: str) -> str:
    return f"/crm/pipelines/{VERSION}/{object_type}"


def associations(from_type: str, from_id: str, to_type: str) -> str:
    return objects(from_type, f"{from_id}/associations/{to_type}")
