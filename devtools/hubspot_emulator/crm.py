"""CRM object routes: contacts and deals (list, read, search, batch read), contact writes (batch
update with the 207/400 rules, PATCH), pipelines, deal->contact associations, properties."""

from __future__ import annotations

import time

from . import search
from .properties import creation_problems, definition, validation_message, value_error
from .web import (
    BadRequest,
    Request,
    Response,
    hs_error,
    iso_ms,
    json_response,
    not_found,
    validation_error,
)

BATCH_MAX = 100
NOT_FOUND_MESSAGE = ("Could not get some {kind} objects, they may be deleted or not exist. "
                     "Check that ids are valid.")
KIND = {"contacts": "CONTACT", "deals": "DEAL"}


def _props(req: Request) -> list[str] | None:
    """``properties`` as a comma list and/or repeated keys (the Python SDK repeats them)."""
    names = []
    for value in req.multi.get("properties", []):
        names.extend(p.strip() for p in value.split(",") if p.strip())
    return names or None


def _body(req: Request) -> dict:
    data = req.json()
    if not isinstance(data, dict):
        raise BadRequest("expected a JSON object")
    return data


def _stamp() -> str:
    return iso_ms(int(time.time() * 1000))


# ---------------------------------------------------------------- objects


def list_objects(state, req: Request, token, obj: str) -> Response:
    try:
        limit = int(req.query.get("limit") or 10)
        after = int(req.query.get("after") or 0)
    except ValueError:
        return validation_error("limit and after must be integers")
    limit = max(1, min(limit, BATCH_MAX))  # over 100 is clamped
    archived = req.query.get("archived", "false").lower() == "true"
    with state.lock:
        portal = state.portal(token.hub_id)
        page, more = portal.ids_after(obj, after, limit, archived)
        names = _props(req)
        results = [portal.to_json(obj, rec, names, archived_view=archived) for rec in page]
        if obj == "deals" and "contacts" in req.query.get("associations", ""):
            for rec, out in zip(page, results, strict=True):
                _attach_contacts(portal, rec, out)
        body = {"results": results}
        if more:
            nxt = str(page[-1]["id"] + 1)
            body["paging"] = {"next": {"after": nxt, "link": f"?after={nxt}"}}
    return json_response(body)


def get_object(state, req: Request, token, obj: str, rid: str) -> Response:
    with state.lock:
        portal = state.portal(token.hub_id)
        archived = req.query.get("archived", "false").lower() == "true"
        if archived:
            rec = portal.objects[obj].get(int(rid)) if rid.isdigit() else None
            rec = rec if rec and rec["archived_at"] is not None else None
        else:
            rec = portal.resolve(obj, rid)
        if rec is None:
            return not_found()
        out = portal.to_json(obj, rec, _props(req))
        if obj == "deals" and "contacts" in req.query.get("associations", ""):
            _attach_contacts(portal, rec, out)
    return json_response(out)


def _attach_contacts(portal, rec: dict, out: dict) -> None:
    rows = portal.deal_contacts(rec["id"])
    if rows:  # the key is omitted when there are none
        out["associations"] = {"contacts": {"results": [
            {"id": str(cid), "type": "deal_to_contact"} for cid, _ in rows]}}


def search_objects(state, req: Request, token, obj: str) -> Response:
    try:
        body = search.parse(req.body)
    except search.SearchError as exc:
        return validation_error(str(exc))
    with state.lock:
        return json_response(search.run(state, state.portal(token.hub_id), obj, body))


