"""Score pushback, the HubSpot part: write one batch of the host's outbox (100 contacts) with
one batch update (reference §4.3). Queueing, retries, deferral and newest-score-wins are the
host's (``host.pushback``); this module turns HubSpot's answers into per-item results.

HubSpot refuses a whole batch for one bad value (400) and leaves unknown or merged-away ids out
(207 / missing from ``results``), so each record's outcome is read back from the answer; a 429
defers the queue (``rate_limited`` with HubSpot's ``Retry-After``). Dates go as HubSpot's
``date`` properties require: the answer's UTC day (``YYYY-MM-DD``, midnight UTC); ISO-8601 with
milliseconds for a ``datetime`` property.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from host.contracts import PushbackResult

from . import errors, paths

BATCH = 100
DAILY_DEFER = 3600.0  # seconds


@dataclass(frozen=True)
class Outcome:
    status: str  # "written" | "failed" | "skipped" | "rate_limited"
    error: str = ""
    retryable: bool = False
    retry_after: float | None = None
    code: str = ""


def date_value(when: datetime, property_type: str = "date") -> str:
    """HubSpot's format: ``date`` → the UTC day; ``datetime`` → ISO-8601 with milliseconds."""
    when = when.astimezone(UTC)
    if property_type == "datetime":
        return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return when.date().isoformat()


def write(connection, items) -> list[PushbackResult]:
    """The ``pushback_write`` hook: one property update per contact, in one batch call."""
    date_type = (connection.settings.get("field_mapping") or {}).get("date_type") or "date"
    results: list[PushbackResult] = []
    values: dict[str, dict] = {}
    owners: dict[str, list] = {}
    for item in items:  # oldest first: a newer score's values win
        if not item.external_id.isdigit():
            results.append(PushbackResult(item.response_id, "failed", f"{item.external_id!r} is "
                                          "not a HubSpot contact id.", "INVALID_ID"))
            continue
        values.setdefault(item.external_id, {}).update(
            {name: _format(value, date_type) for name, value in item.values.items()})
        owners.setdefault(item.external_id, []).append(item)
    outcomes = write_records(_client(connection), values) if values else {}
    for external_id, outcome in outcomes.items():
        for item in owners[external_id]:
            fields = {k: values[external_id][k] for k in item.values}
            results.append(PushbackResult(
                item.response_id, outcome.status, outcome.error, outcome.code, fields,
                retryable=outcome.retryable, retry_after=outcome.retry_after))
    return results


def _client(connection):
    """One client (one HTTP session) for every batch of a writer run: the host hands each batch
    the same connection object."""
    from .client import HubSpotClient

    client = connection.__dict__.get("_pushback_client")
    if client is None:
        client = connection.__dict__["_pushback_client"] = HubSpotClient(connection)
    return client


def _format(value, date_type: str) -> str:
    if isinstance(value, datetime):
        return date_value(value, date_type)
    return str(value)


def write_records(client, values: dict[str, dict]) -> dict[str, Outcome]:
    """Write ``{record id: {property: value}}`` in batches of 100; an outcome per record."""
    outcomes: dict[str, Outcome] = {}
    ids = list(values)
    for start in range(0, len(ids), BATCH):
        chunk = {i: values[i] for i in ids[start:start + BATCH]}
        outcomes.update(_write_chunk(client, chunk))
    return outcomes


def _write_chunk(client, values: dict[str, dict]) -> dict[str, Outcome]:
    body = {"inputs": [{"id": i, "properties": props} for i, props in values.items()]}
    try:
        answer = client.call("POST", paths.objects("contacts", "batch/update"), json=body)
    except errors.ValidationError as exc:
        return dict.fromkeys(values, Outcome(
            "failed", f"{exc.message} Run Test Fields on the HubSpot settings page, then click "
                      "Retry failed.", code=exc.category or "VALIDATION_ERROR"))
    except errors.RateLimited as exc:
        after = exc.retry_after
        if after is None and isinstance(exc, errors.DailyLimit):
            after = DAILY_DEFER  # the portal's day ends at its own midnight: look again hourly
        return dict.fromkeys(values, Outcome("rate_limited", exc.message, True, after,
                                             code=exc.policy or "RATE_LIMIT"))
    except errors.HubSpotError as exc:
        return dict.fromkeys(values, Outcome("failed", exc.message, exc.retryable,
                                             code=exc.category))
    written = {str(r.get("id")) for r in (answer or {}).get("results") or []}
    not_found = {str(i) for e in (answer or {}).get("errors") or []
                 for i in (e.get("context") or {}).get("ids") or []}
    out = {}
    for external_id in values:
        if external_id in written:
            out[external_id] = Outcome("written")
        elif external_id in not_found:
            out[external_id] = Outcome("skipped", "The contact was not found in HubSpot "
                                                  "(deleted).", code="OBJECT_NOT_FOUND")
        else:
            out[external_id] = Outcome("skipped", "HubSpot left the contact out (merged or "
                                                  "deleted).")
    return out
