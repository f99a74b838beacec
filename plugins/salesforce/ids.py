"""Salesforce record ids: the 15-character case-sensitive form and the 18-character case-safe one.

The last three characters of an 18-character id encode which of the first 15 are upper case, so an
18-character id still names the same record when its case was changed, while a 15-character id is
case-sensitive. ``canonical`` follows exactly that: a 15-character id gets its own suffix (so
``00d…`` never becomes ``00D…``) and an 18-character one gets its case back from its suffix.
"""

from __future__ import annotations

_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _checksum(id15: str) -> str:
    out = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, c in enumerate(id15[start:start + 5]) if "A" <= c <= "Z")
        out += _SUFFIX[bits]
    return out


def canonical(value) -> str | None:
    """The 18-character id in Salesforce's own case, or None for anything that is not an id."""
    if not isinstance(value, str) or len(value) not in (15, 18):
        return None
    if not (value.isascii() and value.isalnum()):
        return None
    if len(value) == 15:
        return value + _checksum(value)
    suffix = value[15:].upper()
    if any(c not in _SUFFIX for c in suffix):
        return None
    chars = list(value[:15].lower())
    for chunk, letter in enumerate(suffix):
        bits = _SUFFIX.index(letter)
        for i in range(5):
            if bits & (1 << i):
                chars[chunk * 5 + i] = chars[chunk * 5 + i].upper()
    body = "".join(chars)
    return body + suffix if _checksum(body) == suffix else None


def same(a, b) -> bool:
    """True when both are ids of the same record (never for a missing or malformed id)."""
    first, second = canonical(a), canonical(b)
    return first is not None and first == second