def batch_read(state, req: Request, token, obj: str) -> Response:
    body = _body(req)
    inputs = body.get("inputs") or []
    if len(inputs) > BATCH_MAX:
        return validation_error(f"Batch operations are limited to {BATCH_MAX} records")
    started = _stamp()
    with state.lock:
        portal = state.portal(token.hub_id)
        id_property = body.get("idProperty")
        results, missing = [], []
        for item in inputs:
            key = str(item.get("id", ""))
            if id_property and id_property != "hs_object_id":
                rec = next((r for r in portal.objects[obj].values()
                            if r["archived_at"] is None and r["merged_into"] is None
                            and (r["props"].get(id_property) or "").lower() == key.lower()), None)
            else:
                rec = portal.resolve(obj, key)
            if rec is None:
                missing.append(key)
            else:
                results.append(portal.to_json(obj, rec, body.get("properties") or None))
    return _batch_answer(results, missing, obj, started)


def _batch_answer(results: list, missing: list, obj: str, started: str,
                  trace_ids: dict | None = None) -> Response:
    body = {"status": "COMPLETE", "results": results, "startedAt": started,
            "completedAt": _stamp()}
    if not missing:
        return json_response(body)
    errors = []
    for rid in missing:
        context = {"ids": [rid]}
        if trace_ids and trace_ids.get(rid):
            context["objectWriteTraceId"] = [trace_ids[rid]]
        errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                       "message": NOT_FOUND_MESSAGE.format(kind=KIND[obj]), "context": context})
    body.update(numErrors=len(errors), errors=errors)
    return json_response(body, 207)


def _check_values(portal, props: dict) -> list[dict]:
    defs = portal.properties["contacts"]
    errors = []
    for name, value in props.items():
        error = value_error(defs.get(name), name, value)
        if error:
            errors.append(error)
    return errors


def _invalid(errors: list[dict]) -> Response:
    return hs_error(400, "VALIDATION_ERROR", validation_message(errors), errors=errors)


def batch_update(state, req: Request, token) -> Response:
    body = _body(req)
    inputs = body.get("inputs")
    started = _stamp()
    if inputs is None:  # a body without the wrapper is a silent no-op, as HubSpot answers it
        return json_response({"status": "COMPLETE", "results": [], "startedAt": started,
                              "completedAt": _stamp()})
    if len(inputs) > BATCH_MAX:
        return validation_error(f"Batch operations are limited to {BATCH_MAX} records "
                                f"(got {len(inputs)})")
    ids = [str(i.get("id", "")) for i in inputs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        return validation_error(f"Duplicate IDs found in batch input: {dupes}. IDs must be unique")
    with state.lock:
        portal = state.portal(token.hub_id)
        errors = []
        for item in inputs:
            errors.extend(_check_values(portal, item.get("properties") or {}))
        if errors:  # one bad value rejects the whole batch
            return _invalid(errors)
        now = state.now_ms()
        results, missing, traces = [], [], {}
        for item in inputs:
            rid = str(item.get("id", ""))
            traces[rid] = item.get("objectWriteTraceId")
            rec = portal.objects["contacts"].get(int(rid)) if rid.isdigit() else None
            if rec is None or rec["archived_at"] is not None:
                missing.append(rid)
                continue
            if rec["merged_into"] is not None:
                continue  # merged away: silently left out of results
            props = item.get("properties") or {}
            _write(state, portal, rec, props, now, "batch/update")
            results.append(portal.to_json("contacts", rec, ["createdate", "hs_object_id",
                                                            "lastmodifieddate", *props]))
    return _batch_answer(results, missing, "contacts", started, traces)


def patch_contact(state, req: Request, token, rid: str) -> Response:
    props = _body(req).get("properties") or {}
    with state.lock:
        portal = state.portal(token.hub_id)
        rec = portal.live("contacts", rid)
        if rec is None:
            return not_found()
        errors = _check_values(portal, props)
        if errors:
            return _invalid(errors)
        _write(state, portal, rec, props, state.now_ms(), "patch")
        return json_response(portal.to_json("contacts", rec, ["createdate", "hs_object_id",
                                                              "lastmodifieddate", *props]))


def _write(state, portal, rec: dict, props: dict, now: int, how: str) -> None:
    for name, value in props.items():
        if value is None or value == "":
            rec["props"].pop(name, None)
        else:
            rec["props"][name] = str(value)
    portal.touch(rec, now)
    state.writes.append({"portal": portal.hub_id, "id": str(rec["id"]), "via": how,
                         "properties": {k: (None if v in (None, "") else str(v))
                                        for k, v in props.items()}, "at": iso_ms(now)})


# ---------------------------------------------------------------- pipelines, associations


def pipelines(state, req: Request, token, pid: str | None = None) -> Response:
    with state.lock:
        rows = state.portal(token.hub_id).pipelines
        if pid is None:
            return json_response({"results": rows})
        for row in rows:
            if row["id"] == pid:
                return json_response(row)
    return not_found()


def deal_associations(state, req: Request, token, rid: str) -> Response:
    try:
        limit = max(1, min(int(req.query.get("limit") or 500), 500))
        after = int(req.query.get("after") or 0)
    except ValueError:
        return validation_error("limit and after must be integers")
    with state.lock:
        portal = state.portal(token.hub_id)
        if portal.live("deals", rid) is None:
            return not_found()
        rows = [r for r in portal.deal_contacts(int(rid)) if r[0] >= after]
    page = rows[:limit]
    body = {"results": [{"toObjectId": cid, "associationTypes": types} for cid, types in page]}
    if len(rows) > limit:
        body["paging"] = {"next": {"after": str(rows[limit][0]),
                                   "link": f"?after={rows[limit][0]}"}}
    return json_response(body)


def association_batch(state, req: Request, token) -> Response:
    inputs = _body(req).get("inputs") or []
    if len(inputs) > 1000:
        return validation_error("At most 1000 inputs are allowed")
    started = _stamp()
    results, errors = [], []
    with state.lock:
        portal = state.portal(token.hub_id)
        for item in inputs:
            rid = str(item.get("id", ""))
            rows = portal.deal_contacts(int(rid)) if portal.live("deals", rid) else []
            if not rows:
                errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                               "message": f"No deal is associated with deal {rid}.",
                               "context": {"fromObjectId": [rid]}})
                continue
            results.append({"from": {"id": rid}, "to": [
                {"toObjectId": cid, "associationTypes": types} for cid, types in rows]})
    body = {"status": "COMPLETE", "results": results, "startedAt": started,
            "completedAt": _stamp()}
    if errors:
        body.update(numErrors=len(errors), errors=errors)
    return json_response(body, 207 if errors else 200)


