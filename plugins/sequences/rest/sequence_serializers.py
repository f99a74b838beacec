"""Sequences, their steps, and the execute request and result."""

from __future__ import annotations

from rest_framework import serializers

from api.fields import CustomFieldsField, TagsField, TextField, TimestampField
from api.serializers.common import LANGUAGE_CODES, StrictSerializer

# ruff: noqa: N815 - field names are the documented camelCase wire names

MAX_EXECUTE_CONTACTS = 100


class StepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    type = serializers.CharField(source="kind")
    delayHours = serializers.IntegerField(source="delay_hours")
    surveyId = serializers.UUIDField(source="survey_id", allow_null=True)


class SequenceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["draft", "active", "paused", "archived"])
    steps = StepSerializer(many=True)
    createdAt = TimestampField(source="created_at")
    updatedAt = TimestampField(source="updated_at")


class ExecuteContactSerializer(StrictSerializer):
    """One contact to enroll, matched by email (created or updated)."""

    email = serializers.CharField(max_length=254)
    firstName = TextField(source="first_name", max_length=100)
    lastName = TextField(source="last_name", max_length=100)
    phone = TextField(max_length=40)
    title = TextField(max_length=128)
    preferredLanguage = serializers.ChoiceField(source="preferred_language", choices=LANGUAGE_CODES,
                                                required=False, allow_null=True)
    locationId = serializers.UUIDField(source="location_id", required=False, allow_null=True)
    contactOrganizationId = serializers.UUIDField(source="contact_organization_id", required=False,
                                                  allow_null=True)
    customFields = CustomFieldsField(source="custom_fields")
    tags = TagsField(allow_null=True)


class ExecuteSerializer(StrictSerializer):
    contacts = serializers.ListField(child=ExecuteContactSerializer(), min_length=1,
                                     max_length=MAX_EXECUTE_CONTACTS, allow_empty=False)
    locationId = serializers.UUIDField(required=False, allow_null=True)
    employeeId = serializers.UUIDField(required=False, allow_null=True)


class ExecuteResultSerializer(serializers.Serializer):
    email = serializers.CharField(allow_null=True)
    contactId = serializers.UUIDField(source="contact_id", allow_null=True)
    status = serializers.ChoiceField(choices=["queued", "skipped"])
    reason = serializers.CharField(allow_null=True)
    sendingId = serializers.UUIDField(source="sending_id", allow_null=True)

    def to_representation(self, outcome):
        data = super().to_representation(outcome)
        data["reason"] = data["reason"] or None
        return data


class ExecuteResponseSerializer(serializers.Serializer):
    sequenceId = serializers.UUIDField()
    sequenceName = serializers.CharField()
    contactsProcessed = serializers.IntegerField()
    sendingsCreated = serializers.IntegerField()
    results = ExecuteResultSerializer(many=True)
