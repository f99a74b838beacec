"""Setup endpoints: Tooling ``CustomField`` create/get and Tooling queries, the REST setup objects
(``PermissionSet``, ``FieldPermissions``, ``PermissionSetAssignment``, ``FlowDefinitionView``,
``UserPermissionAccess``) for create/update/delete and SOQL. Rows live in ``orgsetup.OrgSetup``.

SOQL on setup objects uses the SOQL parser with a small evaluator over the rows (fields, dotted
relationship hops, ``=``/``!=``/``IN``/``AND``/``OR``/``NOT``); the one-row rule for ``Metadata`` and
``FullName`` in Tooling queries answers ``MALFORMED_QUERY`` as Salesforce does.
"""

from __future__ import annotations

from . import rest
from .orgsetup import SetupError
from .soql import Parser, SoqlError
from .web import json_response, sf_error

REST_ENTITIES = {"PermissionSet", "FieldPermissions", "PermissionSetAssignment",
                 "FlowDefinitionView", "UserPermissionAccess"}
TOOLING_ENTITIES = {"CustomField", "WorkflowOutboundMessage", "Flow"}
CREATE = {"PermissionSet": "create_permission_set", "FieldPermissions": "create_field_permission",
          "PermissionSetAssignment": "create_assignment"}
TABLES = {"PermissionSet": "permission_sets", "FieldPermissions": "field_permissions",
          "PermissionSetAssignment": "assignments"}


def _setup_error(exc: SetupError):
    return sf_error(exc.status, exc.code, exc.message, exc.fields or None)


def _get(row: dict, path: str):
    value = row
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        key = next((k for k in value if k.lower() == part.lower()), None)
        if key is None:
            raise SoqlError("INVALID_FIELD", f"No such column '{part}' on entity")
        value = value[key]
    return value


def _literal(tok):
    if tok.kind == "IDENT":
        return {"true": True, "false": False, "null": None}[tok.value.lower()]
    return tok.value


def _fold(value):
    return value.lower() if isinstance(value, str) else value


def _match(node, row) -> bool:
    kind = node[0]
    if kind == "and":
        return all(_match(n, row) for n in node[1])
    if kind == "or":
        return any(_match(n, row) for n in node[1])
    if kind == "not":
        return not _match(node[1], row)
    if kind == "in":
        values = {_fold(_literal(t)) for t in node[3]}
        return (_fold(_get(row, node[1])) in values) != node[2]
    if kind == "cmp":
        value, lit = _fold(_get(row, node[1])), _fold(_literal(node[3]))
        if node[2] == "=":
            return value == lit
        if node[2] in ("!=", "<>"):
            return value != lit
    raise SoqlError("MALFORMED_QUERY", "unsupported filter on a setup object (emulator)")


def _put(out: dict, path: str, value, version: str, tooling: bool) -> None:
    parts = path.split(".")
    node = out
    for part in parts[:-1]:
        node = node.setdefault(part, {"attributes": {"type": part}})
        if value is None:
            return
    node[parts[-1]] = value


def run_query(state, text: str, version: str, tooling: bool):
    """``(entity, records)`` or raise SoqlError; ``None`` when the entity is not a setup one."""
    raw = Parser(text).query()
    entity = raw.source.value
    names = TOOLING_ENTITIES if tooling else REST_ENTITIES
    entity = next((n for n in names if n.lower() == entity.lower()), None)
    if entity is None:
        return None
    rows = [r for r in state.setup.rows(entity) if raw.where is None or _match(raw.where, r)]
    paths = [item[1] for item in raw.items if item[0] == "field"]
    if tooling and len(rows) > 1 and any(p.lower() in ("metadata", "fullname") for p in paths):
        raise SoqlError("MALFORMED_QUERY", "When retrieving results with Metadata or FullName "
                        "fields, the query qualifications must specify no more than one row "
                        "for retrieval. Result size: " + str(len(rows)))
    base = f"/services/data/v{version}/{'tooling/' if tooling else ''}sobjects/{entity}"
    out = []
    for row in rows:
        rec = {"attributes": {"type": entity, "url": f"{base}/{row.get('Id', '')}"}}
        for path in paths:
            _put(rec, path, _get(row, path), version, tooling)
        out.append(rec)
    return entity, out


