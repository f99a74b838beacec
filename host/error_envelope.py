"""The documented JSON error envelope ``{"error": {"code", "message", "details"}}``.

The host's own refusals under ``/api/`` (error pages, a disabled integration's webhook) and the
API framework (``api.errors``) answer with it; defined here so the host needs nothing of ``api``.
"""

from __future__ import annotations


def envelope(code: str, message: str, details: dict | None = None, **extra) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}, **extra}}
