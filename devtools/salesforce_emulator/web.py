"""Tiny request/response types shared by the route handlers, plus log redaction."""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs

SENSITIVE = re.compile(
    r"((?:access_|refresh_)?token|[a-z_]*secret|code|code_verifier|state|password|sessionid)"
    r"=[^&\s]*",
    re.IGNORECASE)


def redact(text: str) -> str:
    """Mask values of token/secret/code/state query parameters in URLs written to logs."""
    return SENSITIVE.sub(lambda m: m.group(1) + "=***", text)


class BadRequest(Exception):
    pass


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: object  # email.message.Message (case-insensitive .get)
    body: bytes = b""

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadRequest(str(exc)) from None

    def form(self) -> dict:
        raw = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in raw.items()}

    def bearer(self) -> str | None:
        auth = self.headers.get("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        return token.strip() if scheme.lower() in ("bearer", "oauth") and token else None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)


def json_response(data, status: int = 200, headers: dict | None = None) -> Response:
    hdrs = {"Content-Type": "application/json;charset=UTF-8", **(headers or {})}
    return Response(status, json.dumps(data).encode("utf-8"), hdrs)


def html_response(text: str, status: int = 200) -> Response:
    return Response(status, text.encode("utf-8"), {"Content-Type": "text/html;charset=UTF-8"})


def redirect(location: str) -> Response:
    return Response(302, b"", {"Location": location, "Cache-Control": "no-store"})


def sf_error(status: int, code: str, message: str, fields=None) -> Response:
    err = {"message": message, "errorCode": code}
    if fields:
        err["fields"] = fields
    return json_response([err], status)


def oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)
