"""The Salesforce side of contact sync: pages of Contacts by ``SystemModstamp``, resumable.

Keyset pagination (``ORDER BY SystemModstamp, Id`` with ``LIMIT 2000``) makes every page's
checkpoint exact, so a crashed run resumes after the last saved page, and query cursors that
expire after 15 minutes never matter. ``queryAll`` brings deletions (``IsDeleted``) and merges
(``MasterRecordId``). A finished run leaves a watermark; the next run starts a little before it
(``OVERLAP``) so records with equal or late-committed timestamps are not missed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from simple_salesforce.format import format_soql

from host.contracts import ContactPage, SyncPaused
from plugins.salesforce import errors
from plugins.salesforce.client import SalesforceClient
from plugins.salesforce.contacts import FIELDS, parse_datetime, soql_datetime, to_external_contact

OVERLAP = timedelta(minutes=2)
RETRY_AFTER_LIMIT = timedelta(hours=1)  # Salesforce's daily limit is a rolling 24-hour window


def sync_contacts(connection, checkpoint: dict):
    try:
        yield from _pages(connection, checkpoint)
    except errors.ApiLimitExceeded as exc:
        raise paused_for_limit(exc) from None


def _pages(connection, checkpoint: dict):
    client = SalesforceClient(connection)
    budget = float(connection.settings.get("api_budget_share") or settings.SALESFORCE_API_BUDGET_SHARE)
    if checkpoint.get("complete") or not checkpoint:
        since = checkpoint.get("watermark")
        cursor = {
            "from": (datetime.fromisoformat(since) - OVERLAP).isoformat() if since else None,
            "stamp": None, "id": "", "watermark": since, "complete": False,
        }
    else:
        cursor = dict(checkpoint)
    total = _count(client, cursor)
    yield ContactPage(contacts=[], checkpoint=cursor, total=total, api_calls=1)
    while True:
        _check_budget(client, budget)
        records = _page(client, cursor)
        if not records:
            break
        contacts = [to_external_contact(r) for r in records]
        last = records[-1]
        cursor = {**cursor, "stamp": last["SystemModstamp"], "id": last["Id"]}
        newest = max((c.modified_at for c in contacts if c.modified_at), default=None)
        if newest and (not cursor["watermark"] or newest > datetime.fromisoformat(cursor["watermark"])):
            cursor["watermark"] = newest.isoformat()
        yield ContactPage(contacts=contacts, checkpoint=cursor, total=total, api_calls=1)
        if len(records) < settings.SALESFORCE_SYNC_PAGE_SIZE:
            break
    yield ContactPage(contacts=[], checkpoint={"watermark": cursor["watermark"], "complete": True},
                      total=total, api_calls=0)


def _where(cursor) -> str:
    clauses = []
    if cursor.get("from"):
        clauses.append(f"SystemModstamp >= {soql_datetime(datetime.fromisoformat(cursor['from']))}")
    if cursor.get("stamp"):
        stamp = soql_datetime(parse_datetime(cursor["stamp"]))
        clauses.append(format_soql(
            f"(SystemModstamp > {stamp} OR (SystemModstamp = {stamp} AND Id > {{}}))",
            cursor["id"]))
    return (" WHERE " + " AND ".join(clauses)) if clauses else ""


def _count(client, cursor) -> int:
    base = {**cursor, "stamp": None}
    return client.query(f"SELECT COUNT() FROM Contact{_where(base)}", include_deleted=True)["totalSize"]  # noqa: S608 (SOQL; values escaped by format_soql)  # nosec B608


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
