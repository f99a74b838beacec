"""JSON parsing that refuses what would fail later: text PostgreSQL cannot store (NUL characters,
lone surrogates) and hostile nesting (``[[[[…`` 50,000 deep makes json's decoder, and anything
that walks or re-encodes the value, raise ``RecursionError``: a 500 instead of a 400)."""

from __future__ import annotations

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32  # far deeper than any documented body (customFields is the deepest, at 2)


def _bad_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unstorable(value, path: str = "body") -> str | None:
    """The path of the first string (key or value) PostgreSQL would refuse, or None.

    Iterative (an explicit stack), so no nesting can exhaust Python's recursion limit."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _bad_text(item):
                return where
        elif isinstance(item, dict):
            pending = []
            for key, child in item.items():
                if isinstance(key, str) and _bad_text(key):
                    return f"{where}.{key!s}"
                pending.append((child, f"{where}.{key!s}"))
            stack.extend(reversed(pending))
        elif isinstance(item, list):
            stack.extend(reversed([(child, f"{where}[{i}]") for i, child in enumerate(item)]))
    return None


def too_deep(value, limit: int = MAX_DEPTH) -> bool:
    """True when arrays/objects nest more than ``limit`` levels (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.") from None
        if too_deep(data):
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.")
        bad = unstorable(data)
        if bad:
            raise ValidationError({bad: ["Text may not contain NUL characters or unpaired surrogates."]})
        return data
