"""One HubSpot account (portal): contacts, deals, associations, pipelines, property definitions.

Records are small dicts ``{"id": int, "props": {...}, "created": ms, "updated": ms,
"archived_at": ms|None, "merged_into": int|None}`` so 100,000 contacts seed in about a second.
System properties (``hs_object_id``, ``createdate``, ``lastmodifieddate`` for contacts,
``hs_lastmodifieddate`` for deals) are derived from those fields on the way out.
"""

from __future__ import annotations

import bisect
import copy

from .properties import default_groups, default_properties
from .web import iso_ms

MODIFIED = {"contacts": "lastmodifieddate", "deals": "hs_lastmodifieddate"}
TYPE_IDS = {"contacts": "0-1", "deals": "0-3"}
DEFAULT_PROPS = {
    "contacts": ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate",
                 "lastname"],
    "deals": ["amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate",
              "hs_object_id", "pipeline"],
}
DEAL_TO_CONTACT = {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}


def _stage(sid, label, order, probability, closed) -> dict:
    return {"id": sid, "label": label, "displayOrder": order,
            "metadata": {"isClosed": "true" if closed else "false", "probability": probability},
            "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT", "archived": False,
            "createdAt": "1970-01-01T00:00:00Z", "updatedAt": "1970-01-01T00:00:00Z"}


def default_pipelines() -> list[dict]:
    """The default pipeline as HubSpot ships it, plus a custom one with numeric stage ids and a
    stage *labelled* "Closed won" that is not won (probability 0.8) [reference §3.1]."""
    epoch = "1970-01-01T00:00:00Z"
    default = [("appointmentscheduled", "Appointment Scheduled", "0.2", False),
               ("qualifiedtobuy", "Qualified To Buy", "0.4", False),
               ("presentationscheduled", "Presentation Scheduled", "0.6", False),
               ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", False),
               ("contractsent", "Contract Sent", "0.9", False),
               ("closedwon", "Closed Won", "1.0", True),
               ("closedlost", "Closed Lost", "0.0", True)]
    custom = [("11348541", "New", "0.1", False),
              ("11348547", "Closed won", "0.8", False),  # the misleading label of the audit
              ("11348548", "Signed", "1.0", True),
              ("11348549", "Lost", "0.0", True)]
    return [
        {"id": "default", "label": "Sales Pipeline", "displayOrder": 0, "archived": False,
         "createdAt": epoch, "updatedAt": epoch,
         "stages": [_stage(*s[:2], i, *s[2:]) for i, s in enumerate(default)]},
        {"id": "11348540", "label": "Renewals", "displayOrder": 1, "archived": False,
         "createdAt": epoch, "updatedAt": epoch,
         "stages": [_stage(*s[:2], i, *s[2:]) for i, s in enumerate(custom)]},
    ]


