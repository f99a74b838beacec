"""Key material: generation, hashing, the format check and the lookup of a presented key."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from api.models import ApiKey

KEY_PREFIX = "dem_"
SHOWN_PREFIX_LENGTH = 12  # "dem_" + 8 characters, enough to tell keys apart in a list
# Generated keys have 43 characters after the prefix; the docs' own example has 45, so accept a range.
_LOOKUP_RE = re.compile(r"^dem_[A-Za-z0-9_-]{40,64}$")


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    plaintext: str  # shown once, never stored


def generate() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)  # 32 random bytes = 256 bits, 43 characters


def hash_key(plaintext: str) -> str:
    """SHA-256: right for 256-bit random keys (no brute force to slow down), one indexed lookup."""
    return hashlib.sha256(plaintext.encode("utf-8", "surrogatepass")).hexdigest()


def has_valid_prefix(plaintext: str) -> bool:
    return plaintext.startswith(KEY_PREFIX)


def create_key(organization, name: str, scopes: list[str], expires_in_days: int | None = None,
               expires_at=None, created_by=None) -> NewKey:
    plaintext = generate()
    if expires_in_days is not None:
        expires_at = timezone.now() + timedelta(days=expires_in_days)
    key = ApiKey.objects.create(
        organization=organization, name=name, scopes=scopes, expires_at=expires_at,
        prefix=plaintext[:SHOWN_PREFIX_LENGTH], key_hash=hash_key(plaintext), created_by=created_by,
    )
    return NewKey(key=key, plaintext=plaintext)


def find(plaintext: str) -> ApiKey | None:
    """The stored key matching ``plaintext`` (active or not), with its organization; else None."""
    if not _LOOKUP_RE.match(plaintext):
        return None
    digest = hash_key(plaintext)
    key = (ApiKey.objects.select_related("organization", "organization__api_rate_limit")
           .filter(key_hash=digest).first())
    if key is None or not hmac.compare_digest(key.key_hash, digest):
        return None
    return key
