"""JSON control API under ``/__emulator__/`` (alias ``/__fake__/``) for tests and demos: no auth,
loopback only. ``?portal=<hub id>`` (or ``"portal"`` in a body) picks a portal; the default
portal otherwise.

    GET  /                      state summary (config, portals, call counters, tokens, webhooks)
    POST /reset                 {seed?, contacts?, deals?, config?: {...}}: back to the start
    POST /seed                  {dataset: contacts|demo, contacts: N, same_ms?, spacing_ms?,
                                start_ms?}: 100,000 contacts in about a second
    GET|PATCH /config           EmulatorConfig (auto_approve, rotate_refresh_tokens, ...)
    GET|POST /contacts|/deals   list (``?archived=``, ``?ids=``) / create ``{properties}`` or
                                ``{records: [...]}`` (``at_ms`` stamps them in one instant)
    GET|PATCH|DELETE /contacts/{id}, /deals/{id}   read all properties / change / archive
    POST /contacts/{id}/restore, /contacts/{id}/gdpr-delete, /contacts/merge {primary, merged}
    POST /deals/{id}/associations {contacts, label?}; POST /deals/{id}/win {stage?};
    POST /deals/win             win an open deal that has a contact with an email (or make one)
    GET|POST /properties        definitions / plant one as-is (e.g. a calculated nps_score)
    GET|DELETE /writes          every contact write the API accepted (batch update, PATCH)
    GET|DELETE /calls           counters by endpoint, by path style, and of 429s by policy
    GET|POST|DELETE /faults     {kind: 429|DAILY|SECONDLY|500|502|503|423|477|401, count?,
                                seconds?, after?, target: api|search|token|all}
    GET|PUT /limits             {ten_second_limit, search_per_second, daily_limit, rate_limits,
                                reset_windows}
    POST /tokens/expire         every access token expires now
    GET|PUT /webhooks           WebhookConfig (target_url, duplicate_delivery, stale_timestamp,
                                bad_signature, out_of_order, paused, retry_base_seconds, ...)
    POST /webhooks/send         {events: [...], wait?, duplicate?, stale_timestamp?,
                                bad_signature?, target_url?, retry?}: one signed request
    GET|POST /webhooks/deliveries   the delivery log / {timeout}: wait until all settled
    GET|POST /clock             {freeze?, advance?, unfreeze?}
"""

from __future__ import annotations

from dataclasses import asdict

from . import changes
from .web import BadRequest, Request, Response, iso_ms, json_response


def _body(req: Request) -> dict:
    data = req.json() if req.body else {}
    if not isinstance(data, dict):
        raise BadRequest("expected a JSON object")
    return data


def _guard(fn):
    def run(state, req, **kw):
        try:
            return fn(state, req, **kw)
        except changes.ChangeError as exc:
            return json_response({"error": "CHANGE_FAILED", "message": exc.message}, exc.status)
        except (BadRequest, ValueError, TypeError, KeyError) as exc:
            return json_response({"error": "BAD_REQUEST", "message": str(exc)}, 400)

    return run


def _portal(state, req: Request, body: dict | None = None):
    hub = (body or {}).get("portal") or req.query.get("portal")
    return state.portal(int(hub) if hub else None)


def _full(portal, obj: str, rec: dict) -> dict:
    """Every property the record has (the control API's view: "what was written")."""
    names = sorted(set(portal.properties[obj]) | set(rec["props"]))
    out = portal.to_json(obj, rec, names)
    out["properties"] = {k: v for k, v in out["properties"].items() if v is not None}
    out["mergedInto"] = str(rec["merged_into"]) if rec["merged_into"] is not None else None
    out["archivedAt"] = iso_ms(rec["archived_at"])
    return out


