"""Encryption at rest for credentials: Fernet keys from ``TOKEN_ENCRYPTION_KEYS``, newest first."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet() -> MultiFernet:
    keys = [k.strip() for k in settings.TOKEN_ENCRYPTION_KEYS if k.strip()]
    if not keys:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS is empty: set one or more Fernet keys (newest first)."
        )
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"TOKEN_ENCRYPTION_KEYS holds an invalid key: {exc}") from exc


def encrypt_json(value: Any) -> str:
    return _fernet().encrypt(json.dumps(value).encode()).decode()


def decrypt_json(token: str) -> Any:
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "Stored credentials cannot be decrypted with TOKEN_ENCRYPTION_KEYS."
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt ``token`` with the newest key (for key rotation)."""
    return _fernet().rotate(token.encode()).decode()


def reset_cache() -> None:
    _fernet.cache_clear()
