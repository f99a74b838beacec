"""Scores → contact properties, one batch update per 100 contacts (reference §4.3).

``write_records`` is "write these records now, one outcome per record" — the shape of the host
outbox's ``pushback_write`` hook: HubSpot refuses a whole batch for one bad value (400) and
leaves unknown or merged-away ids out (207 / missing from ``results``), so each record's outcome
is read back from the answer; a 429 is an outcome (``rate_limited``), not an error. ``push`` is
today's ``pushback_scores`` hook on top: newest score per contact and kind, and
``last_survey_date`` as the answer's day at midnight UTC (``YYYY-MM-DD``), as HubSpot's ``date``
properties require.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from host.contracts import NeedsReconnect, PushbackResult, ScoreUpdate

from . import errors, fields, paths

BATCH = 100


@dataclass(frozen=True)
class Outcome:
    status: str  # "written" | "failed" | "rate_limited"
    error: str = ""
    retryable: bool = False
    retry_after: float | None = None


def date_value(when: datetime, property_type: str = "date") -> str:
    """HubSpot's format: ``date`` → the UTC day; ``datetime`` → ISO-8601 with milliseconds."""
    when = when.astimezone(UTC)
    if property_type == "datetime":
        return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return when.date().isoformat()


def properties_by_contact(scores: list[ScoreUpdate], mapping: dict[str, str]) -> dict[str, dict]:
    """Pure: the property values each contact gets, the newest answer winning per kind."""
    newest: dict[tuple[str, str], ScoreUpdate] = {}
    for score in scores:
        key = (score.external_id, score.kind)
        if key not in newest or score.answered_at >= newest[key].answered_at:
            newest[key] = score
    values: dict[str, dict] = {}
    latest: dict[str, datetime] = {}
    for (external_id, kind), score in newest.items():
        if kind not in mapping:
            continue
        values.setdefault(external_id, {})[mapping[kind]] = str(score.score)
        latest[external_id] = max(score.answered_at, latest.get(external_id, score.answered_at))
    if mapping.get("date"):
        for external_id, when in latest.items():
            values[external_id][mapping["date"]] = date_value(when)
    return values


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
            "failed", f"{exc.message} Run Test Fields on the HubSpot settings page."))
    except errors.RateLimited as exc:
        return dict.fromkeys(values, Outcome("rate_limited", exc.message, True, exc.retry_after))
    except errors.HubSpotError as exc:
        return dict.fromkeys(values, Outcome("failed", exc.message, exc.retryable))
    written = {str(r.get("id")) for r in (answer or {}).get("results") or []}
    not_found = {str(i) for e in (answer or {}).get("errors") or []
                 for i in (e.get("context") or {}).get("ids") or []}
    out = {}
    for external_id in values:
        if external_id in written:
            out[external_id] = Outcome("written")
        elif external_id in not_found:
            out[external_id] = Outcome("failed", "contact not found in HubSpot (deleted)")
        else:
            out[external_id] = Outcome("failed", "HubSpot left the contact out (merged or deleted)")
    return out


def write_batch(client, scores: list[ScoreUpdate], mapping: dict[str, str]) -> list[PushbackResult]:
    try:
        outcomes = write_records(client, properties_by_contact(scores, mapping))
    except NeedsReconnect as exc:  # the host has marked the connection; nothing was written
        return [PushbackResult(s.response_id, "failed", str(exc)) for s in scores]
    results = []
    for score in scores:
        if score.kind not in mapping:
            results.append(PushbackResult(score.response_id, "skipped",
                                          f"no property mapped for {score.kind}"))
            continue
        outcome = outcomes[score.external_id]
        status = "failed" if outcome.status == "rate_limited" else outcome.status
        results.append(PushbackResult(score.response_id, status, outcome.error))
    return results


def push(connection, scores: list[ScoreUpdate]) -> list[PushbackResult]:
    """The ``pushback_scores`` hook: write now, one result per score."""
    from .client import HubSpotClient

    return write_batch(HubSpotClient(connection), scores, fields.field_map(connection))
