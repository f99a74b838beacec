"""JSON control API under ``/__emulator__/`` for tests and demos (no auth; loopback only)."""

from dataclasses import asdict

from .clock import parse_datetime
from .soql import SoqlError
from .store import WriteError
from .web import BadRequest, Request, Response, json_response


def _body(req: Request) -> dict:
    data = req.json() if req.body else {}
    if not isinstance(data, dict):
        raise BadRequest("expected a JSON object")
    return data


def _guard(fn):
    def run(state, req, **kw):
        try:
            return fn(state, req, **kw)
        except WriteError as exc:
            return json_response({"error": exc.code, "message": exc.message}, exc.status)
        except SoqlError as exc:
            return json_response({"error": exc.code, "message": exc.message}, 400)
        except (BadRequest, ValueError, TypeError) as exc:
            return json_response({"error": "BAD_REQUEST", "message": str(exc)}, 400)

    return run


def summary(state) -> dict:
    with state.lock:
        counts = {name: {"total": len(t), "deleted": sum(1 for r in t.values()
                                                         if r.get("IsDeleted"))}
                  for name, t in state.store.tables.items()}
        return {"base_url": state.base_url, "config": asdict(state.config), "records": counts,
                "api_usage": state.api_usage(), "calls": state.call_counts(),
                "clock": state.clock.describe(), "faults": [asdict(f) for f in state.faults],
                "tokens": {"access": len(state.tokens.access),
                           "refresh": len(state.tokens.refresh)},
                "outbound": asdict(state.outbound.config)}


@_guard
def get_state(state, req):
    return json_response(summary(state))


@_guard
def reset(state, req):
    body = _body(req)
    seed = body.pop("seed", None)
    state.reset(seed=seed, **body)
    return json_response(summary(state))


@_guard
def seed(state, req):
    body = _body(req)
    return json_response(state.seed(body.pop("dataset", "demo"), **body))


@_guard
def config(state, req):
    if req.method == "PATCH":
        return json_response(state.configure(**_body(req)))
    return json_response(asdict(state.config))


@_guard
def records(state, req, obj):
    if req.method == "POST":
        return json_response(state.create(obj, _body(req)), 201)
    include_deleted = req.query.get("include_deleted", "true").lower() != "false"
    return json_response(state.records(obj, include_deleted))


@_guard
def record(state, req, obj, rid):
    if req.method == "PATCH":
        return json_response(state.update(obj, rid, _body(req)))
    if req.method == "DELETE":
        state.delete(obj, rid)
        return Response(204)
    rec = state.get(obj, rid)
    if rec is None:
        return json_response({"error": "NOT_FOUND", "message": "no such record"}, 404)
    return json_response(rec)


@_guard
def undelete(state, req, obj, rid):
    state.undelete(obj, rid)
    return json_response(state.get(obj, rid))


@_guard
def merge(state, req):
    body = _body(req)
    return json_response(state.merge(body.get("object", "Contact"), body["winner"],
                                     list(body["losers"])))


@_guard
def query(state, req):
    body = _body(req)
    rows = state.query(body["q"], include_deleted=bool(body.get("all")))
    return json_response({"totalSize": len(rows), "records": rows})


@_guard
def expire_tokens(state, req):
    return json_response({"expired": state.expire_tokens()})


@_guard
def faults(state, req):
    if req.method == "POST":
        body = _body(req)
        state.add_fault(body.get("kind", "SERVER_UNAVAILABLE"), count=body.get("count"),
                        seconds=body.get("seconds"), after=int(body.get("after", 0)),
                        target=body.get("target", "api"))
    elif req.method == "DELETE":
        state.clear_faults()
    with state.lock:
        return json_response([asdict(f) for f in state.faults])


@_guard
def limits(state, req):
    if req.method == "PUT":
        body = _body(req)
        return json_response(state.set_api_usage(body.get("used"), body.get("max")))
    return json_response(state.api_usage())


@_guard
def calls(state, req):
    if req.method == "DELETE":
        with state.lock:
            state.calls.clear()
    return json_response(state.call_counts())


@_guard
def outbound(state, req):
    if req.method == "PUT":
        return json_response(state.outbound.configure(**_body(req)))
    return json_response(asdict(state.outbound.config))


@_guard
def outbound_fire(state, req):
    return json_response({"notification_id": state.fire_outbound(_body(req)["opportunity_id"])})


@_guard
def outbound_deliveries(state, req):
    return json_response(state.outbound.deliveries())


@_guard
def clock(state, req):
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
@_guard
def writes(state, req):
    """How often the API updated each record: ``{"records", "total", "max_per_record"}``; with
    ``?ids=a,b`` the counts of those records."""
    with state.lock:
        counts = dict(state.writes)
    wanted = [i for i in (req.query.get("ids") or "").split(",") if i]
    return json_response({"records": len(counts), "total": sum(counts.values()),
                          "max_per_record": max(counts.values(), default=0),
                          **({"counts": {i: counts.get(i, 0) for i in wanted}} if wanted else {})})


ROUTES = [
    ("GET", _P + r"/?(?:state/?)?", get_state),
    ("POST", _P + r"/reset", reset),
    ("POST", _P + r"/seed", seed),
    ("GET|PATCH", _P + r"/config", config),
    ("GET|POST", _P + r"/records/(?P<obj>\w+)", records),
    ("POST", _P + r"/records/(?P<obj>\w+)/(?P<rid>\w+)/undelete", undelete),
    ("GET|PATCH|DELETE", _P + r"/records/(?P<obj>\w+)/(?P<rid>\w+)", record),
    ("POST", _P + r"/merge", merge),
    ("POST", _P + r"/query", query),
    ("POST", _P + r"/tokens/expire", expire_tokens),
    ("GET|POST|DELETE", _P + r"/faults", faults),
    ("GET|PUT", _P + r"/limits", limits),
    ("GET|DELETE", _P + r"/calls", calls),
    ("GET", _P + r"/writes", writes),
    ("GET|PUT", _P + r"/outbound", outbound),
    ("POST", _P + r"/outbound/fire", outbound_fire),
    ("GET", _P + r"/outbound/deliveries", outbound_deliveries),
    ("GET|POST", _P + r"/clock", clock),
]