# ---------------------------------------------------------------- properties


def list_properties(state, req: Request, token) -> Response:
    with state.lock:
        rows = [d for d in state.portal(token.hub_id).properties["contacts"].values()
                if d["archived"] == (req.query.get("archived", "false") == "true")]
    return json_response({"results": rows})


def get_property(state, req: Request, token, name: str) -> Response:
    with state.lock:
        row = state.portal(token.hub_id).properties["contacts"].get(name)
    if row is None or row["archived"]:
        return hs_error(404, "OBJECT_NOT_FOUND",
                        f"Unable to find property with name {name} for object type 0-1")
    return json_response(row)


def create_property(state, req: Request, token) -> Response:
    body = _body(req)
    with state.lock:
        portal = state.portal(token.hub_id)
        problems = creation_problems(body, portal.groups["contacts"])
        if problems:
            return validation_error("; ".join(problems))
        if body["name"] in portal.properties["contacts"]:
            return hs_error(409, "OBJECT_ALREADY_EXISTS",
                            f"A property named '{body['name']}' already exists.")
        row = definition(body["name"], body["label"], body["type"], body["fieldType"],
                         body["groupName"], hubspot=False,
                         description=body.get("description", ""), options=body.get("options"),
                         when=_stamp())
        row["createdUserId"] = str(state.config.user_id)
        portal.properties["contacts"][row["name"]] = row
    return json_response(row, 201)


