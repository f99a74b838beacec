"""The product docs' request and response examples, as ``OpenApiExample`` for the schema.

Values follow the product's API reference (its contact fields and custom-field keys, the list
``meta`` of 247 contacts, the email-first execute payload with ``queued`` results, the exact error
messages); where it shows no values, ids and names are filled in consistently here. One module, so
the views stay readable and every operation shows the same sample contact. Plugins' endpoints
(``platform_api_urls``) build their examples with ``response``/``request`` and these ids.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

from api.errors import MISSING_KEY_MESSAGE, envelope

CONTACT_ID = "3f2b8c1e-6a4d-4e2f-9b7a-1c5d8e9f0a12"
SEQUENCE_ID = "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
SURVEY_ID = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
SENDING_ID = "7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e"
RESPONSE_ID = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"
LOCATION_ID = "8d9e0f1a-2b3c-4d4e-8f5a-6b7c8d9e0f1a"
CREATED_AT = "2026-02-10T10:30:00.000Z"
UPDATED_AT = "2026-02-11T08:15:00.000Z"

CONTACT = {
    "id": CONTACT_ID, "email": "john.doe@example.com", "firstName": "John", "lastName": "Doe",
    "phone": "+15551234567", "title": "CEO", "preferredLanguage": "en", "locationId": LOCATION_ID,
    "contactOrganizationId": None,
    "customFields": {"birthday": "1985-03-15", "membershipTier": "gold"},
    "tags": ["vip", "newsletter"], "unsubscribed": False, "unsubscribedAt": None,
    "createdAt": CREATED_AT, "updatedAt": CREATED_AT,
}


def response(name: str, value, status: int = 200, summary: str = "") -> OpenApiExample:
    return OpenApiExample(name, value=value, summary=summary or name, response_only=True,
                          status_codes=[str(status)])


def request(name: str, value, summary: str = "") -> OpenApiExample:
    return OpenApiExample(name, value=value, summary=summary or name, request_only=True)


def page_meta(total: int = 247) -> dict:
    """The docs' list example: page 1 of 50 items, 247 in all."""
    return {"page": 1, "perPage": 50, "total": total, "totalPages": -(-total // 50)}


LIST_CONTACTS = [response("Contacts", {"data": [CONTACT], "meta": page_meta()},
                          summary="A page of contacts")]
GET_CONTACT = [response("Contact", {"data": CONTACT})]
CREATE_CONTACT = [
    request("New contact", {
        "email": "john.doe@example.com", "firstName": "John", "lastName": "Doe",
        "phone": "+15551234567", "title": "CEO", "preferredLanguage": "en",
        "locationId": LOCATION_ID,
        "customFields": {"birthday": "1985-03-15", "membershipTier": "gold"},
        "tags": ["vip", "newsletter"],
    }),
    response("Created", {"data": CONTACT}, 201, "The created contact"),
    response("Duplicate email", envelope(
        "CONFLICT", "A contact with this email already exists",
        {"email": ["A contact with this email already exists."], "contactId": CONTACT_ID}), 409),
]
UPDATE_CONTACT = [
    request("Change name and tags", {
        "firstName": "Jonathan", "customFields": {"membershipTier": "platinum"},
        "tags": ["vip"],
    }, "customFields merge with the stored ones; tags replace them"),
    response("Updated", {"data": {
        **CONTACT, "firstName": "Jonathan", "tags": ["vip"],
        "customFields": {"birthday": "1985-03-15", "membershipTier": "platinum"},
        "updatedAt": UPDATED_AT}}),
    response("Duplicate email", envelope(
        "CONFLICT", "A contact with this email already exists",
        {"email": ["A contact with this email already exists."], "contactId": CONTACT_ID}), 409),
]
DELETE_CONTACT = [
    response("Survey history", envelope(
        "CONFLICT", "This contact has survey history and cannot be deleted",
        {"contactId": CONTACT_ID}), 409, "A contact with sendings or responses is kept"),
]
def errors_for(scope: str, statuses, not_found: str | None) -> list[OpenApiExample]:
    """The documented error bodies for the statuses an operation lists (auth, scope, limits)."""
    examples = {
        401: [response("Missing API key", envelope("MISSING_API_KEY", MISSING_KEY_MESSAGE), 401),
              response("Invalid API key", envelope("INVALID_API_KEY", "Invalid or inactive API key"),
                       401)],
        403: [response("Missing scope", envelope(
            "INSUFFICIENT_PERMISSIONS",
            f"This API key does not have the required scope: {scope}",
            requiredScope=scope), 403)],
        404: [response("Not found", envelope("NOT_FOUND", not_found or "No API endpoint at this path"),
                       404)],
        413: [response("Body too large", envelope(
            "PAYLOAD_TOO_LARGE", "Request body is larger than 1048576 bytes",
            {"maxBytes": 1048576}), 413)],
        422: [response("Idempotency key reused", envelope(
            "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was already used for a different request",
            {"Idempotency-Key": ["Send a new key for a new request."]}), 422)],
        429: [response("Rate limited", envelope(
            "RATE_LIMIT_EXCEEDED", "Rate limit exceeded. Please try again later.",
            {"retryAfter": 60, "limit": 1000, "window": "1 hour"}), 429)],
    }
    return [example for status in statuses for example in examples.get(status, [])]


VALIDATION_LIST = response("Bad query parameter", envelope(
    "VALIDATION_ERROR", "Invalid query parameters",
    {"limit": ["Ensure this value is less than or equal to 100."]}), 400)
VALIDATION_BODY = response("Invalid body", envelope(
    "VALIDATION_ERROR", "Request validation failed",
    {"email": ["Enter a valid email address."], "nickname": ["Unknown field."]}), 400)
