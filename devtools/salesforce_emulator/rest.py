"""REST API under ``/services/data``: versions, limits, query/queryAll with cursors, describe,
sObject rows (get/create/update/delete), updated/deleted, and sObject Collections update."""

import re
import time

from . import ids
from .clock import fmt_rest, parse_datetime
from .schema import describe, describe_global, lookup
from .soql import Plan, SoqlError, compile_query, execute, resolve, serialize
from .state import FAULTS
from .store import WriteError, check_values
from .web import BadRequest, Request, Response, json_response, sf_error

NOT_FOUND = "The requested resource does not exist"
MAX_CURSORS = 100
_FAULT_HEADERS = {"html": "text/html;charset=UTF-8", "json": "application/json;charset=UTF-8"}
LOCK_FAULT = "UNABLE_TO_LOCK_ROW"  # see state.FAULTS
LOCK_MESSAGE = FAULTS[LOCK_FAULT][1][0]["message"]


def release_label(version: int) -> str:
    k = version - 59  # v59.0 is Winter '24; three releases a year
    return f"{('Winter', 'Spring', 'Summer')[k % 3]} '{24 + k // 3}"


def versions(state, req: Request):
    cfg = state.config
    return json_response([{"label": release_label(v), "url": f"/services/data/v{v}.0",
                           "version": f"{v}.0"}
                          for v in range(cfg.min_version, cfg.max_version + 1)])


def fault_response(kind: str) -> Response:
    status, body, kind_ = FAULTS[kind]
    if kind_ == "html":
        return Response(status, body.encode(), {"Content-Type": _FAULT_HEADERS["html"]})
    headers = {"Retry-After": "1"} if status == 429 else {}
    return json_response(body, status, headers)


def _version(cfg, v: str) -> str | None:
    if v == "latest":
        return f"{cfg.max_version}.0"
    major, _, minor = v[1:].partition(".")
    if minor != "0" or not cfg.min_version <= int(major) <= cfg.max_version:
        return None
    return f"{int(major)}.0"


def api(endpoint: str):
    """Wrap a handler with version check, fault injection, Bearer check and usage counting."""

    def wrap(fn):
        def handler(state, req: Request, v: str, **kw):
            cfg = state.config
            version = _version(cfg, v)
            if version is None:
                return sf_error(404, "NOT_FOUND", NOT_FOUND)
            with state.lock:
                state.calls[endpoint] += 1
            if cfg.api_delay_seconds:
                time.sleep(cfg.api_delay_seconds)
            kind = state.take_fault("api")
            if kind == LOCK_FAULT and endpoint == "collections":
                kw["row_lock"] = True
            elif kind:
                return _with_usage(state, fault_response(kind))
            with state.lock:
                if state.tokens.check(req.bearer(), state.clock.timestamp()) is None:
                    return sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
                if state.api_used >= cfg.api_usage_max:
                    return _with_usage(state, sf_error(403, "REQUEST_LIMIT_EXCEEDED",
                                                       "TotalRequests Limit exceeded."))
                state.api_used += 1
            try:
                resp = fn(state, req, version, **kw)
            except BadRequest as exc:
                resp = sf_error(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}")
            return _with_usage(state, resp)

        return handler

    return wrap


def _with_usage(state, resp: Response) -> Response:
    resp.headers["Sforce-Limit-Info"] = f"api-usage={state.api_used}/{state.config.api_usage_max}"
    return resp


def _sobject(name: str):
    obj = lookup(name)
    if obj is None:
        raise WriteError("NOT_FOUND", NOT_FOUND, status=404)
    return obj


def _errors(fn):
    """Turn WriteError/SoqlError raised inside a handler into Salesforce error arrays."""

    def run(*args, **kw):
        try:
            return fn(*args, **kw)
        except WriteError as exc:
            return json_response([exc.as_rest()], exc.status)
        except SoqlError as exc:
            return sf_error(400, exc.code, exc.message)

    return run


@api("resources")
def resources(state, req, version):
    base = f"/services/data/v{version}"
    names = ("sobjects", "query", "queryAll", "limits", "composite", "search", "tooling")
    return json_response({n: f"{base}/{n}" for n in names})


@api("limits")
def limits(state, req, version):
    used, cap = state.api_used, state.config.api_usage_max
    return json_response({"DailyApiRequests": {"Max": cap, "Remaining": max(cap - used, 0)},
                          "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
                          "ConcurrentSyncCalls": {"Max": 25, "Remaining": 25}})


# ---------------------------------------------------------------- query