def summary(state) -> dict:
    with state.lock:
        portals = {}
        for hub, p in state.portals.items():
            contacts = p.objects["contacts"].values()
            portals[str(hub)] = {
                "contacts": sum(1 for r in contacts if r["archived_at"] is None
                                and r["merged_into"] is None),
                "archived": sum(1 for r in contacts if r["archived_at"] is not None),
                "merged": sum(1 for r in contacts if r["merged_into"] is not None),
                "deals": len(p.objects["deals"]), "uninstalled": p.uninstalled}
        return {"base_url": state.base_url, "config": asdict(state.config), "portals": portals,
                "calls": state.counts(), "clock": state.clock.describe(),
                "faults": [asdict(f) for f in state.faults],
                "tokens": {"access": len(state.access),
                           "refresh": sum(1 for r in state.refresh.values() if not r.revoked),
                           "refresh_revoked": sum(1 for r in state.refresh.values()
                                                  if r.revoked)},
                "webhooks": asdict(state.webhooks.config)}


@_guard
def get_state(state, req):
    return json_response(summary(state))


@_guard
def reset(state, req):
    body = _body(req)
    seed = body.pop("seed", None)
    config = body.pop("config", {})
    state.reset(seed=seed, **body)
    if config:
        state.configure(**config)
    return json_response(summary(state))


@_guard
def seed(state, req):
    body = _body(req)
    dataset = body.pop("dataset", "contacts" if "contacts" in body else "demo")
    return json_response(state.seed(dataset, portal=body.pop("portal", None), **body))


@_guard
def config(state, req):
    if req.method == "PATCH":
        return json_response(state.configure(**_body(req)))
    return json_response(asdict(state.config))


@_guard
def records(state, req, obj):
    body = _body(req) if req.method == "POST" else {}
    with state.lock:
        portal = _portal(state, req, body)
        if req.method == "POST":
            rows = body.get("records") or [body.get("properties") or {}]
            at = body.get("at_ms")
            made = [changes.create(state, portal, obj, dict(props), at_ms=at) for props in rows]
            out = [_full(portal, obj, r) for r in made]
            return json_response(out if "records" in body else out[0], 201)
        which = req.query.get("archived")
        rows = [r for r in portal.objects[obj].values()
                if which is None or (r["archived_at"] is not None) == (which == "true")]
        ids = req.query.get("ids")
        if ids:
            wanted = {int(x) for x in ids.split(",")}
            rows = [r for r in rows if r["id"] in wanted]
        return json_response([_full(portal, obj, r) for r in sorted(rows, key=lambda r: r["id"])])


@_guard
def record(state, req, obj, rid):
    body = _body(req) if req.method in ("PATCH", "POST") else {}
    with state.lock:
        portal = _portal(state, req, body)
        if req.method == "PATCH":
            rec = changes.update(state, portal, obj, rid, body.get("properties") or {},
                                 at_ms=body.get("at_ms"))
            return json_response(_full(portal, obj, rec))
        if req.method == "DELETE":
            changes.archive(state, portal, rid)
            return Response(204)
        rec = portal.objects[obj].get(int(rid)) if rid.isdigit() else None
        if rec is None:
            return json_response({"error": "NOT_FOUND", "message": f"no {obj[:-1]} {rid}"}, 404)
        out = _full(portal, obj, rec)
        if obj == "deals":
            out["contacts"] = [str(cid) for cid, _ in portal.deal_contacts(rec["id"])]
        return json_response(out)


@_guard
def restore(state, req, rid):
    with state.lock:
        portal = _portal(state, req)
        return json_response(_full(portal, "contacts", changes.restore(state, portal, rid)))


@_guard
def gdpr_delete(state, req, rid):
    with state.lock:
        changes.gdpr_delete(state, _portal(state, req), rid)
    return Response(204)


@_guard
def merge(state, req):
    body = _body(req)
    with state.lock:
        portal = _portal(state, req, body)
        rec = changes.merge(state, portal, body["primary"], list(body["merged"]))
        return json_response(_full(portal, "contacts", rec))


@_guard
def associate(state, req, rid):
    body = _body(req)
    with state.lock:
        portal = _portal(state, req, body)
        if portal.objects["deals"].get(int(rid)) is None:
            return json_response({"error": "NOT_FOUND", "message": f"no deal {rid}"}, 404)
        for cid in body.get("contacts") or []:
            if portal.objects["contacts"].get(int(cid)) is None:
                return json_response({"error": "NOT_FOUND", "message": f"no contact {cid}"}, 404)
            portal.associate(int(rid), int(cid), body.get("label"))
        return json_response({"contacts": [str(c) for c, _ in portal.deal_contacts(int(rid))]})


