"""Salesforce record ids: 15/18-character forms, the case-safe checksum suffix, generation."""

import threading

_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BODY = 62**8

PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "OpportunityContactRole": "00k",
    "User": "005",
    "Organization": "00D",
}


def checksum(id15: str) -> str:
    """The 3-char suffix: per 5-char chunk, bit i is set when char i is an uppercase A-Z."""
    out = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, c in enumerate(id15[start : start + 5]) if "A" <= c <= "Z")
        out += _SUFFIX[bits]
    return out


def to18(id15: str) -> str:
    return id15 + checksum(id15)


def to15(value: str) -> str:
    return value[:15]


def normalize(value) -> str | None:
    """Return the canonical 18-char id for a 15- or 18-char id (18-char input in any case)."""
    if not isinstance(value, str) or len(value) not in (15, 18) or not value.isalnum():
        return None
    if not value.isascii():
        return None
    if len(value) == 15:
        return to18(value)
    suffix = value[15:].upper()
    if any(c not in _SUFFIX for c in suffix):
        return None
    chars = list(value[:15])
    for chunk, s in enumerate(suffix):
        bits = _SUFFIX.index(s)
        for i in range(5):
            pos = chunk * 5 + i
            chars[pos] = chars[pos].upper() if bits & (1 << i) else chars[pos].lower()
    body = "".join(chars)
    if body.lower() != value[:15].lower() or checksum(body) != suffix:
        return None
    return body + suffix


class IdFactory:
    """Deterministic, unique, mixed-case ids: ``prefix + pod + scrambled base62 counter``."""

    def __init__(self, pod: str = "5g00"):
        self.pod = pod
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        with self._lock:
            n = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = n
        x = (n * 1_000_003) % _BODY  # bijective scramble, so ids look varied but never collide
        body = ""
        for _ in range(12 - len(self.pod)):
            x, r = divmod(x, 62)
            body = _B62[r] + body
        return to18(prefix + self.pod + body)
