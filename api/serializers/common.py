"""Strict input (unknown fields refused) and the success envelopes for the schema."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from rest_framework import serializers

# A contact's preferredLanguage: the languages surveys and emails exist in (settings.LANGUAGES).
LANGUAGE_CODES = [code for code, _ in settings.LANGUAGES]


class StrictSerializer(serializers.Serializer):
    """Refuses a body that is not an object or that carries fields this endpoint does not know."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = {name: ["Unknown field."] for name in sorted(set(data) - known)}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class MetaSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    perPage = serializers.IntegerField()  # noqa: N815 - the documented wire names are camelCase
    total = serializers.IntegerField()
    totalPages = serializers.IntegerField()  # noqa: N815


@cache
def data_envelope(serializer_class, many: bool = False):
    """``{"data": <object>}`` or ``{"data": [...], "meta": {...}}`` (for the OpenAPI schema)."""
    name = serializer_class.__name__.removesuffix("Serializer")
    attrs = {"data": serializer_class(many=many)}
    if many:
        attrs["meta"] = MetaSerializer()
    return type(f"{name}{'List' if many else ''}Envelope", (serializers.Serializer,), attrs)


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField(child=serializers.JSONField())
    requiredScope = serializers.CharField(required=False)  # noqa: N815


class ErrorEnvelopeSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class PageQuerySerializer(serializers.Serializer):
    """``page`` (from 1) and ``limit`` (default 50, max 100); unknown query parameters are ignored."""

    page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1,
                                    help_text="Page number, from 1.")
    limit = serializers.IntegerField(min_value=1, max_value=100, default=50,
                                     help_text="Items per page (max 100). Out of range is a 400.")
