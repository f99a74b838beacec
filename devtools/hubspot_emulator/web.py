"""HubSpot's error envelopes, date formats and the mapping of both path styles to one route table.

Request/Response and log redaction are the Salesforce emulator's (one place for the HTTP plumbing).
"""

import re
import uuid
from datetime import UTC, datetime

from devtools.salesforce_emulator.web import (  # noqa: F401 - re-exported for the handlers
    BadRequest,
    Request,
    Response,
    html_response,
    json_response,
    redact,
    redirect,
)

DATE_VERSION = r"20\d\d-\d\d"
# Date-based paths (2026-03 and later) -> the legacy path that names the same route [reference §0].
_DATED = [
    (re.compile(rf"^/crm/objects/{DATE_VERSION}/(deals|0-3)/(\d+)/associations/(contacts|0-1)$"),
     lambda m: f"/crm/v4/objects/deals/{m[2]}/associations/contacts"),
    (re.compile(rf"^/crm/objects/{DATE_VERSION}/(contacts|0-1|deals|0-3)(/.*)?$"),
     lambda m: f"/crm/v3/objects/{_OBJ[m[1]]}{m[2] or ''}"),
    (re.compile(rf"^/crm/associations/{DATE_VERSION}/(deals|0-3)/(contacts|0-1)/batch/read$"),
     lambda m: "/crm/v4/associations/deals/contacts/batch/read"),
    (re.compile(rf"^/crm/properties/{DATE_VERSION}/(contacts|0-1)(/.*)?$"),
     lambda m: f"/crm/v3/properties/contacts{m[2] or ''}"),
    (re.compile(rf"^/crm/pipelines/{DATE_VERSION}/(deals|0-3)(/.*)?$"),
     lambda m: f"/crm/v3/pipelines/deals{m[2] or ''}"),
    (re.compile(rf"^/oauth/({DATE_VERSION}|v3)/token(/introspect|/revoke)?$"),
     lambda m: f"/oauth/dated/token{m[2] or ''}"),
    (re.compile(rf"^/account-info/{DATE_VERSION}/details$"), lambda m: "/account-info/v3/details"),
    (re.compile(rf"^/appinstalls/{DATE_VERSION}/external-install$"),
     lambda m: "/appinstalls/v3/external-install"),
]
_OBJ = {"contacts": "contacts", "0-1": "contacts", "deals": "deals", "0-3": "deals"}
LEGACY = re.compile(r"^/(crm/v[34]|oauth/v1|appinstalls/v3)/")


def canonical(path: str) -> tuple[str, str]:
    """``(route path, style)``: style is ``dated`` for date-versioned paths (and ``/oauth/v3``),
    ``legacy`` for ``/crm/v3``, ``/crm/v4``, ``/oauth/v1``, else ``other``."""
    for pattern, build in _DATED:
        m = pattern.match(path)
        if m:
            return build(m), "dated"
    return path, "legacy" if LEGACY.match(path) else "other"


def correlation_id() -> str:
    return str(uuid.uuid4())


def hs_error(status: int, category: str | None, message: str, headers: dict | None = None,
             **extra) -> Response:
    """HubSpot's API error envelope [reference §5.5]."""
    body = {"status": "error", "message": message, "correlationId": correlation_id()}
    if category:
        body["category"] = category
    body.update(extra)
    return json_response(body, status, headers)


def token_error(status_code: str, error: str, message: str) -> Response:
    """Token endpoint errors: RFC 6749 fields plus HubSpot's ``status``/``message`` [§1.6]."""
    return json_response({"error": error, "error_description": message, "status": status_code,
                          "message": message}, 400)


def not_found() -> Response:
    return hs_error(404, "OBJECT_NOT_FOUND", "resource not found")


def validation_error(message: str, **extra) -> Response:
    return hs_error(400, "VALIDATION_ERROR", message, **extra)


def iso_ms(ms: int | None) -> str | None:
    """``2026-03-12T10:04:17.969Z``; whole seconds drop the fraction (``…:17Z``), as some real
    responses do [reference §2.1] — plugins must parse, never compare strings."""
    if ms is None:
        return None
    dt = datetime.fromtimestamp(ms / 1000, UTC)
    if ms % 1000 == 0:
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_time_ms(value) -> int | None:
    """Epoch milliseconds from an epoch-ms string/number or an ISO-8601 string; None if neither."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        text += "T00:00:00Z"
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(round(dt.timestamp() * 1000))
