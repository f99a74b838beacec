"""Contact sync by the CRM search API, keyed on ``lastmodifieddate`` + id, resumable after any page.

HubSpot's search caps every query at 10,000 results and allows one sort, so offsets are never
used: each page is a fresh query from the checkpoint ``t`` (the newest ``lastmodifieddate`` read,
in ms) with ``lastmodifieddate >= t``, skipping the ids already read at exactly ``t`` (``seen``).
When a whole page shares one millisecond (a bulk import), that millisecond is read on its own,
``lastmodifieddate == t`` sorted by ``hs_object_id`` with ``hs_object_id > tie_id``. Every
checkpoint is exact, so a crash resumes after the last saved page and no query nears the cap.

A run ends at a horizon (now − ``HUBSPOT_SYNC_LAG_SECONDS``; the search index lags writes by up
to ~30 s) where the next run starts. Archiving does not bump ``lastmodifieddate`` and search
never returns archived contacts (§2.6), so each incremental run ends with a scan of the archived
list, keeping those archived since the previous scan; merges come from the survivor's
``hs_merged_object_ids``.
"""

from __future__ import annotations

import time

from host.contracts import ContactPage, SyncPaused

from . import contacts, errors, paths
from .client import HubSpotClient
from .conf import settings

PAGE = 200  # search maximum
ARCHIVED_PAGE = 100  # list maximum


def sync_contacts(connection, checkpoint: dict):
    client = HubSpotClient(connection)
    try:
        yield from pages(client, checkpoint)
    except errors.DailyLimit as exc:
        raise SyncPaused(f"HubSpot's daily API limit is reached ({exc.message}); the next run "
                         "resumes.") from None


def lag_ms() -> int:
    return settings.HUBSPOT_SYNC_LAG_SECONDS * 1000


def start(checkpoint: dict, now_ms: int) -> dict:
    """The cursor of a new run from the last run's final checkpoint (or a resumed one as is)."""
    if checkpoint and not checkpoint.get("complete"):
        return dict(checkpoint)
    since = checkpoint.get("next_from")
    horizon = max(now_ms - lag_ms(), since or 0)
    return {"from": since, "until": horizon if since else None, "next_from": horizon,
            "t": since, "seen": [], "after_t": False, "tie_id": None, "phase": "search",
            "archived_since": checkpoint.get("archived_next"), "archived_next": now_ms,
            "archived_after": None, "complete": False}


def search_body(cursor: dict) -> dict:
    lmd = "lastmodifieddate"
    if cursor.get("tie_id") is not None:
        filters = [{"propertyName": lmd, "operator": "EQ", "value": str(cursor["t"])},
                   {"propertyName": "hs_object_id", "operator": "GT", "value": cursor["tie_id"]}]
        sort = "hs_object_id"
    else:
        filters = []
        if cursor.get("t") is not None:
            filters.append({"propertyName": lmd, "operator": "GT" if cursor.get("after_t") else "GTE",
                            "value": str(cursor["t"])})
        if cursor.get("until") is not None:
            filters.append({"propertyName": lmd, "operator": "LT", "value": str(cursor["until"])})
        sort = lmd
    return {"filterGroups": [{"filters": filters}] if filters else [],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": contacts.PROPERTIES, "limit": PAGE, "after": "0"}


def advance(cursor: dict, records: list[dict]) -> tuple[dict, list[dict], bool]:
    """The next cursor, the records not read before, and whether the search phase is done."""
    if cursor.get("tie_id") is not None:
        done = len(records) < PAGE
        if done:  # every contact at ``t`` is read: continue strictly after it
            return {**cursor, "tie_id": None, "after_t": True, "seen": []}, records, False
        return {**cursor, "tie_id": str(records[-1]["id"])}, records, False
    seen = set(cursor.get("seen") or [])
    t = cursor.get("t")
    fresh = [r for r in records if not (contacts.modified_ms(r) == t and str(r["id"]) in seen)]
    if len(records) < PAGE:
        return cursor, fresh, True
    last = contacts.modified_ms(records[-1])
    if t is not None and last == t and not cursor.get("after_t"):
        return {**cursor, "tie_id": "0"}, fresh, False  # a full page at one millisecond
    at_last = {str(r["id"]) for r in records if contacts.modified_ms(r) == last}
    return {**cursor, "t": last, "after_t": False, "seen": sorted(at_last)}, fresh, False


def pages(client: HubSpotClient, checkpoint: dict, now_ms: int | None = None):
    cursor = start(checkpoint, now_ms or int(time.time() * 1000))
    total = None
    while cursor["phase"] == "search":
        calls = client.api_calls
        answer = client.call("POST", paths.objects("contacts", "search"), bucket="search",
                             json=search_body(cursor))
        total = answer.get("total") if total is None else total
        cursor, fresh, done = advance(cursor, answer.get("results") or [])
        if done:
            cursor = {**cursor, "phase": "archived" if cursor.get("archived_since") else "end"}
        yield ContactPage(contacts=[c for r in fresh for c in contacts.to_external(r)],
                          checkpoint=cursor, total=total, api_calls=client.api_calls - calls)
    while cursor["phase"] == "archived":
        calls = client.api_calls
        params = {"archived": "true", "limit": ARCHIVED_PAGE, "properties": "email"}
        if cursor.get("archived_after"):
            params["after"] = cursor["archived_after"]
        answer = client.call("GET", paths.objects("contacts"), params=params)
        gone = [r for r in answer.get("results") or []
                if (when := contacts.parse_time(r.get("archivedAt")))
                and contacts.to_ms(when) >= cursor["archived_since"]]
        after = ((answer.get("paging") or {}).get("next") or {}).get("after")
        cursor = {**cursor, "archived_after": after, "phase": "archived" if after else "end"}
        yield ContactPage(contacts=[c for r in gone for c in contacts.to_external({**r, "archived": True})],
                          checkpoint=cursor, total=total, api_calls=client.api_calls - calls)
    yield ContactPage(contacts=[], total=total, api_calls=0, checkpoint={
        "next_from": cursor["next_from"], "archived_next": cursor["archived_next"],
        "complete": True})
