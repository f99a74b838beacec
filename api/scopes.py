"""The API's scopes (the product's documented names) and how a key's scopes grant one."""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "contacts:read": "List and retrieve contact details",
    "contacts:write": "Create, update, and delete contacts",
    "contacts:*": "All contact permissions",
    "sequences:read": "List and retrieve sequence details",
    "sequences:execute": "Trigger sequences for contacts",
    "sequences:*": "All sequence permissions",
    "responses:read": "List and retrieve survey responses",
    "responses:*": "All response permissions",
}


def grants(key_scopes, required: str) -> bool:
    """Whether ``key_scopes`` include ``required`` directly or through its ``resource:*`` wildcard."""
    resource = required.split(":", 1)[0]
    return required in key_scopes or f"{resource}:*" in key_scopes


def parse_scopes(text: str) -> list[str]:
    """``"a,b"`` → ``["a", "b"]``; raises ``ValueError`` naming unknown scopes."""
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    if not scopes:
        raise ValueError("Give at least one scope.")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"Unknown scope(s): {', '.join(unknown)}. Valid scopes: {', '.join(SCOPES)}.")
    return list(dict.fromkeys(scopes))
