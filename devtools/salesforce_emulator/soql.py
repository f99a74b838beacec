"""A small SOQL subset: tokenizer, recursive-descent parser, binder (schema checks) and executor.

Grammar::

    query   := SELECT item (',' item)* FROM name [WHERE expr] [ORDER BY order (',' order)*]
               [LIMIT int] [OFFSET int]
    item    := COUNT '(' ')' | path | '(' query ')'            -- child-relationship subquery
    expr    := conj (OR conj)* ;  conj := unary (AND unary)*
    unary   := NOT unary | '(' expr ')' | path op literal | path [NOT] IN '(' literal, ... ')'
               | path LIKE string
    order   := path [ASC|DESC] [NULLS (FIRST|LAST)]
"""

import operator
import re
from dataclasses import dataclass, field
from itertools import islice

from . import ids, index
from .access import field_access
from .clock import parse_date, parse_datetime
from .schema import NUMBER_TYPES, OBJECTS, STRING_TYPES, Field, SObject, lookup
from .store import rest_value


class SoqlError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Tok:
    kind: str  # IDENT STRING NUMBER DATE DATETIME OP ( ) , EOF
    value: object
    pos: int
    like: str = ""  # for STRING: the LIKE pattern as a regex


_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\w:])")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?(?![\w.])")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _malformed(message: str) -> SoqlError:
    return SoqlError("MALFORMED_QUERY", message)


def _string(text: str, start: int) -> tuple[Tok, int]:
    value, pattern, i = [], [], start + 1
    while i < len(text):
        c = text[i]
        if c == "'":
            return Tok("STRING", "".join(value), start, "".join(pattern)), i + 1
        if c == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt in ("%", "_"):  # only meaningful in LIKE: a literal % or _
                value.append(nxt)
                pattern.append(re.escape(nxt))
            elif nxt in _ESCAPES:
                value.append(_ESCAPES[nxt])
                pattern.append(re.escape(_ESCAPES[nxt]))
            else:
                raise _malformed(f"Invalid string literal '\\{nxt}'. Illegal character sequence "
                                 f"'\\{nxt}' in string literal.")
            i += 2
            continue
        value.append(c)
        pattern.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    raise _malformed(f"unterminated string literal at column {start + 1}")


def tokenize(text: str) -> list[Tok]:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "'":
            tok, i = _string(text, i)
            out.append(tok)
        elif c in "(),":
            out.append(Tok(c, c, i))
            i += 1
        elif c in "=!<>":
            op = text[i : i + 2] if text[i : i + 2] in ("!=", "<=", ">=", "<>") else c
            if op == "!":
                raise _malformed(f"unexpected token: '!' at column {i + 1}")
            out.append(Tok("OP", op, i))
            i += len(op)
        elif m := _DATETIME.match(text, i):
            out.append(Tok("DATETIME", parse_datetime(m.group()), i))
            i = m.end()
        elif m := _DATE.match(text, i):
            out.append(Tok("DATE", parse_date(m.group()), i))
            i = m.end()
        elif m := _NUMBER.match(text, i):
            out.append(Tok("NUMBER", float(m.group()), i))
            i = m.end()
        elif m := _IDENT.match(text, i):
            out.append(Tok("IDENT", m.group(), i))
            i = m.end()
        else:
            raise _malformed(f"unexpected token: '{c}' at column {i + 1}")
    out.append(Tok("EOF", "<EOF>", len(text)))
    return out


@dataclass
class RawQuery:
    items: list
    source: Tok
    where: object = None
    order: list = field(default_factory=list)
    limit: int | None = None
    offset: int = 0