def groups(state, req: Request, token) -> Response:
    with state.lock:
        portal = state.portal(token.hub_id)
        if req.method == "GET":
            return json_response({"results": list(portal.groups["contacts"].values())})
        body = _body(req)
        missing = [k for k in ("name", "label") if not body.get(k)]
        if missing:
            return validation_error("; ".join(f"{k} is required" for k in missing))
        if body["name"] in portal.groups["contacts"]:
            return hs_error(409, "OBJECT_ALREADY_EXISTS",
                            f"A property group named '{body['name']}' already exists.")
        row = {"name": body["name"], "label": body["label"],
               "displayOrder": int(body.get("displayOrder", -1)), "archived": False}
        portal.groups["contacts"][row["name"]] = row
    return json_response(row, 201)


CONTACTS_READ = ("crm.objects.contacts.read",)
CONTACTS_WRITE = ("crm.objects.contacts.write",)
DEALS_READ = ("crm.objects.deals.read",)
SCHEMA_READ = ("crm.schemas.contacts.read", "crm.objects.contacts.read",
               "crm.schemas.contacts.write")
SCHEMA_WRITE = ("crm.schemas.contacts.write",)
_OBJ = r"(?P<obj>contacts|deals)"

# (methods, pattern, handler, scopes (any of), rate-limit bucket)
ROUTES = [
    ("GET", r"/crm/v3/objects/contacts", lambda s, r, t: list_objects(s, r, t, "contacts"),
     CONTACTS_READ, "api"),
    ("GET", r"/crm/v3/objects/deals", lambda s, r, t: list_objects(s, r, t, "deals"),
     DEALS_READ, "api"),
    ("POST", r"/crm/v3/objects/contacts/search",
     lambda s, r, t: search_objects(s, r, t, "contacts"), CONTACTS_READ, "search"),
    ("POST", r"/crm/v3/objects/deals/search", lambda s, r, t: search_objects(s, r, t, "deals"),
     DEALS_READ, "search"),
    ("POST", r"/crm/v3/objects/contacts/batch/read",
     lambda s, r, t: batch_read(s, r, t, "contacts"), CONTACTS_READ, "api"),
    ("POST", r"/crm/v3/objects/deals/batch/read", lambda s, r, t: batch_read(s, r, t, "deals"),
     DEALS_READ, "api"),
    ("POST", r"/crm/v3/objects/contacts/batch/update", batch_update, CONTACTS_WRITE, "api"),
    ("GET", r"/crm/v3/objects/contacts/(?P<rid>[^/]+)",
     lambda s, r, t, rid: get_object(s, r, t, "contacts", rid), CONTACTS_READ, "api"),
    ("PATCH", r"/crm/v3/objects/contacts/(?P<rid>[^/]+)", patch_contact, CONTACTS_WRITE, "api"),
    ("GET", r"/crm/v3/objects/deals/(?P<rid>[^/]+)",
     lambda s, r, t, rid: get_object(s, r, t, "deals", rid), DEALS_READ, "api"),
    ("GET", r"/crm/v3/pipelines/deals", pipelines, DEALS_READ, "api"),
    ("GET", r"/crm/v3/pipelines/deals/(?P<pid>[^/]+)", pipelines, DEALS_READ, "api"),
    ("GET", r"/crm/v4/objects/deals/(?P<rid>\d+)/associations/contacts", deal_associations,
     DEALS_READ, "api"),
    ("POST", r"/crm/v4/associations/deals/contacts/batch/read", association_batch, DEALS_READ,
     "api"),
    ("GET", r"/crm/v3/properties/contacts", list_properties, SCHEMA_READ, "api"),
    ("POST", r"/crm/v3/properties/contacts", create_property, SCHEMA_WRITE, "api"),
    ("GET", r"/crm/v3/properties/contacts/groups", groups, SCHEMA_READ, "api"),
    ("POST", r"/crm/v3/properties/contacts/groups", groups, SCHEMA_WRITE, "api"),
    ("GET", r"/crm/v3/properties/contacts/(?P<name>[^/]+)", get_property, SCHEMA_READ, "api"),
]