def _page_size(state, req: Request) -> int:
    cfg = state.config
    if cfg.force_page_size:
        return int(cfg.force_page_size)
    m = re.search(r"batchSize\s*=\s*(\d+)", req.headers.get("Sforce-Query-Options") or "")
    return min(max(int(m.group(1)), 200), 2000) if m else cfg.page_size


def _page(state, version: str, locator: str, offset: int) -> dict:
    cursor = state.cursors[locator]
    cursor["touched"] = time.monotonic()
    rows, size = cursor["records"], cursor["page"]
    end = offset + size
    out = {"totalSize": cursor["total"], "done": end >= len(rows)}
    if end < len(rows):
        out["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{end}"
    out["records"] = rows[offset:end]
    return out


def _run_query(state, req, version, include_deleted):
    soql = req.query.get("q")
    if not soql:
        return sf_error(400, "MALFORMED_QUERY", "A query string has to be specified")
    plan = compile_query(soql)
    with state.lock:
        total, rows = execute(plan, state.store, version, include_deleted)
        if plan.count:
            return json_response({"totalSize": total, "done": True, "records": []})
        now = time.monotonic()
        for key in [k for k, c in state.cursors.items()
                    if now - c["touched"] > state.config.cursor_ttl]:
            del state.cursors[key]
        while len(state.cursors) >= MAX_CURSORS:
            del state.cursors[next(iter(state.cursors))]
        locator = state.ids.new("01g")
        state.cursors[locator] = {"records": rows, "total": total, "touched": now,
                                  "page": _page_size(state, req)}
        return json_response(_page(state, version, locator, 0))


@api("query")
@_errors
def query(state, req, version):
    return _run_query(state, req, version, include_deleted=False)


@api("queryAll")
@_errors
def query_all(state, req, version):
    return _run_query(state, req, version, include_deleted=True)


@api("queryMore")
def query_more(state, req, version, locator, offset):
    with state.lock:
        cursor = state.cursors.get(locator)
        if cursor is None or int(offset) >= max(len(cursor["records"]), 1):
            return sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return json_response(_page(state, version, locator, int(offset)))


# ---------------------------------------------------------------- describe and rows


@api("describeGlobal")
def sobjects(state, req, version):
    return json_response(describe_global(version))


@api("describe")
@_errors
def sobject_describe(state, req, version, obj):
    return json_response(describe(_sobject(obj), version))


@api("sobject")
@_errors
def sobject_info(state, req, version, obj):
    if req.method == "POST":
        return create_record(state, req, version, _sobject(obj))
    d = describe(_sobject(obj), version)
    return json_response({"objectDescribe": {k: v for k, v in d.items() if k not in (
        "fields", "childRelationships", "recordTypeInfos")}, "recentItems": []})


def create_record(state, req, version, obj):
    body = req.json()
    if not isinstance(body, dict):
        return sf_error(400, "JSON_PARSER_ERROR", "Expected a JSON object")
    with state.lock:
        values = check_values(obj, body, creating=True)
        missing = [f.name for f in obj.fields.values() if f.createable and not f.nillable
                   and f.type != "boolean" and values.get(f.name) is None
                   and f.name != "OwnerId"]
        if missing:
            return sf_error(400, "REQUIRED_FIELD_MISSING",
                            f"Required fields are missing: [{', '.join(missing)}]", missing)
        rec = state.store.create(obj, values)
    return json_response({"id": rec["Id"], "success": True, "errors": []}, 201)


@api("record")
@_errors
def record(state, req, version, obj, rid):
    sobj = _sobject(obj)
    with state.lock:
        rec = state.store.locate(sobj, rid)
        if req.method == "GET":
            wanted = [f for f in (req.query.get("fields") or "").split(",") if f.strip()]
            paths = [f.strip() for f in wanted] or [f.name for f in sobj.fields.values()]
            plan = Plan(sobj, columns=[resolve(sobj, p) for p in paths])
            return json_response(serialize(plan, state.store, rec, version, False))
        if req.method == "DELETE":
            state.store.delete(sobj, rid)
            return Response(204)
    body = req.json()
    if not isinstance(body, dict):
        return sf_error(400, "JSON_PARSER_ERROR", "Expected a JSON object")
    with state.lock:
        rid = state.store.locate(sobj, rid)["Id"]
        state.store.update(sobj, rid, check_values(sobj, body))
        state.writes[rid] += 1
    return Response(204)


def _window(req: Request):
    try:
        return parse_datetime(req.query["start"]), parse_datetime(req.query["end"])
    except (KeyError, ValueError) as exc:
        raise WriteError("INVALID_REPLICATION_DATE", f"start and end are required: {exc}") from None


@api("updated")
@_errors
def updated(state, req, version, obj):
    sobj, (start, end) = _sobject(obj), _window(req)
    with state.lock:
        found = [r["Id"] for r in state.store.tables[sobj.name].values()
                 if not r.get("IsDeleted") and start <= r["SystemModstamp"] <= end]
    return json_response({"ids": found, "latestDateCovered": fmt_rest(end)})


@api("deleted")
@_errors
def deleted(state, req, version, obj):
    sobj, (start, end) = _sobject(obj), _window(req)
    with state.lock:
        rows = [r for r in state.store.tables[sobj.name].values()
                if r.get("IsDeleted") and start <= r["SystemModstamp"] <= end]
    earliest = min((r["SystemModstamp"] for r in rows), default=start)
    return json_response({"deletedRecords": [{"id": r["Id"], "deletedDate":
                                              fmt_rest(r["SystemModstamp"])} for r in rows],
                          "earliestDateAvailable": fmt_rest(min(earliest, start)),
                          "latestDateCovered": fmt_rest(end)})


# ---------------------------------------------------------------- sObject Collections

ROLLED_BACK = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "fields": [],
               "message": "Record rolled back because not all records were valid and the request "
                          "was using AllOrNone header"}