@_guard
def win(state, req, rid):
    """Move a deal to its pipeline's won stage (probability 1.0, closed) — the trigger."""
    body = _body(req)
    with state.lock:
        portal = _portal(state, req, body)
        deal = portal.objects["deals"].get(int(rid))
        if deal is None:
            return json_response({"error": "NOT_FOUND", "message": f"no deal {rid}"}, 404)
        pipeline = next(p for p in portal.pipelines
                        if p["id"] == deal["props"].get("pipeline", "default"))
        stage = body.get("stage") or next(
            s["id"] for s in pipeline["stages"] if s["metadata"]["isClosed"] == "true"
            and float(s["metadata"]["probability"]) == 1.0)
        rec = changes.update(state, portal, "deals", rid, {"dealstage": stage})
        return json_response(_full(portal, "deals", rec))


@_guard
def win_any(state, req):
    """The demo's "a deal is won in HubSpot": an open deal with a contact that has an email
    (a new one for the first such contact when none is left) moves to the won stage."""
    body = _body(req)
    with state.lock:
        portal = _portal(state, req, body)
        for deal in sorted(portal.objects["deals"].values(), key=lambda d: d["id"]):
            if deal["props"].get("hs_is_closed") == "true":
                continue
            if any(portal.live("contacts", cid)["props"].get("email")
                   for cid, _ in portal.deal_contacts(deal["id"])):
                break
        else:
            contact = next((r for r in portal.objects["contacts"].values()
                            if portal.live("contacts", r["id"]) and r["props"].get("email")),
                           None)
            if contact is None:
                return json_response({"error": "NOT_FOUND",
                                      "message": "no contact with an email; seed first"}, 404)
            deal = changes.create(state, portal, "deals", {
                "dealname": "Demo deal", "dealstage": "contractsent", "pipeline": "default"})
            portal.associate(deal["id"], contact["id"])
    return win(state, req, rid=str(deal["id"]))


@_guard
def properties(state, req):
    """GET the contact property definitions; POST one as-is (no validation: e.g. a calculated
    ``nps_score`` or one of the wrong type, to test *Test Fields*)."""
    with state.lock:
        if req.method == "GET":
            return json_response(list(_portal(state, req).properties["contacts"].values()))
        from .properties import definition

        body = _body(req)
        portal = _portal(state, req, body)
        row = definition(body["name"], body.get("label", body["name"]), body.get("type", "string"),
                         body.get("fieldType", "text"), body.get("groupName", "contactinformation"),
                         read_only=bool(body.get("readOnlyValue", False)),
                         calculated=bool(body.get("calculated", False)), hubspot=False,
                         options=body.get("options"))
        row["archived"] = bool(body.get("archived", False))
        portal.properties["contacts"][row["name"]] = row
        return json_response(row, 201)


@_guard
def writes(state, req):
    with state.lock:
        if req.method == "DELETE":
            state.writes.clear()
        return json_response(list(state.writes))


@_guard
def calls(state, req):
    if req.method == "DELETE":
        state.clear_counts()
    return json_response(state.counts())


@_guard
def faults(state, req):
    if req.method == "POST":
        body = _body(req)
        state.add_fault(body.get("kind", "429"), count=body.get("count"),
                        seconds=body.get("seconds"), after=int(body.get("after", 0)),
                        target=body.get("target", "api"))
    elif req.method == "DELETE":
        with state.lock:
            state.faults.clear()
    with state.lock:
        return json_response([asdict(f) for f in state.faults])


