"""``Idempotency-Key``: a retried POST returns the first call's stored response and does nothing.

The record is inserted in the same transaction as the work, so a concurrent retry blocks on the
unique (organization, key) index until the first call commits, then replays its response. If
the first call fails, its record rolls back with it and a retry runs afresh.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from api import errors
from api.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_LENGTH = 255


def client_key(request) -> str:
    """The request's ``Idempotency-Key`` ("" without one); 400 when malformed."""
    key = request.META.get(HEADER, "").strip()
    if len(key) > MAX_LENGTH or not key.isprintable() or not key.isascii():
        raise errors.validation_error(
            {"Idempotency-Key": [f"Use at most {MAX_LENGTH} printable ASCII characters."]},
            "Invalid Idempotency-Key header")
    return key


def idempotent(request, org, handler) -> Response:
    """Run ``handler(request)`` once per key; replay its response (2xx or 4xx) for retries."""
    key = client_key(request)
    if not key:
        with transaction.atomic():
            return handler(request)
    fingerprint = _fingerprint(request)
    _forget_expired(org, key)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(organization=org, key=key,
                                                          fingerprint=fingerprint)
        except IntegrityError:
            record = None  # another call with this key committed first (we waited for it)
        if record is not None:
            response = _run(handler, request)
            record.status_code = response.status_code
            record.body = response.data
            record.save(update_fields=["status_code", "body"])
            return response
    record = IdempotencyRecord.objects.get(organization=org, key=key)
    if record.fingerprint != fingerprint:
        raise errors.ApiError(
            422, "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was already used for a different request",
            {"Idempotency-Key": ["Send a new key for a new request."]})
    response = Response(record.body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def _run(handler, request) -> Response:
    """The handler's response; a client error (4xx) becomes a response to store, in a savepoint."""
    try:
        with transaction.atomic():
            return handler(request)
    except APIException as exc:
        response = errors.exception_handler(exc, {})
        if response.status_code >= 500 or response.status_code == 429:
            raise
        return response


def _fingerprint(request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        body = ""
    raw = f"{request.method}|{request.path}|{body}"
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _forget_expired(org, key: str) -> None:
    cutoff = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    IdempotencyRecord.objects.filter(organization=org, key=key, created_at__lt=cutoff).delete()
