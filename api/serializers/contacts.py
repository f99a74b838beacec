"""Contacts on the wire: the documented camelCase object, create and update bodies."""

from __future__ import annotations

from rest_framework import serializers

from api.fields import CustomFieldsField, TagsField, TextField, TimestampField
from api.serializers.common import LANGUAGE_CODES, PageQuerySerializer, StrictSerializer

# ruff: noqa: N815 - field names are the documented camelCase wire names


class ContactSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.CharField(allow_null=True)
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")
    phone = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_null=True)
    preferredLanguage = serializers.ChoiceField(source="preferred_language", choices=LANGUAGE_CODES)
    locationId = serializers.UUIDField(source="location_id", allow_null=True)
    contactOrganizationId = serializers.UUIDField(source="contact_organization_id", allow_null=True)
    customFields = serializers.DictField(source="custom_fields", child=serializers.JSONField())
    tags = serializers.ListField(child=serializers.CharField())
    unsubscribed = serializers.BooleanField()
    unsubscribedAt = TimestampField(source="unsubscribed_at", allow_null=True)
    createdAt = TimestampField(source="created_at")
    updatedAt = TimestampField(source="updated_at")

    def to_representation(self, contact):
        data = super().to_representation(contact)
        for name in ("email", "phone", "title"):
            data[name] = data[name] or None
        return data


class ContactCreateSerializer(StrictSerializer):
    """The fields of ``POST /contacts``; ``partial=True`` for ``PATCH``."""

    email = serializers.EmailField(max_length=254)
    firstName = serializers.CharField(source="first_name", max_length=100)
    lastName = TextField(source="last_name", max_length=100)
    phone = TextField(max_length=40)
    title = TextField(max_length=128)
    preferredLanguage = serializers.ChoiceField(source="preferred_language", choices=LANGUAGE_CODES,
                                                required=False)
    locationId = serializers.UUIDField(source="location_id", required=False, allow_null=True)
    contactOrganizationId = serializers.UUIDField(source="contact_organization_id", required=False,
                                                  allow_null=True)
    customFields = CustomFieldsField(source="custom_fields")
    tags = TagsField()

    def validate_email(self, value: str) -> str:
        return value.strip().lower()


class ContactUpdateSerializer(ContactCreateSerializer):
    """``PATCH``: every field optional; no location or contact organization (per the docs)."""

    locationId = None
    contactOrganizationId = None


class ContactListQuerySerializer(PageQuerySerializer):
    email = serializers.CharField(required=False, max_length=254,
                                  help_text="Filter by exact email address (case-insensitive).")
    phone = serializers.CharField(required=False, max_length=40,
                                  help_text="Filter by phone number (exact).")
    search = serializers.CharField(required=False, max_length=200,
                                   help_text="Search by first name, last name, or email.")
    location_id = serializers.UUIDField(required=False, help_text="Filter by location UUID.")
