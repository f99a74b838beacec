"""Changes made "in HubSpot" (by the control API or the seed): each behaves as HubSpot does to
the record (archive leaves ``lastmodifieddate`` alone, merge fills ``hs_merged_object_ids``) and
queues the app webhook event HubSpot would send."""

from __future__ import annotations


class ChangeError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def _record(portal, obj: str, rid) -> dict:
    rec = portal.objects[obj].get(int(rid)) if str(rid).isdigit() else None
    if rec is None:
        raise ChangeError(f"no {obj[:-1]} {rid}", 404)
    return rec


def create(state, portal, obj: str, props: dict, rid: int | None = None,
           at_ms: int | None = None) -> dict:
    rec = portal.insert(obj, props, at_ms if at_ms is not None else state.now_ms(), rid)
    hook = state.webhooks
    if obj == "deals":
        hook.emit(portal.hub_id, "deal.creation", rec["id"])
    else:
        hook.emit(portal.hub_id, "contact.creation", rec["id"])
    return rec


def update(state, portal, obj: str, rid, props: dict, at_ms: int | None = None) -> dict:
    rec = _record(portal, obj, rid)
    if rec["archived_at"] is not None or rec["merged_into"] is not None:
        raise ChangeError(f"{obj[:-1]} {rid} is archived or merged", 409)
    changed = {}
    for name, value in props.items():
        value = None if value in (None, "") else str(value)
        if rec["props"].get(name) != value:
            changed[name] = value
        if value is None:
            rec["props"].pop(name, None)
        else:
            rec["props"][name] = value
    if obj == "deals" and "dealstage" in changed:
        found = portal.stage(changed["dealstage"] or "")
        if found is None:
            raise ChangeError(f"unknown deal stage {changed['dealstage']!r}")
        pipeline, stage = found
        rec["props"]["pipeline"] = pipeline["id"]
        won = stage["metadata"]["isClosed"] == "true" and float(stage["metadata"]["probability"]) == 1.0
        rec["props"]["hs_is_closed"] = stage["metadata"]["isClosed"]
        rec["props"]["hs_is_closed_won"] = "true" if won else "false"
    portal.touch(rec, at_ms if at_ms is not None else state.now_ms())
    kind = "deal.propertyChange" if obj == "deals" else "contact.propertyChange"
    for name, value in changed.items():
        state.webhooks.emit(portal.hub_id, kind, rec["id"], property_name=name,
                            propertyValue=value or "")
    return rec


def archive(state, portal, rid) -> dict:
    rec = _record(portal, "contacts", rid)
    if rec["archived_at"] is None:
        rec["archived_at"] = state.now_ms()  # not lastmodifieddate: search never notices
        portal.version += 1
        state.webhooks.emit(portal.hub_id, "contact.deletion", rec["id"])
    return rec


def restore(state, portal, rid) -> dict:
    rec = _record(portal, "contacts", rid)
    if rec["archived_at"] is not None:
        rec["archived_at"] = None
        portal.touch(rec, state.now_ms())
        state.webhooks.emit(portal.hub_id, "contact.restore", rec["id"])
    return rec


def gdpr_delete(state, portal, rid) -> None:
    rec = _record(portal, "contacts", rid)
    portal.remove("contacts", rec["id"])
    state.webhooks.emit(portal.hub_id, "contact.privacyDeletion", rec["id"])
    state.webhooks.emit(portal.hub_id, "contact.deletion", rec["id"])


def merge(state, portal, primary, merged: list) -> dict:
    """``merged`` contacts fold into ``primary``: it lists them in ``hs_merged_object_ids``
    (semicolon-separated) and is modified; they stop being listed or found."""
    survivor = _record(portal, "contacts", primary)
    losers = [_record(portal, "contacts", rid) for rid in merged]
    if any(r is survivor for r in losers) or not losers:
        raise ChangeError("merge needs a primary and at least one other contact")
    now = state.now_ms()
    absorbed = [x for x in (survivor["props"].get("hs_merged_object_ids") or "").split(";") if x]
    moved = 0
    for loser in losers:
        absorbed += [str(loser["id"])] + [
            x for x in (loser["props"].get("hs_merged_object_ids") or "").split(";") if x]
        for name, value in loser["props"].items():
            if name != "hs_merged_object_ids" and not survivor["props"].get(name):
                survivor["props"][name] = value
                moved += 1
        loser["merged_into"] = survivor["id"]
        for deal in portal.assoc.values():  # associations follow the survivor
            if loser["id"] in deal:
                deal.setdefault(survivor["id"], deal.pop(loser["id"]))
    survivor["props"]["hs_merged_object_ids"] = ";".join(dict.fromkeys(absorbed))
    portal.touch(survivor, now)
    state.webhooks.emit(portal.hub_id, "contact.merge", survivor["id"],
                        primaryObjectId=survivor["id"],
                        mergedObjectIds=[r["id"] for r in losers],
                        newObjectId=survivor["id"], numberOfPropertiesMoved=moved)
    return survivor