class Portal:
    def __init__(self, hub_id: int, first_contact_id: int, first_deal_id: int,
                 hublet: str = "na1", domain: str = "acme-demo.example"):
        self.hub_id, self.hublet, self.domain = hub_id, hublet, domain
        self.objects: dict[str, dict[int, dict]] = {"contacts": {}, "deals": {}}
        self.next_id = {"contacts": first_contact_id, "deals": first_deal_id}
        self.assoc: dict[int, dict[int, list[dict]]] = {}  # deal id -> contact id -> types
        self.pipelines = default_pipelines()
        self.properties = {"contacts": default_properties("contacts"),
                           "deals": default_properties("deals")}
        self.groups = {"contacts": default_groups()}
        self.uninstalled = False
        self.version = 0  # bumped by every write; the search index is rebuilt when it changes
        self.members = 0  # bumped when records are added or removed for good (the id list)
        self._index: dict[str, tuple[int, list]] = {}

    # ------------------------------------------------------------------ records
    def new_id(self, obj: str) -> int:
        rid = self.next_id[obj]
        self.next_id[obj] = rid + 1
        return rid

    def insert(self, obj: str, props: dict, now_ms: int, rid: int | None = None) -> dict:
        rid = rid if rid is not None else self.new_id(obj)
        self.next_id[obj] = max(self.next_id[obj], rid + 1)
        rec = {"id": rid, "props": {k: _text(v) for k, v in props.items()}, "created": now_ms,
               "updated": now_ms, "archived_at": None, "merged_into": None}
        self.objects[obj][rid] = rec
        self.version += 1
        self.members += 1
        return rec

    def remove(self, obj: str, rid: int) -> None:
        """Gone for good (GDPR delete): not even in the archived list."""
        self.objects[obj].pop(rid, None)
        self.version += 1
        self.members += 1

    def live(self, obj: str, rid) -> dict | None:
        """A record the API can see (not archived, not merged away), or None."""
        rec = self.objects[obj].get(_int(rid))
        return rec if rec and rec["archived_at"] is None and rec["merged_into"] is None else None

    def resolve(self, obj: str, rid) -> dict | None:
        """Like ``live`` but a merged-away id leads to its survivor (GET by an old id)."""
        rec = self.objects[obj].get(_int(rid))
        seen = 0
        while rec and rec["merged_into"] is not None and seen < 50:
            rec, seen = self.objects[obj].get(rec["merged_into"]), seen + 1
        return rec if rec and rec["archived_at"] is None else None

    def touch(self, rec: dict, now_ms: int) -> None:
        rec["updated"] = now_ms
        self.version += 1

    def value(self, obj: str, rec: dict, name: str) -> str | None:
        if name == "hs_object_id":
            return str(rec["id"])
        if name == "createdate":
            return iso_ms(rec["created"])
        if name == MODIFIED[obj]:
            return iso_ms(rec["updated"])
        return rec["props"].get(name)

    def to_json(self, obj: str, rec: dict, names: list[str] | None = None,
                archived_view: bool = False) -> dict:
        names = names or DEFAULT_PROPS[obj]
        defined = self.properties[obj]
        props = {}
        for name in names:
            if name in defined or name in rec["props"]:
                props[name] = self.value(obj, rec, name)
        out = {"id": str(rec["id"]), "properties": props, "createdAt": iso_ms(rec["created"]),
               "updatedAt": iso_ms(rec["updated"]), "archived": rec["archived_at"] is not None}
        if rec["archived_at"] is not None or archived_view:
            out["archivedAt"] = iso_ms(rec["archived_at"])
        host = "app.hubspot.com" if self.hublet == "na1" else f"app-{self.hublet}.hubspot.com"
        out["url"] = f"https://{host}/contacts/{self.hub_id}/record/{TYPE_IDS[obj]}/{rec['id']}"
        return out

    # ------------------------------------------------------------------ search index
    def index(self, obj: str) -> list[tuple[int, int]]:
        """Live records as ``(updated_ms, id)`` ascending, rebuilt only after writes."""
        cached = self._index.get(obj)
        if cached and cached[0] == self.version:
            return cached[1]
        rows = sorted((r["updated"], r["id"]) for r in self.objects[obj].values()
                      if r["archived_at"] is None and r["merged_into"] is None)
        self._index[obj] = (self.version, rows)
        return rows

    def ids_after(self, obj: str, after: int, limit: int, archived: bool) -> tuple[list, bool]:
        """List paging: records with id >= ``after`` in id order; (page, more remain)."""
        table = self.objects[obj]
        keys = self._sorted_ids(obj)
        start = bisect.bisect_left(keys, after)
        page = []
        for pos in range(start, len(keys)):
            rec = table.get(keys[pos])
            if rec is None or rec["merged_into"] is not None:
                continue
            if (rec["archived_at"] is not None) != archived:
                continue
            if len(page) == limit:
                return page, True
            page.append(rec)
        return page, False

    def _sorted_ids(self, obj: str) -> list[int]:
        key = obj + ":ids"
        cached = self._index.get(key)
        if cached and cached[0] == self.members:
            return cached[1]
        ids = sorted(self.objects[obj])
        self._index[key] = (self.members, ids)
        return ids

    # ------------------------------------------------------------------ associations
    def associate(self, deal_id: int, contact_id: int, label: str | None = None) -> None:
        types = [dict(DEAL_TO_CONTACT)]
        if label:
            types.append({"category": "USER_DEFINED", "typeId": 30, "label": label})
        self.assoc.setdefault(int(deal_id), {})[int(contact_id)] = types

    def deal_contacts(self, deal_id: int) -> list[tuple[int, list[dict]]]:
        """Associated contacts that still exist (archived or merged-away ones drop out)."""
        rows = self.assoc.get(int(deal_id), {})
        return [(cid, copy.deepcopy(t)) for cid, t in sorted(rows.items())
                if self.live("contacts", cid)]

    def stage(self, stage_id: str) -> tuple[dict, dict] | None:
        for pipeline in self.pipelines:
            for stage in pipeline["stages"]:
                if stage["id"] == stage_id:
                    return pipeline, stage
        return None


def _int(rid) -> int:
    try:
        return int(str(rid))
    except ValueError:
        return -1


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
