"""Scores → contact properties, one batch update per 100 contacts (reference §4.3).

``write_batch`` is "write this batch now, one result per item": newest score wins per contact and
kind within the batch; ``last_survey_date`` is the answer's day at midnight UTC (``YYYY-MM-DD``),
as HubSpot's ``date`` properties require. HubSpot refuses a whole batch for one bad value (400)
and leaves unknown or merged-away ids out (207 / missing from ``results``), so each item's result
is read back from the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from uuid import UUID

from host.contracts import PushbackResult, ScoreUpdate

from . import errors, fields, paths

BATCH = 100


@dataclass(frozen=True)
class ItemResult:
    response_id: UUID
    status: str  # "written" | "failed" | "skipped"
    error: str = ""
    retryable: bool = False

    def as_result(self) -> PushbackResult:
        return PushbackResult(response_id=self.response_id, status=self.status, error=self.error)


def properties_by_contact(scores: list[ScoreUpdate], mapping: dict[str, str]) -> dict[str, dict]:
    """Pure: the property values each contact gets, the newest answer winning per kind."""
    newest: dict[tuple[str, str], ScoreUpdate] = {}
    for score in scores:
        key = (score.external_id, score.kind)
        if key not in newest or score.answered_at >= newest[key].answered_at:
            newest[key] = score
    values: dict[str, dict] = {}
    latest_day: dict[str, str] = {}
    for (external_id, kind), score in newest.items():
        if kind not in mapping:
            continue
        values.setdefault(external_id, {})[mapping[kind]] = str(score.score)
        day = score.answered_at.astimezone(UTC).date().isoformat()
        latest_day[external_id] = max(day, latest_day.get(external_id, ""))
    for external_id, day in latest_day.items():
        if mapping.get("date"):
            values[external_id][mapping["date"]] = day
    return values


def write_batch(client, scores: list[ScoreUpdate], mapping: dict[str, str]) -> list[ItemResult]:
    values = properties_by_contact(scores, mapping)
    outcome: dict[str, tuple[str, str, bool]] = {}
    ids = list(values)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        outcome.update(_write_chunk(client, {i: values[i] for i in chunk}))
    results = []
    for score in scores:
        if score.kind not in mapping:
            results.append(ItemResult(score.response_id, "skipped", f"no property mapped for {score.kind}"))
            continue
        status, error, retryable = outcome[score.external_id]
        results.append(ItemResult(score.response_id, status, error, retryable))
    return results


def _write_chunk(client, values: dict[str, dict]) -> dict[str, tuple[str, str, bool]]:
    body = {"inputs": [{"id": i, "properties": props} for i, props in values.items()]}
    try:
        answer = client.call("POST", paths.objects("contacts", "batch/update"), json=body)
    except errors.ValidationError as exc:
        message = f"{exc.message} Run Test Fields on the HubSpot settings page."
        return {i: ("failed", message, False) for i in values}
    except errors.HubSpotError as exc:
        return {i: ("failed", exc.message, exc.retryable) for i in values}
    written = {str(r.get("id")) for r in (answer or {}).get("results") or []}
    not_found = {str(i) for e in (answer or {}).get("errors") or []
                 for i in (e.get("context") or {}).get("ids") or []}
    out = {}
    for external_id in values:
        if external_id in written:
            out[external_id] = ("written", "", False)
        elif external_id in not_found:
            out[external_id] = ("failed", "contact not found in HubSpot (deleted)", False)
        else:
            out[external_id] = ("failed", "HubSpot left the contact out (merged or deleted)", False)
    return out


def push(connection, scores: list[ScoreUpdate]) -> list[PushbackResult]:
    """The ``pushback_scores`` hook: write now, one result per score."""
    from .client import HubSpotClient

    mapping = fields.field_map(connection)
    return [r.as_result() for r in write_batch(HubSpotClient(connection), scores, mapping)]
