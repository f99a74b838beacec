"""Score pushback, the Salesforce part: write one batch of scores (the host's outbox batches
them by 200 Contacts) with one sObject Collections call, not all-or-none, so 10,000 responses
cost about 50 API calls. Queueing, retries, deferral and newest-score-wins are the host's
(``host.pushback``); this module turns Salesforce's answers into per-item results.

Per record: field errors fail with a remedy and wait for *Retry failed*; a deleted contact is
skipped with its reason; ``UNABLE_TO_LOCK_ROW`` retries. Per call: 503, 5xx and timeouts retry;
``REQUEST_LIMIT_EXCEEDED`` defers the queue to the next window; a connection that needs
reconnecting keeps its queue.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.utils import timezone

from host.contracts import NeedsReconnect, PushbackResult
from plugins.salesforce import errors
from plugins.salesforce.client import COLLECTION_LIMIT, NotConnected, RecordUpdate, SalesforceClient
from plugins.salesforce.field_check import failure_remedy, mapping

BATCH_SIZE = COLLECTION_LIMIT  # Contacts per write: one sObject Collections call
RETRY_CODES = {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"}
FIELD_CODES = {"INVALID_FIELD", "INVALID_FIELD_FOR_INSERT_UPDATE", "JSON_PARSER_ERROR",
               "INVALID_TYPE_ON_FIELD_IN_RECORD", "FIELD_INTEGRITY_EXCEPTION", "STRING_TOO_LONG",
               "NUMBER_OUTSIDE_VALID_RANGE"}
GONE_CODES = {"ENTITY_IS_DELETED", "NOT_FOUND"}
LIMIT_DEFER = timedelta(hours=1)  # the daily limit is a rolling 24-hour window
RECORD_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")


def write(connection, items) -> list[PushbackResult]:
    """The ``pushback_write`` hook: one Contact update per record, in one call."""
    date_type = (connection.settings.get("field_mapping") or {}).get("date_type", "date")
    results: list[PushbackResult] = []
    updates: dict[str, dict] = {}
    owners: dict[str, list] = {}
    for item in items:  # oldest first: a newer score's values win
        if not RECORD_ID.match(item.external_id):
            results.append(PushbackResult(
                item.response_id, "failed", f"{item.external_id!r} is not a Salesforce record "
                "id.", "MALFORMED_ID"))
            continue
        values = updates.setdefault(item.external_id, {})
        values.update({name: _format(value, date_type) for name, value in item.values.items()})
        owners.setdefault(item.external_id, []).append(item)
    if not owners:
        return results
    order = list(owners)
    fields = {item.response_id: {k: updates[item.external_id][k] for k in item.values}
              for eid in order for item in owners[eid]}
    try:
        saved = _client(connection).update_many(
            [RecordUpdate("Contact", eid, updates[eid]) for eid in order])
    except NotConnected as exc:
        raise NeedsReconnect(exc.message) from None
    except errors.ApiLimitExceeded as exc:
        concurrent = "Concurrent" in errors.first_error(exc.details)[1]
        after = None if concurrent else LIMIT_DEFER.total_seconds()
        return results + [PushbackResult(i.response_id, "rate_limited", exc.message,
                                          exc.error_code, fields[i.response_id], retry_after=after)
                          for eid in order for i in owners[eid]]
    except errors.SalesforceError as exc:
        retry = exc.retryable or isinstance(exc, errors.SessionExpired)
        return results + [PushbackResult(i.response_id, "failed", exc.message, exc.error_code,
                                          fields[i.response_id], retryable=retry)
                          for eid in order for i in owners[eid]]
    chosen = mapping(connection)
    for eid, outcome in zip(order, saved, strict=True):
        for item in owners[eid]:
            results.append(_result(item, outcome, chosen, fields[item.response_id]))
    return results


def _client(connection) -> SalesforceClient:
    """One client (one HTTP session) for every batch of a writer run: the host hands each batch
    the same connection object."""
    client = connection.__dict__.get("_pushback_client")
    if client is None:
        client = connection.__dict__["_pushback_client"] = SalesforceClient(connection)
    return client


def _format(value, date_type: str):
    if isinstance(value, datetime):
        return value.isoformat() if date_type == "datetime" else \
            timezone.localdate(value).isoformat()
    return value


def _result(item, outcome: dict, chosen: dict, fields: dict) -> PushbackResult:
    if outcome.get("success"):
        return PushbackResult(item.response_id, "written", fields=fields)
    error = (outcome.get("errors") or [{}])[0]
    code, message = error.get("statusCode", ""), error.get("message", "")
    if code in RETRY_CODES:
        return PushbackResult(item.response_id, "failed", message, code, fields, retryable=True)
    if code in GONE_CODES:
        return PushbackResult(item.response_id, "skipped",
                              f"The contact was deleted in Salesforce ({message}).", code, fields)
    if code in FIELD_CODES:
        remedy = failure_remedy(code, error.get("fields") or [], chosen)
        said = f"Salesforce said: {message.rstrip('.')}. " if message else ""
        return PushbackResult(item.response_id, "failed", said + remedy, code, fields)
    return PushbackResult(item.response_id, "failed",
                          message or "Salesforce refused the update.", code, fields)