class Parser:
    """Builds an unbound syntax tree; names are checked later by :func:`bind`."""

    def __init__(self, text: str):
        self.toks, self.i = tokenize(text), 0

    def peek(self) -> Tok:
        return self.toks[self.i]

    def take(self) -> Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def is_kw(self, *words: str) -> bool:
        tok = self.peek()
        return tok.kind == "IDENT" and tok.value.lower() in words

    def accept_kw(self, word: str) -> bool:
        if self.is_kw(word):
            self.i += 1
            return True
        return False

    def expect(self, kind: str, word: str | None = None) -> Tok:
        tok = self.peek()
        if tok.kind != kind or (word and str(tok.value).lower() != word):
            raise _malformed(f"unexpected token: '{tok.value}' at column {tok.pos + 1}"
                             + (f", expecting '{word.upper()}'" if word else ""))
        return self.take()

    def query(self) -> RawQuery:
        self.expect("IDENT", "select")
        items = [self.item()]
        while self.peek().kind == ",":
            self.take()
            items.append(self.item())
        self.expect("IDENT", "from")
        q = RawQuery(items, self.expect("IDENT"))
        if self.accept_kw("where"):
            q.where = self.expr()
        if self.accept_kw("order"):
            self.expect("IDENT", "by")
            q.order.append(self.order_item())
            while self.peek().kind == ",":
                self.take()
                q.order.append(self.order_item())
        if self.accept_kw("limit"):
            q.limit = int(self.expect("NUMBER").value)
        if self.accept_kw("offset"):
            q.offset = int(self.expect("NUMBER").value)
        return q

    def item(self):
        if self.peek().kind == "(":
            self.take()
            sub = self.query()
            self.expect(")")
            return ("sub", sub)
        name = self.expect("IDENT")
        if name.value.lower() == "count" and self.peek().kind == "(":
            self.take()
            self.expect(")")
            return ("count",)
        if name.value.lower() in ("from", "where"):
            raise _malformed(f"unexpected token: '{name.value}' at column {name.pos + 1}")
        return ("field", name.value)

    def order_item(self):
        path, desc, nulls_first = self.expect("IDENT").value, False, None
        if self.is_kw("asc", "desc"):
            desc = self.take().value.lower() == "desc"
        if self.accept_kw("nulls"):
            nulls_first = self.expect("IDENT").value.lower() == "first"
        return (path, desc, (not desc) if nulls_first is None else nulls_first)

    def expr(self):
        parts = [self.conj()]
        while self.accept_kw("or"):
            parts.append(self.conj())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def conj(self):
        parts = [self.unary()]
        while self.accept_kw("and"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def unary(self):
        if self.accept_kw("not"):
            return ("not", self.unary())
        if self.peek().kind == "(":
            self.take()
            node = self.expr()
            self.expect(")")
            return node
        path = self.expect("IDENT").value
        negate = self.accept_kw("not")
        if self.accept_kw("in"):
            self.expect("(")
            values = [self.literal()]
            while self.peek().kind == ",":
                self.take()
                values.append(self.literal())
            self.expect(")")
            return ("in", path, negate, values)
        if negate:
            raise _malformed(f"unexpected token: '{self.peek().value}', expecting 'IN'")
        if self.accept_kw("like"):
            return ("like", path, self.expect("STRING"))
        return ("cmp", path, self.expect("OP").value, self.literal())

    def literal(self) -> Tok:
        tok = self.take()
        if tok.kind in ("STRING", "NUMBER", "DATE", "DATETIME") or (
            tok.kind == "IDENT" and tok.value.lower() in ("true", "false", "null")
        ):
            return tok
        raise _malformed(f"unexpected token: '{tok.value}' at column {tok.pos + 1}")


# ---------------------------------------------------------------- binding (names and types)

_OPS = {"=": operator.eq, "!=": operator.ne, "<>": operator.ne, "<": operator.lt,
        "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass
class Plan:
    obj: SObject
    columns: list = field(default_factory=list)  # [hops]; hops = [Field, ...]
    subqueries: list = field(default_factory=list)  # [(relationship, child Plan, fk)]
    count: bool = False
    pred: object = None
    order: list = field(default_factory=list)  # [(hops, desc, nulls_first)]
    limit: int | None = None
    offset: int = 0
    bounds: tuple = (None, None)  # SystemModstamp range for the index (index.py)


def resolve(obj: SObject, path: str) -> list[Field]:
    parts = path.split(".")
    if len(parts) > 1 and parts[0].lower() == obj.name.lower() and not obj.relationship(parts[0]):
        parts = parts[1:]
    hops, cur = [], obj
    for part in parts[:-1]:
        ref = cur.relationship(part)
        if ref is None:
            raise SoqlError("INVALID_FIELD", f"Didn't understand relationship '{part}' in field "
                            "path. If you are attempting to use a custom relationship, be sure to "
                            "append the '__r' after the custom relationship name.")
        hops.append(ref)
        cur = OBJECTS[ref.reference_to[0]]
    f = cur.field(parts[-1])
    if f is None or not field_access(cur.name, f)[0]:  # absent, or hidden by field-level security
        raise SoqlError("INVALID_FIELD", f"No such column '{parts[-1]}' on entity '{cur.name}'. "
                        "If you are attempting to use a custom field, be sure to append the '__c' "
                        "after the custom field name. Please reference your WSDL or the describe "
                        "call for the appropriate names.")
    return hops + [f]


def _literal(f: Field, tok: Tok):
    if tok.kind == "IDENT" and tok.value.lower() == "null":
        return None
    want = {"datetime": "DATETIME", "date": "DATE", "boolean": "IDENT"}.get(
        f.type, "NUMBER" if f.type in NUMBER_TYPES else "STRING")
    if tok.kind != want:
        quoted = want == "STRING"
        raise SoqlError("INVALID_FIELD", f"value of filter criterion for field '{f.name}' must be "
                        f"of type {f.type} and should {'' if quoted else 'not '}be enclosed in "
                        "quotes")
    if f.type == "boolean":
        return tok.value.lower() == "true"
    if f.type in ("id", "reference"):
        norm = ids.normalize(tok.value)
        if norm is None:
            raise SoqlError("INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {tok.value}")
        return norm
    return tok.value


def _fold(f: Field, value):
    return value.lower() if isinstance(value, str) and f.type in STRING_TYPES else value


def _getter(hops: list[Field]):
    last = hops[-1].name

    def get(store, rec):
        for ref in hops[:-1]:
            rid = rec.get(ref.name)
            rec = store.tables[ref.reference_to[0]].get(rid) if rid else None
            if rec is None:
                return None
        return rec.get(last)

    return get


def _bind_expr(obj: SObject, node):
    kind = node[0]
    if kind in ("and", "or"):
        preds = [_bind_expr(obj, n) for n in node[1]]
        combine = all if kind == "and" else any
        return lambda store, rec: combine(p(store, rec) for p in preds)
    if kind == "not":
        inner = _bind_expr(obj, node[1])
        return lambda store, rec: not inner(store, rec)
    hops = resolve(obj, node[1])
    f, get = hops[-1], _getter(hops)
    if kind == "like":
        if f.type not in STRING_TYPES:
            raise SoqlError("INVALID_FIELD", f"invalid operator on {f.type} field: {f.name}")
        rx = re.compile(node[2].like, re.IGNORECASE | re.DOTALL)
        return lambda store, rec: (v := get(store, rec)) is not None and bool(rx.fullmatch(v))
    if kind == "in":
        values = {_fold(f, _literal(f, t)) for t in node[3]}
        negate = node[2]
        return lambda store, rec: (_fold(f, get(store, rec)) in values) != negate
    op, lit = node[2], _literal(f, node[3])
    if lit is None:
        if op not in ("=", "!=", "<>"):
            return lambda store, rec: False
        want_null = op == "="
        return lambda store, rec: (get(store, rec) is None) == want_null
    fn, lit = _OPS[op], _fold(f, lit)

    def compare(store, rec):
        v = get(store, rec)
        return (op in ("!=", "<>")) if v is None else fn(_fold(f, v), lit)

    return compare


def bind(raw: RawQuery, obj: SObject) -> Plan:
    plan = Plan(obj, limit=raw.limit, offset=raw.offset, bounds=index.stamp_bounds(raw.where))
    seen = set()
    for item in raw.items:
        if item[0] == "count":
            plan.count = True
        elif item[0] == "field":
            hops = resolve(obj, item[1])
            key = tuple(h.name for h in hops)
            if key not in seen:
                seen.add(key)
                plan.columns.append(hops)
        else:
            sub = item[1]
            child = obj.children.get(sub.source.value.lower())
            if child is None:
                raise SoqlError("INVALID_TYPE", f"Didn't understand relationship "
                                f"'{sub.source.value}' in FROM part of query call.")
            child_name, fk, rel = child
            plan.subqueries.append((rel, bind(sub, OBJECTS[child_name]), fk))
    if plan.count and (plan.columns or plan.subqueries):
        raise _malformed("COUNT() must be the only element in the SELECT list")
    plan.pred = _bind_expr(obj, raw.where) if raw.where else None
    plan.order = [(resolve(obj, p), desc, nf) for p, desc, nf in raw.order]
    return plan


def compile_query(text: str) -> Plan:
    if not text or not text.strip():
        raise _malformed("empty query")
    parser = Parser(text)
    raw = parser.query()
    parser.expect("EOF")
    obj = lookup(raw.source.value)
    if obj is None:
        raise SoqlError("INVALID_TYPE", f"sObject type '{raw.source.value}' is not supported. "
                        "If you are attempting to use a custom object, be sure to append the "
                        "'__c' after the entity name.")
    return bind(raw, obj)


# ---------------------------------------------------------------- execution


def _select(plan: Plan, store, rows, include_deleted: bool, presorted: bool = False) -> list[dict]:
    matches = (r for r in rows if (include_deleted or not r.get("IsDeleted"))
               and (plan.pred is None or plan.pred(store, r)))
    if presorted and plan.limit is not None:
        return list(islice(matches, plan.offset, plan.offset + plan.limit))
    rows = list(matches)
    for hops, desc, nulls_first in reversed(plan.order):
        get, f = _getter(hops), hops[-1]
        null_rank = 0 if nulls_first != desc else 2

        def key(rec, get=get, f=f, null_rank=null_rank):
            v = get(store, rec)
            return (null_rank, 0) if v is None else (1, _fold(f, v))

        if not presorted:
            rows.sort(key=key, reverse=desc)
    end = None if plan.limit is None else plan.offset + plan.limit
    return rows[plan.offset : end]


def _put(store, out: dict, hops: list[Field], rec: dict, version: str) -> None:
    if len(hops) == 1:
        out[hops[0].name] = rest_value(rec.get(hops[0].name))
        return
    ref, rel = hops[0], hops[0].relationship_name
    target = ref.reference_to[0]
    parent = store.tables[target].get(rec.get(ref.name) or "")
    if parent is None:
        out[rel] = None
        return
    node = out.setdefault(rel, {"attributes": {
        "type": target, "url": f"/services/data/v{version}/sobjects/{target}/{parent['Id']}"}})
    _put(store, node, hops[1:], parent, version)


def serialize(plan: Plan, store, rec: dict, version: str, include_deleted: bool) -> dict:
    name = plan.obj.name
    out = {"attributes": {"type": name,
                          "url": f"/services/data/v{version}/sobjects/{name}/{rec['Id']}"}}
    for hops in plan.columns:
        _put(store, out, hops, rec, version)
    for rel, child, fk in plan.subqueries:
        rows = [r for r in store.tables[child.obj.name].values() if r.get(fk) == rec["Id"]]
        rows = _select(child, store, rows, include_deleted)
        out[rel] = {"totalSize": len(rows), "done": True, "records": [
            serialize(child, store, r, version, include_deleted) for r in rows]} if rows else None
    return out


def execute(plan: Plan, store, version: str, include_deleted: bool = False):
    """Return ``(totalSize, [record JSON])``; records is empty for ``SELECT COUNT()``."""
    rows, presorted = index.candidates(plan, store.tables[plan.obj.name], store.index)
    rows = _select(plan, store, rows, include_deleted, presorted)
    if plan.count:
        return len(rows), []
    return len(rows), [serialize(plan, store, r, version, include_deleted) for r in rows]
