"""The Salesforce side of contact sync: pages of Contacts by ``SystemModstamp``, resumable.

Keyset pagination (``ORDER BY SystemModstamp, Id`` with ``LIMIT 2000``) makes every page's
checkpoint exact, so a crashed run resumes after the last saved page, and query cursors that
expire after 15 minutes never matter. ``queryAll`` brings deletions (``IsDeleted``) and merges
(``MasterRecordId``).

Each change is read once. A record's ``SystemModstamp`` is taken before its transaction commits,
so a stamp may become visible up to ``LAG`` late. Each run therefore ends at a *horizon*,
Salesforce's own clock (the ``Date`` of its answer to the run's first call) minus ``LAG``, and the
next run starts exactly there: incremental runs read ``horizon_before <= SystemModstamp <
horizon``. The first (full) run reads up to now, so a fresh connection shows every contact; the
few records it read after its horizon are read once more by the next run.

A first run with more than ``SALESFORCE_BULK_THRESHOLD`` contacts (by ``SELECT COUNT()``) reads
them with one Bulk API 2.0 job instead (``bulk_sync``), falling back to REST pages if the job
fails; incremental runs stay on REST.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from simple_salesforce.format import format_soql

from host.contracts import ContactPage, SyncPaused
from plugins.salesforce import bulk_sync, errors
from plugins.salesforce.client import SalesforceClient
from plugins.salesforce.conf import settings
from plugins.salesforce.contacts import FIELDS, parse_datetime, soql_datetime, to_external_contact

LAG = timedelta(minutes=2)  # how late a SystemModstamp may become visible
RETRY_AFTER_LIMIT = timedelta(hours=1)  # Salesforce's daily limit is a rolling 24-hour window


def sync_contacts(connection, checkpoint: dict):
    try:
        yield from _pages(connection, checkpoint)
    except errors.ApiLimitExceeded as exc:
        raise paused_for_limit(exc) from None


def start_cursor(checkpoint: dict) -> dict | None:
    """A new run's cursor from a finished run's checkpoint (``None`` for a resumed run)."""
    if checkpoint and not checkpoint.get("complete"):
        return None
    since = checkpoint.get("from")
    if not since and checkpoint.get("watermark"):  # a checkpoint saved before horizons
        since = (datetime.fromisoformat(checkpoint["watermark"]) - LAG).isoformat()
    return {"from": since, "until": None, "next_from": None, "stamp": None, "id": "",
            "complete": False}


def _pages(connection, checkpoint: dict):
    client = SalesforceClient(connection)
    budget = float(connection.settings.get("api_budget_share") or settings.SALESFORCE_API_BUDGET_SHARE)
    cursor = start_cursor(checkpoint) or dict(checkpoint)
    total = _count(client, cursor)
    if not cursor.get("next_from"):
        cursor.update(_horizon(client, cursor))
        if not cursor.get("from") and total > bulk_sync.threshold():
            cursor["mode"] = "bulk"
    yield ContactPage(contacts=[], checkpoint=cursor, total=total, api_calls=1)
    if cursor.get("mode") == "bulk":
        try:
            for page in bulk_sync.pages(client, cursor, total):
                cursor = page.checkpoint
                yield page
        except bulk_sync.JobFailed as exc:
            cursor = {**cursor, "mode": "rest", "job": None}
            yield ContactPage(contacts=[], checkpoint=cursor, total=total, api_calls=exc.api_calls,
                              note=f"Bulk API 2.0 was not used: {exc.reason}. Synced by REST "
                                   "pages instead.")
        else:
            yield ContactPage(contacts=[], checkpoint={"from": cursor["next_from"],
                                                       "complete": True},
                              total=total, api_calls=0)
            return
    while True:
        _check_budget(client, budget)
        records = _page(client, cursor)
        if not records:
            break
        last = records[-1]
        cursor = {**cursor, "stamp": last["SystemModstamp"], "id": last["Id"]}
        yield ContactPage(contacts=[to_external_contact(r) for r in records], checkpoint=cursor,
                          total=total, api_calls=1)
        if len(records) < settings.SALESFORCE_SYNC_PAGE_SIZE:
            break
    yield ContactPage(contacts=[], checkpoint={"from": cursor["next_from"], "complete": True},
                      total=total, api_calls=0)


def _horizon(client, cursor: dict) -> dict:
    """Where this run stops (incremental runs) and the next one starts, by Salesforce's clock."""
    now = client.server_time or timezone.now()
    horizon = now - LAG
    if cursor.get("from"):
        horizon = max(horizon, datetime.fromisoformat(cursor["from"]))  # never step back
    full = not cursor.get("from")
    return {"until": None if full else horizon.isoformat(), "next_from": horizon.isoformat()}


def _where(cursor, keyset: bool = True) -> str:
    clauses = []
    if cursor.get("from"):
        clauses.append(f"SystemModstamp >= {soql_datetime(datetime.fromisoformat(cursor['from']))}")
    if cursor.get("until"):
        clauses.append(f"SystemModstamp < {soql_datetime(datetime.fromisoformat(cursor['until']))}")
    if keyset and cursor.get("stamp"):
        stamp = soql_datetime(parse_datetime(cursor["stamp"]))
        clauses.append(format_soql(
            f"(SystemModstamp > {stamp} OR (SystemModstamp = {stamp} AND Id > {{}}))",
            cursor["id"]))
    return (" WHERE " + " AND ".join(clauses)) if clauses else ""


def _count(client, cursor) -> int:
    return client.query(f"SELECT COUNT() FROM Contact{_where(cursor, keyset=False)}",  # noqa: S608 (SOQL; values escaped by format_soql)  # nosec B608
                        include_deleted=True)["totalSize"]


def _page(client, cursor) -> list[dict]:
    soql = (f"SELECT {FIELDS} FROM Contact{_where(cursor)} "  # noqa: S608 (SOQL; values escaped by format_soql)  # nosec B608
            f"ORDER BY SystemModstamp ASC, Id ASC LIMIT {settings.SALESFORCE_SYNC_PAGE_SIZE}")
    return client.query(soql, include_deleted=True)["records"]


def _check_budget(client, share: float) -> None:
    usage = client.api_usage
    if usage and usage.fraction >= share:
        raise SyncPaused(
            f"Paused to protect the Salesforce API budget: {usage.used:,} of {usage.limit:,} daily "
            f"requests used (limit for sync: {share:.0%}). The next run resumes.")


def paused_for_limit(exc: errors.ApiLimitExceeded) -> SyncPaused:
    """REQUEST_LIMIT_EXCEEDED: wait for the next 24-hour window."""
    resume = timezone.now() + RETRY_AFTER_LIMIT
    return SyncPaused(f"Salesforce API limit reached ({exc.message}); sync pauses until "
                      f"{resume:%H:%M} UTC.", resume_after=resume)
