"""Survey responses (NPS 0-10, CSAT 1-5) on the wire."""

from __future__ import annotations

from rest_framework import serializers

from api.fields import TimestampField

# ruff: noqa: N815 - field names are camelCase wire names


class ResponseSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    surveyId = serializers.UUIDField(source="survey_id")
    surveyType = serializers.ChoiceField(source="survey.kind", choices=["nps", "csat"])
    contactId = serializers.UUIDField(source="contact_id")
    sequenceId = serializers.UUIDField(source="sending.sequence_id")
    sendingId = serializers.UUIDField(source="sending_id")
    score = serializers.IntegerField()
    npsScore = serializers.SerializerMethodField()
    csatScore = serializers.SerializerMethodField()
    isPromoter = serializers.SerializerMethodField()
    comment = serializers.CharField()
    createdAt = TimestampField(source="answered_at")

    def get_npsScore(self, response) -> int | None:  # noqa: N802
        return response.score if response.survey.kind == "nps" else None

    def get_csatScore(self, response) -> int | None:  # noqa: N802
        return response.score if response.survey.kind == "csat" else None

    def get_isPromoter(self, response) -> bool | None:  # noqa: N802
        return response.score >= 9 if response.survey.kind == "nps" else None