def _envelope(entity, records, tooling):
    body = {"totalSize": len(records), "done": True, "records": records}
    if tooling:
        body.update(size=len(records), queryLocator=None, entityTypeName=entity)
    return body


def _query_handler(tooling: bool, include_deleted: bool = False):
    def handler(state, req, version):
        try:
            with state.lock:
                found = run_query(state, req.query.get("q") or "", version, tooling)
        except SoqlError as exc:
            return sf_error(400, exc.code, exc.message)
        except KeyError:
            found = None
        if found is None:
            if tooling:
                return sf_error(400, "INVALID_TYPE", "sObject type is not supported (emulator)")
            return rest._errors(rest._run_query)(state, req, version, include_deleted)
        return json_response(_envelope(*found, tooling))

    return handler


@rest.api("query")
def query(state, req, version):
    return _query_handler(False)(state, req, version)


@rest.api("queryAll")
def query_all(state, req, version):
    return _query_handler(False, include_deleted=True)(state, req, version)


@rest.api("tooling_query")
def tooling_query(state, req, version):
    return _query_handler(True)(state, req, version)


@rest.api("tooling_create")
def tooling_custom_field(state, req, version):
    try:
        with state.lock:
            row = state.setup.create_custom_field(req.json())
    except SetupError as exc:
        return _setup_error(exc)
    return json_response({"id": row["Id"], "success": True, "errors": []}, 201)


@rest.api("tooling_get")
def tooling_custom_field_row(state, req, version, rid):
    with state.lock:
        row = next((r for r in state.setup.rows("CustomField") if r["Id"] == rid), None)
    if row is None:
        return sf_error(404, "NOT_FOUND", rest.NOT_FOUND)
    if req.method != "GET":
        return sf_error(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{req.method}' not allowed.")
    url = f"/services/data/v{version}/tooling/sobjects/CustomField/{rid}"
    return json_response({"attributes": {"type": "CustomField", "url": url}, **row})


@rest.api("sobject_create")
def setup_create(state, req, version, obj):
    entity = next((n for n in CREATE if n.lower() == obj.lower()), None)
    try:
        with state.lock:
            row = getattr(state.setup, CREATE[entity])(req.json() or {})
    except SetupError as exc:
        return _setup_error(exc)
    return json_response({"id": row["Id"], "success": True, "errors": []}, 201)


@rest.api("sobject_setup")
def setup_record(state, req, version, obj, rid):
    entity = next((n for n in CREATE if n.lower() == obj.lower()), None)
    try:
        with state.lock:
            if req.method == "DELETE":
                state.setup.delete(TABLES[entity], rid)
            elif entity == "FieldPermissions":
                state.setup.update_field_permission(rid, req.json() or {})
            else:
                row = getattr(state.setup, TABLES[entity]).get(rid)
                if row is None:
                    raise SetupError("NOT_FOUND", rest.NOT_FOUND, 404)
                return json_response({"attributes": {"type": entity}, **row})
    except SetupError as exc:
        return _setup_error(exc)
    return rest.Response(204)


_V = rest._V
_SETUP = "(?P<obj>(?i:PermissionSet|FieldPermissions|PermissionSetAssignment))"
ROUTES = [
    ("GET", _V + r"/query/?", query),
    ("GET", _V + r"/queryAll/?", query_all),
    ("GET", _V + r"/tooling/query/?", tooling_query),
    ("POST", _V + r"/tooling/sobjects/CustomField/?", tooling_custom_field),
    ("GET|PATCH|DELETE", _V + r"/tooling/sobjects/CustomField/(?P<rid>\w+)/?",
     tooling_custom_field_row),
    ("POST", _V + r"/sobjects/" + _SETUP + r"/?", setup_create),
    ("GET|PATCH|DELETE", _V + r"/sobjects/" + _SETUP + r"/(?P<rid>\w+)/?", setup_record),
]
