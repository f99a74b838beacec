"""The Salesforce REST client the sync, trigger and pushback code uses, on simple-salesforce.

    client = SalesforceClient.for_current_org()
    for page in client.query_pages("SELECT Id, Email FROM Contact"): ...
    client.update("Contact", "003...", {"NPS_Score__c": 9})
    client.update_many([RecordUpdate("Contact", "003...", {"NPS_Score__c": 9}), ...])

Every call has a timeout and raises ``errors.SalesforceError`` subclasses with a plain ``message``.
On ``401 INVALID_SESSION_ID`` it refreshes once, single-flight through
``host.integrations.refresh_credentials``, and retries; a refresh Salesforce refuses for good
raises ``host.contracts.NeedsReconnect`` (the host has then marked the connection *Needs
attention*). ``api_usage`` holds the last ``Sforce-Limit-Info`` figure.

simple-salesforce always builds ``https://`` URLs (reference §5.1). For the plain-HTTP emulator on
loopback, the session mounts an adapter that sends those requests over http; any other
``instance_url`` must be https.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError as LibraryError
from simple_salesforce.exceptions import SalesforceExpiredSession

from host import metrics
from host.contracts import ConnectError, NeedsReconnect
from host.integrations import get_connection, refresh_credentials
from plugins.salesforce.conf import settings

from . import errors, login_hosts

KEY = "salesforce"
TIMEOUT = (5, 60)  # connect, read (seconds)
COLLECTION_LIMIT = 200
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
T = TypeVar("T")


class NotConnected(errors.SalesforceError):
    pass


@dataclass(frozen=True)
class ApiUsage:
    """Daily API requests used and allowed, from the ``Sforce-Limit-Info`` header."""

    used: int
    limit: int

    @property
    def fraction(self) -> float:
        return self.used / self.limit if self.limit else 0.0


@dataclass(frozen=True)
class RecordUpdate:
    sobject: str
    record_id: str
    values: dict[str, Any]


class _Session(requests.Session):
    """A session with a default timeout and, for the loopback emulator only, the http adapter."""

    def __init__(self, instance_url: str, timeout, on_response: Callable):
        super().__init__()
        self.timeout = timeout
        self.hooks["response"].append(on_response)
        login_hosts.https_form(instance_url, self)

    def request(self, method, url, *args, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, url, *args, **kwargs)


def _check_name(value: str, what: str) -> str:
    if not _NAME.match(value or ""):
        raise errors.InvalidRequest(f"{value!r} is not a valid Salesforce {what} name.",
                                    "INVALID_TYPE")
    return value


def _check_id(value: str) -> str:
    if not _ID.match(value or ""):
        raise errors.InvalidRequest(f"{value!r} is not a Salesforce record id.", "MALFORMED_ID")
    return value


class SalesforceClient:
    def __init__(self, connection, timeout=TIMEOUT):
        self.connection = connection
        self.timeout = timeout
        self.api_usage: ApiUsage | None = None
        self.server_time: datetime | None = None  # Salesforce's clock, from the last ``Date``
        self._sf: Salesforce | None = None

    @classmethod
    def for_current_org(cls, **kwargs) -> SalesforceClient:
        """The client for the organization whose schema is active."""
        return cls(get_connection(KEY), **kwargs)

    # --- plumbing --------------------------------------------------------------------------------

    def _record_usage(self, response, *args, **kwargs):
        metrics.inc("crm_api_calls", integration=KEY,
                    status_class=f"{response.status_code // 100}xx")
        if response.status_code == 429:
            metrics.inc("crm_api_rate_limited", integration=KEY)
        match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.api_usage = ApiUsage(int(match.group(1)), int(match.group(2)))
        if date := response.headers.get("Date"):
            try:
                self.server_time = parsedate_to_datetime(date)
            except (TypeError, ValueError):
                pass
        return response

    def _salesforce(self) -> Salesforce:
        if self._sf is not None:
            return self._sf
        conn = self.connection
        if conn.status == conn.Status.NEEDS_ATTENTION:
            raise NeedsReconnect(conn.last_error or "Salesforce needs to be reconnected.")
        creds = conn.credentials if conn.status == conn.Status.CONNECTED else {}
        if not creds.get("access_token"):
            raise NotConnected("Salesforce is not connected for this organization.")
        try:
            instance_url = login_hosts.check_url(creds["instance_url"], "instance URL")
        except login_hosts.LoginHostError as exc:
            raise errors.InvalidRequest(str(exc)) from None
        session = _Session(instance_url, self.timeout, self._record_usage)
        self._sf = Salesforce(instance_url=instance_url, session_id=creds["access_token"],
                              session=session, version=settings.SALESFORCE_API_VERSION)
        return self._sf

    def _refresh(self) -> None:
        try:
            self.connection = refresh_credentials(self.connection)
        except NeedsReconnect:
            raise
        except ConnectError as exc:
            raise errors.SalesforceUnavailable(str(exc)) from None
        self._sf = None

    def _call(self, fn: Callable[[Salesforce], T]) -> T:
        refreshed = False
        while True:
            sf = self._salesforce()
            try:
                return fn(sf)
            except SalesforceExpiredSession as exc:
                if refreshed:
                    raise errors.from_response(401, exc.content) from None
                self._refresh()
                refreshed = True
            except LibraryError as exc:
                raise errors.from_response(exc.status, exc.content) from None
            except requests.Timeout:
                raise errors.SalesforceUnavailable(
                    "Salesforce did not answer in time; try again in a few minutes.") from None
            except requests.ConnectionError:
                host = urlsplit(self.connection.credentials.get("instance_url", "")).netloc
                raise errors.SalesforceUnavailable(
                    f"Salesforce at {host} could not be reached; try again in a few minutes."
                ) from None

    # --- API ---------------------------------------------------------------------------------------

    def query(self, soql: str, include_deleted: bool = False,
              batch_size: int | None = None) -> dict[str, Any]:
        """The first page: ``{"totalSize", "done", "records", "nextRecordsUrl"?}``."""
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"} if batch_size else {}
        return self._call(lambda sf: sf.query(soql, include_deleted=include_deleted,
                                              headers=headers))

    def query_more(self, next_records_url: str) -> dict[str, Any]:
        """The page behind a ``nextRecordsUrl`` (an opaque path on the instance)."""
        if not next_records_url.startswith("/services/data/"):
            raise errors.InvalidRequest("Unexpected nextRecordsUrl from Salesforce.")
        return self._call(lambda sf: sf.query_more(next_records_url, identifier_is_url=True))

    def query_pages(self, soql: str, include_deleted: bool = False,
                    batch_size: int | None = None) -> Iterator[dict[str, Any]]:
        """Every page of a query, following ``nextRecordsUrl`` until ``done``."""
        page = self.query(soql, include_deleted, batch_size)
        yield page
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            page = self.query_more(page["nextRecordsUrl"])
            yield page

    def query_all(self, soql: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        """All records of a query, across pages (``include_deleted`` uses ``queryAll``)."""
        return [r for page in self.query_pages(soql, include_deleted) for r in page["records"]]

    def describe(self, sobject: str) -> dict[str, Any]:
        name = _check_name(sobject, "object")
        return self._call(lambda sf: getattr(sf, name).describe())

    def describe_global(self) -> dict[str, Any]:
        return self._call(lambda sf: sf.describe())

    def limits(self) -> dict[str, Any]:
        return self._call(lambda sf: sf.limits())

    def update(self, sobject: str, record_id: str, values: dict[str, Any]) -> None:
        """Update one record (``PATCH``; Salesforce answers 204)."""
        name, rid = _check_name(sobject, "object"), _check_id(record_id)
        self._call(lambda sf: getattr(sf, name).update(rid, values))

    def create(self, sobject: str, values: dict[str, Any]) -> str:
        """Create one record (``POST sobjects/<name>``); the new record's id."""
        name = _check_name(sobject, "object")
        return self._call(lambda sf: sf.restful(f"sobjects/{name}", method="POST",
                                                json=values))["id"]

    def patch(self, sobject: str, record_id: str, values: dict[str, Any]) -> None:
        """Update a record of any object, setup objects included (``PATCH``; 204)."""
        name, rid = _check_name(sobject, "object"), _check_id(record_id)
        self._call(lambda sf: sf.restful(f"sobjects/{name}/{rid}", method="PATCH", json=values))

    def tooling_query(self, soql: str) -> list[dict[str, Any]]:
        """Records of a Tooling API query (setup metadata: CustomField, WorkflowOutboundMessage)."""
        return self._call(lambda sf: sf.restful("tooling/query", params={"q": soql}))["records"]

    def tooling_create(self, sobject: str, body: dict[str, Any]) -> str:
        """Create a Tooling API row (e.g. a ``CustomField``); its id."""
        name = _check_name(sobject, "object")
        return self._call(lambda sf: sf.restful(f"tooling/sobjects/{name}", method="POST",
                                                json=body))["id"]

    # --- Bulk API 2.0 query jobs ------------------------------------------------------------------

    def bulk_query(self, soql: str, operation: str = "queryAll") -> dict[str, Any]:
        """Create a Bulk API 2.0 query job (CSV, comma, LF); the job info."""
        body = {"operation": operation, "query": soql, "contentType": "CSV",
                "columnDelimiter": "COMMA", "lineEnding": "LF"}
        return self._call(lambda sf: sf.restful("jobs/query", method="POST", json=body))

    def bulk_job(self, job_id: str) -> dict[str, Any]:
        return self._call(lambda sf: sf.restful(f"jobs/query/{_check_id(job_id)}"))

    def bulk_delete(self, job_id: str) -> None:
        self._call(lambda sf: sf.restful(f"jobs/query/{_check_id(job_id)}", method="DELETE"))

    def bulk_results(self, job_id: str, locator: str | None,
                     max_records: int) -> requests.Response:
        """One result set, *streamed*: read ``.raw`` and close it. ``Sforce-Locator`` names the
        next set (``"null"`` at the end)."""
        params = {"maxRecords": max_records, **({"locator": locator} if locator else {})}

        def get(sf):
            response = sf._call_salesforce(  # noqa: SLF001 - the library's streaming-capable call
                "GET", f"{sf.base_url}jobs/query/{_check_id(job_id)}/results", name="results",
                params=params, stream=True, headers={"Accept": "text/csv",
                                                     "Accept-Encoding": "gzip"})
            response.raw.decode_content = True
            response.raw.auto_close = False  # let io.TextIOWrapper see EOF instead of a closed file
            return response

        return self._call(get)

    def update_many(self, updates: list[RecordUpdate],
                    all_or_none: bool = False) -> list[dict[str, Any]]:
        """Update records with sObject Collections, 200 per call; one SaveResult per update, in
        order (``{"id", "success", "errors": [{"statusCode", "message", "fields"}]}``)."""
        if all_or_none and len(updates) > COLLECTION_LIMIT:
            raise ValueError(f"all_or_none works for at most {COLLECTION_LIMIT} records per call")
        results: list[dict[str, Any]] = []
        for start in range(0, len(updates), COLLECTION_LIMIT):
            chunk = updates[start:start + COLLECTION_LIMIT]
            body = {"allOrNone": all_or_none, "records": [
                {"attributes": {"type": _check_name(u.sobject, "object")},
                 "id": _check_id(u.record_id), **u.values} for u in chunk]}
            results += self._call(lambda sf, body=body: sf.restful(
                "composite/sobjects", method="PATCH", json=body))
        return results
