"""Salesforce failures as plain-language exceptions: ``message`` for people, ``error_code`` for code.

    SalesforceError
    ├── SalesforceUnavailable   network error, timeout, 5xx, edge HTML page   (retryable)
    ├── RateLimited             429                                           (retryable)
    ├── ApiLimitExceeded        403 REQUEST_LIMIT_EXCEEDED (daily quota or concurrency)
    ├── AccessDenied            403 INSUFFICIENT_ACCESS_OR_READONLY, API_DISABLED_FOR_ORG, ...
    ├── SessionExpired          401 INVALID_SESSION_ID even after a refresh
    ├── InvalidRequest          400 MALFORMED_QUERY, INVALID_FIELD, MALFORMED_ID, ...
    └── NotFound                404 NOT_FOUND, ENTITY_IS_DELETED

A refresh token Salesforce rejected for good surfaces as ``host.contracts.NeedsReconnect``.
"""

from __future__ import annotations

from typing import Any

HINTS = {
    "MALFORMED_QUERY": "The query is not valid SOQL.",
    "INVALID_FIELD": "A field does not exist in your Salesforce org or is not visible to the "
                     "connected user.",
    "INVALID_TYPE": "The object does not exist in your Salesforce org or is not visible to the "
                    "connected user.",
    "INVALID_FIELD_FOR_INSERT_UPDATE": "A field cannot be written: check its field-level "
                                       "security for the connected user.",
    "MALFORMED_ID": "A Salesforce record id is malformed.",
    "REQUIRED_FIELD_MISSING": "A required field is missing.",
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": "A validation rule in your Salesforce org refused the "
                                         "change.",
    "INVALID_QUERY_LOCATOR": "The query cursor expired; run the query again.",
    "QUERY_TIMEOUT": "The query took too long in Salesforce; narrow it down.",
    "NOT_FOUND": "The record or resource does not exist in Salesforce.",
    "ENTITY_IS_DELETED": "The record was deleted in Salesforce.",
    "INSUFFICIENT_ACCESS_OR_READONLY": "The connected Salesforce user lacks permission for this.",
    "API_DISABLED_FOR_ORG": "The Salesforce org's edition or the user's profile does not allow "
                            "API access (enable \"API Enabled\").",
    "INVALID_SESSION_ID": "Salesforce ended the session; reconnect Salesforce.",
    "SERVER_UNAVAILABLE": "Salesforce is temporarily unavailable (maintenance or overload).",
    "UNKNOWN_EXCEPTION": "Salesforce had an internal error.",
}


class SalesforceError(Exception):
    """A Salesforce call failed. ``message`` is written for the admin; ``error_code`` is
    Salesforce's ``errorCode`` (or ``""``), ``status`` the HTTP status (0 without a response)."""

    retryable = False

    def __init__(self, message: str, error_code: str = "", status: int = 0,
                 details: Any = None):
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.status = status
        self.details = details


class SalesforceUnavailable(SalesforceError):
    retryable = True


class RateLimited(SalesforceError):
    retryable = True


class ApiLimitExceeded(SalesforceError):
    pass


class AccessDenied(SalesforceError):
    pass


class SessionExpired(SalesforceError):
    pass


class InvalidRequest(SalesforceError):
    pass


class NotFound(SalesforceError):
    pass


def first_error(content: Any) -> tuple[str, str]:
    """``(errorCode, message)`` from a REST error body (a JSON list), or ``("", text)``."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", "")), str(content[0].get("message", ""))
    if isinstance(content, dict):
        return str(content.get("errorCode") or content.get("error") or ""), str(
            content.get("message") or content.get("error_description") or "")
    return "", ""


def from_response(status: int, content: Any) -> SalesforceError:
    """Map an HTTP status and REST error body to the right exception with a plain message."""
    code, sf_message = first_error(content)
    hint = HINTS.get(code, "")
    detail = f" Salesforce said: {sf_message}" if sf_message else ""
    if status == 401:
        return SessionExpired(HINTS["INVALID_SESSION_ID"], code, status, content)
    if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
        if "Concurrent" in sf_message:
            text = "Too many long-running Salesforce requests at once; try again shortly."
        else:
            text = ("Your Salesforce org used up its daily API request limit; work resumes "
                    "when the 24-hour window frees up.")
        return ApiLimitExceeded(text, code, status, content)
    if status == 403:
        return AccessDenied((hint or "Salesforce refused the request.") + detail, code, status,
                            content)
    if status == 404:
        return NotFound((hint or HINTS["NOT_FOUND"]) + detail, code or "NOT_FOUND", status,
                        content)
    if status == 429:
        return RateLimited("Salesforce is rate limiting requests; try again shortly.", code,
                           status, content)
    if status >= 500:
        return SalesforceUnavailable(
            (hint or f"Salesforce is temporarily unavailable (HTTP {status}).")
            + " Try again in a few minutes.", code, status, content)
    return InvalidRequest((hint or f"Salesforce refused the request (HTTP {status}).") + detail,
                          code, status, content)
