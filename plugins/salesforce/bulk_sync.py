"""Bulk API 2.0 for a large first sync: one ``queryAll`` job instead of a REST page per 2,000.

The job is created once (its id goes into the checkpoint), polled with backoff, and its result
sets are read by locator and *streamed*: the CSV is parsed as it arrives and handed to the host in
pages of ``SALESFORCE_SYNC_PAGE_SIZE``, each with a checkpoint naming the result set and how many
of its rows are stored, so memory stays flat and a crashed run resumes at that row. Values map
exactly as REST's do (empty = null, ``true``/``false``, UTC date-times, quotes and newlines inside
values); rows then go through the same ``to_external_contact``.

A job that fails, is aborted, times out or is gone raises ``JobFailed``; the sync then falls back
to REST paging and says why in the sync run.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from contextlib import closing

from host.contracts import ContactPage
from plugins.salesforce import errors
from plugins.salesforce.conf import settings
from plugins.salesforce.contacts import FIELDS, to_external_contact

RESULT_SET_RECORDS = 50_000  # maxRecords per result set
POLL_DELAYS = (0.5, 1, 2, 5, 10, 30)  # then every 30 s
POLL_TIMEOUT = 30 * 60  # seconds
END = "null"  # Sforce-Locator after the last set
BOOLEAN_COLUMNS = {"IsDeleted"}


class JobFailed(Exception):
    def __init__(self, reason: str, api_calls: int = 0):
        super().__init__(reason)
        self.reason, self.api_calls = reason, api_calls


def threshold() -> int:
    """``SALESFORCE_BULK_THRESHOLD``: contacts above which a first sync uses Bulk API 2.0."""
    return int(settings.SALESFORCE_BULK_THRESHOLD)


def csv_record(header: list[str], row: list[str]) -> dict:
    """A CSV row in the shape of a REST record: empty = null, booleans, parent fields nested."""
    record: dict = {}
    for name, text in zip(header, row, strict=False):
        value = None if text == "" else text
        if name in BOOLEAN_COLUMNS:
            value = value == "true"
        parent, _, child = name.rpartition(".")
        if parent:
            record.setdefault(parent, {})[child] = value
        else:
            record[name] = value
    return record


def pages(client, cursor: dict, total: int) -> Iterator[ContactPage]:
    """The contacts of the job in ``cursor`` (created first if none), page by page."""
    if not cursor.get("job"):
        try:
            job = client.bulk_query(f"SELECT {FIELDS} FROM Contact")  # noqa: S608 - constant SOQL  # nosec B608
        except errors.InvalidRequest as exc:
            raise JobFailed(f"Salesforce refused the Bulk API job: {exc.message}", 1) from None
        cursor = {**cursor, "job": job["id"], "locator": None, "skip": 0}
        yield ContactPage(contacts=[], checkpoint=cursor, total=total, api_calls=1)
    job_id = cursor["job"]
    if cursor.get("locator") != END:
        yield ContactPage(contacts=[], checkpoint=cursor, total=total,
                          api_calls=_wait(client, job_id))
    chunk = settings.SALESFORCE_SYNC_PAGE_SIZE
    while cursor.get("locator") != END:
        try:
            response = client.bulk_results(job_id, cursor.get("locator"), RESULT_SET_RECORDS)
        except errors.NotFound:
            raise JobFailed("the Bulk API job is gone (Salesforce keeps jobs 7 days)", 1) from None
        with closing(response):
            next_locator = response.headers.get("Sforce-Locator") or END
            rows = csv.reader(line.replace("\x00", "") for line in io.TextIOWrapper(
                response.raw, encoding="utf-8", newline=""))
            header, skip, calls, batch, seen = next(rows, []), cursor.get("skip", 0), 1, [], 0
            for row in rows:
                seen += 1
                if seen <= skip:
                    continue
                batch.append(to_external_contact(csv_record(header, row)))
                if len(batch) >= chunk:
                    cursor = {**cursor, "skip": seen}
                    yield ContactPage(contacts=batch, checkpoint=cursor, total=total,
                                      api_calls=calls)
                    batch, calls = [], 0
            cursor = {**cursor, "locator": next_locator, "skip": 0}
            yield ContactPage(contacts=batch, checkpoint=cursor, total=total, api_calls=calls)
    try:
        client.bulk_delete(job_id)  # results are read; Salesforce would keep them 7 days
    except errors.SalesforceError:
        pass
    yield ContactPage(contacts=[], checkpoint=cursor, total=total, api_calls=1)


def _wait(client, job_id: str) -> int:
    """Poll until JobComplete; the number of calls made. Raises JobFailed."""
    started, calls = time.monotonic(), 0
    for attempt in range(10_000):
        calls += 1
        try:
            job = client.bulk_job(job_id)
        except errors.NotFound:
            raise JobFailed("the Bulk API job is gone", calls) from None
        state = job.get("state")
        if state == "JobComplete":
            return calls
        if state in ("Failed", "Aborted"):
            reason = job.get("errorMessage") or state.lower()
            raise JobFailed(f"the Bulk API job {state.lower()}: {reason}", calls)
        if time.monotonic() - started > POLL_TIMEOUT:
            raise JobFailed(f"the Bulk API job was not done after {POLL_TIMEOUT // 60} minutes",
                            calls)
        time.sleep(POLL_DELAYS[min(attempt, len(POLL_DELAYS) - 1)])
    raise JobFailed("the Bulk API job never completed", calls)


csv.field_size_limit(2**31 - 1)  # long text values are legal in Salesforce
