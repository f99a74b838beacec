"""JSON parsing that refuses text PostgreSQL cannot store (NUL characters, lone surrogates)."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser


def unstorable(value, path: str = "body") -> str | None:
    """The path of the first string (key or value) PostgreSQL would refuse, or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return path
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            bad = unstorable(key, f"{path}.{key!s}") or unstorable(item, f"{path}.{key!s}")
            if bad:
                return bad
    elif isinstance(value, list):
        for index, item in enumerate(value):
            bad = unstorable(item, f"{path}[{index}]")
            if bad:
                return bad
    return None


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        bad = unstorable(data)
        if bad:
            raise ValidationError({bad: ["Text may not contain NUL characters or unpaired surrogates."]})
        return data