def _prepare(state, item):
    """Validate one collection entry; returns (sobject, id, values) or raises WriteError."""
    if not isinstance(item, dict):
        raise WriteError("JSON_PARSER_ERROR", "Each record must be a JSON object")
    type_name = (item.get("attributes") or {}).get("type")
    if not type_name:
        raise WriteError("INVALID_TYPE", "Must send a concrete entity type.")
    sobj = lookup(type_name)
    if sobj is None:
        raise WriteError("INVALID_TYPE", f"sObject type '{type_name}' is not supported.")
    rid = item.get("id") or item.get("Id")
    if not rid:
        raise WriteError("MISSING_ARGUMENT", "Id not specified in an update call")
    rec = state.store.locate(sobj, rid)
    values = check_values(sobj, {k: v for k, v in item.items() if k not in ("id", "Id")})
    return sobj, rec["Id"], values


@api("collections")
def collections(state, req, version, row_lock=False):
    if req.method != "PATCH":
        return sf_error(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{req.method}' not allowed. "
                        "Allowed are PATCH")
    body = req.json()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        return sf_error(400, "JSON_PARSER_ERROR", "Expected an object with a records array")
    records, all_or_none = body["records"], bool(body.get("allOrNone", False))
    if len(records) > 200:
        return sf_error(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more "
                        "than 200 records into this call")
    with state.lock:
        prepared = []
        for item in records:
            try:
                prepared.append((_prepare(state, item), None))
            except WriteError as exc:
                raw = item.get("id") or item.get("Id") if isinstance(item, dict) else None
                prepared.append(((None, ids.normalize(raw), None), exc))
        any_failed = any(err for _, err in prepared)
        results = []
        for (sobj, rid, values), err in prepared:
            res = {"id": rid} if rid else {}
            if err:
                res.update(success=False, errors=[err.as_save_error()])
            elif row_lock:
                res.update(success=False, errors=[{"statusCode": LOCK_FAULT, "fields": [],
                                                   "message": f"{LOCK_MESSAGE}: {rid}"}])
            elif all_or_none and any_failed:
                res.update(success=False, errors=[dict(ROLLED_BACK)])
            else:
                state.store.update(sobj, rid, values)
                state.writes[rid] += 1
                res.update(success=True, errors=[])
            results.append(res)
    return json_response(results)


_V = r"/services/data/(?P<v>v\d+\.\d+|latest)"
ROUTES = [
    ("GET", r"/services/data/?", versions),
    ("GET", _V + r"/?", resources),
    ("GET", _V + r"/limits/?", limits),
    ("GET", _V + r"/query/?", query),
    ("GET", _V + r"/queryAll/?", query_all),
    ("GET", _V + r"/query(?:All)?/(?P<locator>01g\w+)-(?P<offset>\d+)", query_more),
    ("GET", _V + r"/sobjects/?", sobjects),
    ("GET", _V + r"/sobjects/(?P<obj>\w+)/describe/?", sobject_describe),
    ("GET", _V + r"/sobjects/(?P<obj>\w+)/updated/?", updated),
    ("GET", _V + r"/sobjects/(?P<obj>\w+)/deleted/?", deleted),
    ("GET|POST", _V + r"/sobjects/(?P<obj>\w+)/?", sobject_info),
    ("GET|PATCH|DELETE", _V + r"/sobjects/(?P<obj>\w+)/(?P<rid>[^/]+)/?", record),
    ("PATCH|POST|DELETE", _V + r"/composite/sobjects/?", collections),
]