@_guard
def limits(state, req):
    keys = ("ten_second_limit", "search_per_second", "daily_limit", "rate_limits")
    if req.method == "PUT":
        body = _body(req)
        state.configure(**{k: body[k] for k in keys if k in body})
        if body.get("reset_windows"):
            with state.lock:
                state.windows.clear()
                state.daily.clear()
    with state.lock:
        usage = {str(hub): n for hub, n in state.daily.items()}
        return json_response({**{k: getattr(state.config, k) for k in keys}, "daily_used": usage})


@_guard
def expire_tokens(state, req):
    return json_response({"expired": state.expire_tokens()})


@_guard
def webhooks(state, req):
    if req.method == "PUT":
        return json_response(state.webhooks.configure(**_body(req)))
    return json_response(asdict(state.webhooks.config))


@_guard
def webhooks_send(state, req):
    """Send events now: ``{"events": [{"subscriptionType", "objectId", ...}], "wait": true,
    "duplicate", "stale_timestamp", "bad_signature", "target_url", "retry"}``. Missing event
    fields are filled as HubSpot would (eventId, portalId, appId, occurredAt, ...)."""
    body = _body(req)
    portal = _portal(state, req, body).hub_id
    events = []
    for partial in body.get("events") or []:
        partial = dict(partial)
        kind = partial.pop("subscriptionType", "deal.propertyChange")
        hub = partial.pop("portalId", portal)
        object_id = partial.pop("objectId", 0)
        events.append(state.webhooks.event(hub, kind, object_id, **partial))
    if not events:
        raise BadRequest("events must list at least one event")
    options = {k: body[k] for k in ("duplicate", "stale_timestamp", "bad_signature",
                                    "target_url", "retry") if k in body}
    return json_response(state.webhooks.send(events, wait=bool(body.get("wait", True)),
                                             **options))


@_guard
def webhook_deliveries(state, req):
    if req.method == "POST":  # wait until every queued event was delivered or dropped
        timeout = float(_body(req).get("timeout", 10))
        return json_response({"settled": state.webhooks.wait_settled(timeout),
                              "deliveries": state.webhooks.log()})
    return json_response(state.webhooks.log())


@_guard
def clock(state, req):
    from devtools.salesforce_emulator.clock import parse_datetime

    if req.method == "POST":
        body = _body(req)
        if body.get("unfreeze"):
            state.clock.unfreeze()
        if "freeze" in body:
            at = body["freeze"]
            state.clock.freeze(parse_datetime(at) if isinstance(at, str) else None)
        if "advance" in body:
            state.clock.advance(float(body["advance"]))
    return json_response(state.clock.describe())


_P = "/__emulator__"
_OBJ = r"(?P<obj>contacts|deals)"
ROUTES = [
    ("GET", _P + r"/?(?:state/?)?", get_state),
    ("POST", _P + r"/reset", reset),
    ("POST", _P + r"/seed", seed),
    ("GET|PATCH", _P + r"/config", config),
    ("POST", _P + r"/contacts/merge", merge),
    ("GET|POST", _P + rf"/{_OBJ}", records),
    ("POST", _P + r"/contacts/(?P<rid>\d+)/restore", restore),
    ("POST", _P + r"/contacts/(?P<rid>\d+)/gdpr-delete", gdpr_delete),
    ("POST", _P + r"/deals/(?P<rid>\d+)/associations", associate),
    ("POST", _P + r"/deals/(?P<rid>\d+)/win", win),
    ("POST", _P + r"/deals/win", win_any),
    ("GET|PATCH|DELETE", _P + rf"/{_OBJ}/(?P<rid>\d+)", record),
    ("GET|POST", _P + r"/properties", properties),
    ("GET|DELETE", _P + r"/writes", writes),
    ("GET|DELETE", _P + r"/calls", calls),
    ("GET|POST|DELETE", _P + r"/faults", faults),
    ("GET|PUT", _P + r"/limits", limits),
    ("POST", _P + r"/tokens/expire", expire_tokens),
    ("GET|PUT", _P + r"/webhooks", webhooks),
    ("POST", _P + r"/webhooks/send", webhooks_send),
    ("GET|POST", _P + r"/webhooks/deliveries", webhook_deliveries),
    ("GET|POST", _P + r"/clock", clock),
]
