"""Serializer fields shared by the API's resources."""

from __future__ import annotations

from datetime import UTC

from rest_framework import serializers


def iso_millis(value) -> str | None:
    """``2026-02-10T10:30:00.000Z``: ISO-8601, UTC, milliseconds (the documented format)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TimestampField(serializers.DateTimeField):
    def to_representation(self, value):
        return iso_millis(value)


class TextField(serializers.CharField):
    """A string field that accepts ``null`` as "empty" (clients often send null for unset)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is None:
            return True, ""
        return super().validate_empty_values(data)


class TagsField(serializers.ListField):
    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.CharField(max_length=100, allow_blank=False))
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class CustomFieldsField(serializers.DictField):
    """A flat-or-nested JSON object of custom values."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.JSONField())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
