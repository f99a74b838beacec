"""The product docs' examples of the sequences and responses endpoints, for the OpenAPI schema.

Built on the API framework's helpers and sample ids (``api.examples``), so every operation shows
the same sample contact, sequence and response.
"""

from __future__ import annotations

from api.errors import envelope
from api.examples import (
    CONTACT_ID,
    CREATED_AT,
    LOCATION_ID,
    RESPONSE_ID,
    SENDING_ID,
    SEQUENCE_ID,
    SURVEY_ID,
    UPDATED_AT,
    page_meta,
    request,
    response,
)

SEQUENCE = {
    "id": SEQUENCE_ID, "name": "Post-purchase NPS", "status": "active",
    "steps": [{"position": 1, "type": "survey", "delayHours": 0, "surveyId": SURVEY_ID},
              {"position": 2, "type": "survey", "delayHours": 72, "surveyId": SURVEY_ID}],
    "createdAt": CREATED_AT, "updatedAt": UPDATED_AT,
}
RESPONSE = {
    "id": RESPONSE_ID, "surveyId": SURVEY_ID, "surveyType": "nps", "contactId": CONTACT_ID,
    "sequenceId": SEQUENCE_ID, "sendingId": SENDING_ID, "score": 9, "npsScore": 9,
    "csatScore": None, "isPromoter": True, "comment": "Fast delivery and friendly support.",
    "createdAt": UPDATED_AT,
}

LIST_SEQUENCES = [response("Sequences", {"data": [SEQUENCE], "meta": page_meta(1)})]
GET_SEQUENCE = [response("Sequence", {"data": SEQUENCE})]
_NOT_ACTIVE = "Sequence 'Post-purchase NPS' is paused; only active sequences can enroll."
EXECUTE = [
    request("Two contacts", {
        "contacts": [
            {"email": "john.doe@example.com", "firstName": "John", "lastName": "Doe",
             "phone": "+15551234567"},
            {"email": "jane.smith@example.com", "firstName": "Jane", "lastName": "Smith"},
        ],
        "locationId": LOCATION_ID,
    }, "The docs' email-first payload"),
    response("Queued", {"data": {
        "sequenceId": SEQUENCE_ID, "sequenceName": "Post-purchase NPS", "contactsProcessed": 2,
        "sendingsCreated": 1,
        "results": [
            {"email": "john.doe@example.com", "contactId": CONTACT_ID, "status": "queued",
             "reason": None, "sendingId": SENDING_ID},
            {"email": "jane.smith@example.com", "contactId": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b",
             "status": "skipped", "reason": "unsubscribed", "sendingId": None},
        ]}}, summary="One contact queued, one skipped"),
    response("Sequence not active", envelope(
        "VALIDATION_ERROR", _NOT_ACTIVE, {"sequence": [_NOT_ACTIVE], "reason": "sequence_not_active"}),
        400),
]
LIST_RESPONSES = [response("Responses", {"data": [RESPONSE], "meta": page_meta(1)})]
GET_RESPONSE = [response("Response", {"data": RESPONSE})]
