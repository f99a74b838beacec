"""The CRM search API: filter groups (OR) of filters (AND), one sort, offset paging, the limits
and the 10,000-result cap [reference §2.3]. Archived and merged-away records never match; with a
``lastmodifieddate`` lower bound the scan starts from a sorted index, so paging 100,000 contacts
stays fast."""

from __future__ import annotations

import bisect
import json

from .portal import MODIFIED
from .web import parse_time_ms

CAP = 10_000
MAX_LIMIT = 200
MAX_BODY = 3000
NUMERIC_TYPES = {"number", "date", "datetime"}
OPERATORS = {"LT", "LTE", "GT", "GTE", "EQ", "NEQ", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY",
             "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}


_COMPARE = {"EQ": lambda a, b: a == b, "NEQ": lambda a, b: a != b, "LT": lambda a, b: a < b,
            "LTE": lambda a, b: a <= b, "GT": lambda a, b: a > b, "GTE": lambda a, b: a >= b,
            "BETWEEN": None}


class SearchError(Exception):
    pass


def parse(raw: bytes) -> dict:
    if len(raw) > MAX_BODY:
        raise SearchError(f"Request body must be at most {MAX_BODY} characters "
                          f"(got {len(raw)}).")
    try:
        body = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError) as exc:
        raise SearchError(f"Invalid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise SearchError("Request body must be a JSON object.")
    groups = body.get("filterGroups") or []
    if len(groups) > 5:
        raise SearchError("Too many filter groups: at most 5 are allowed.")
    if any(len(g.get("filters") or []) > 6 for g in groups):
        raise SearchError("Too many filters in a group: at most 6 are allowed.")
    if sum(len(g.get("filters") or []) for g in groups) > 18:
        raise SearchError("Too many filters: at most 18 are allowed in total.")
    for g in groups:
        for f in g.get("filters") or []:
            if f.get("operator") not in OPERATORS or not f.get("propertyName"):
                raise SearchError(f"Invalid filter: {json.dumps(f)}")
    if len(body.get("sorts") or []) > 1:
        raise SearchError("Only one sort is allowed per search.")
    try:
        limit = int(body.get("limit", 10))
        after = int(body.get("after") or 0)
    except (TypeError, ValueError):
        raise SearchError("limit and after must be integers.") from None
    if limit < 1 or limit > MAX_LIMIT:
        raise SearchError(f"limit must be between 1 and {MAX_LIMIT}.")
    if after < 0:
        raise SearchError("after must not be negative.")
    if after + limit > CAP:
        # HubSpot serves at most 10,000 results per query; paging past them is a 400.
        raise SearchError(f"Paging beyond {CAP} results is not supported: after ({after}) + "
                          f"limit ({limit}) must not exceed {CAP}. Narrow the query instead.")
    body["limit"], body["after"] = limit, after
    return body


def _sort_key(value, numeric: bool):
    if value is None:
        return (1, 0)
    if numeric:
        number = _number(value)
        return (0, number if number is not None else 0)
    return (0, str(value).lower())


def _number(value):
    if value is None or value == "":
        return None
    ms = parse_time_ms(value)
    if ms is not None and not str(value).replace(".", "", 1).lstrip("-").isdigit():
        return ms
    try:
        return float(value)
    except (TypeError, ValueError):
        return ms


class Matcher:
    def __init__(self, portal, obj: str, groups: list[dict]):
        self.portal, self.obj = portal, obj
        self.defs = portal.properties[obj]
        self.groups = [g.get("filters") or [] for g in groups]
        self.fields = {"hs_object_id": "id", "createdate": "created", MODIFIED[obj]: "updated"}

    def numeric(self, name: str) -> bool:
        d = self.defs.get(name)
        return bool(d) and d["type"] in NUMERIC_TYPES

    def matches(self, rec: dict) -> bool:
        if not self.groups:
            return True
        return any(all(self._one(rec, f) for f in group) for group in self.groups)

    def _one(self, rec: dict, f: dict) -> bool:
        name, op = f["propertyName"], f["operator"]
        if name in self.fields and op in _COMPARE:  # system numbers: no formatting round trip
            left, right = rec[self.fields[name]], _number(f.get("value"))
            if op == "BETWEEN":
                high = _number(f.get("highValue"))
                return right is not None and high is not None and right <= left <= high
            return right is not None and _COMPARE[op](left, right)
        value = self.portal.value(self.obj, rec, name) if name in self.defs else None
        present = value is not None and value != ""
        if op == "HAS_PROPERTY":
            return present
        if op == "NOT_HAS_PROPERTY":
            return not present
        if op in ("IN", "NOT_IN"):
            wanted = [str(v) for v in f.get("values") or []]
            if self.numeric(name):
                hit = present and _number(value) in {_number(v) for v in wanted}
            else:  # string IN values must be lowercase: an uppercase value never matches
                hit = present and str(value).lower() in wanted
            return hit if op == "IN" else not hit
        if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            token = str(f.get("value", "")).lower().strip("*")
            hit = present and token in str(value).lower()
            return hit if op == "CONTAINS_TOKEN" else not hit
        if not present:
            return op == "NEQ"
        if self.numeric(name):
            left, right = _number(value), _number(f.get("value"))
            high = _number(f.get("highValue"))
        else:
            left, right = str(value).lower(), str(f.get("value", "")).lower()
            high = str(f.get("highValue", "")).lower()
        if left is None or right is None:
            return False
        return {"EQ": left == right, "NEQ": left != right, "LT": left < right,
                "LTE": left <= right, "GT": left > right, "GTE": left >= right,
                "BETWEEN": high is not None and right <= left <= high}[op]

    def lower_bound(self) -> int | None:
        """The smallest ``modified`` value every group requires, to start the index scan there."""
        modified = MODIFIED[self.obj]
        if not self.groups:
            return None
        bounds = []
        for group in self.groups:
            best = None
            for f in group:
                if f["propertyName"] == modified and f["operator"] in ("GT", "GTE", "EQ",
                                                                      "BETWEEN"):
                    ms = _number(f.get("value"))
                    if ms is not None:
                        best = ms if best is None else max(best, ms)
            if best is None:
                return None
            bounds.append(best)
        return int(min(bounds))


def _range(matcher: Matcher, rows: list, sort: dict | None, lagged: bool):
    """``(lo, hi)`` of ``rows`` that match, when the query is a ``modified`` range (optionally
    ``EQ`` one instant plus ``hs_object_id`` bounds) sorted ascending — the incremental-sync
    shapes. None for anything else (the generic scan answers those)."""
    modified = MODIFIED[matcher.obj]
    if lagged or len(matcher.groups) != 1:
        return None
    name = (sort or {}).get("propertyName", modified)
    if str((sort or {}).get("direction", "ASCENDING")).upper() != "ASCENDING":
        return None
    lo_t, hi_t, lo_id, hi_id = -(2 ** 62), 2 ** 62, -1, 2 ** 62
    for f in matcher.groups[0]:
        op, value = f["operator"], _number(f.get("value"))
        if f["propertyName"] not in (modified, "hs_object_id") or value is None or op not in (
                "GT", "GTE", "LT", "LTE", "EQ", "BETWEEN"):
            return None
        value = int(value) if value == int(value) else value
        high = _number(f.get("highValue")) if op == "BETWEEN" else None
        if f["propertyName"] == modified:
            if op in ("GT", "GTE", "EQ", "BETWEEN"):
                lo_t = max(lo_t, value + (1 if op == "GT" else 0))
            if op in ("LT", "LTE", "EQ") or high is not None:
                hi_t = min(hi_t, (high if high is not None else value) - (1 if op == "LT" else 0))
        else:
            if op in ("GT", "GTE", "EQ", "BETWEEN"):
                lo_id = max(lo_id, value + (1 if op == "GT" else 0))
            if op in ("LT", "LTE", "EQ") or high is not None:
                hi_id = min(hi_id, (high if high is not None else value) - (1 if op == "LT" else 0))
    by_id = lo_id > -1 or hi_id < 2 ** 62
    if (by_id or name == "hs_object_id") and lo_t != hi_t:
        return None  # id bounds and id order only line up inside one instant
    if name not in (modified, "hs_object_id"):
        return None
    lo = bisect.bisect_left(rows, (lo_t, lo_id))
    hi = bisect.bisect_right(rows, (hi_t, hi_id))
    return lo, max(lo, hi)


def run(state, portal, obj: str, body: dict) -> dict:
    """Evaluate a parsed search body; returns HubSpot's response dict."""
    matcher = Matcher(portal, obj, body.get("filterGroups") or [])
    rows = portal.index(obj)
    sorts = body.get("sorts") or []
    sort = sorts[0] if sorts and isinstance(sorts[0], dict) else None
    span = None if sorts and sort is None else _range(
        matcher, rows, sort, bool(state.config.search_lag_seconds))
    if span is not None:
        lo, hi = span
        after, limit = body["after"], body["limit"]
        table = portal.objects[obj]
        page = [table[rid] for _, rid in rows[lo + after:min(lo + after + limit, hi)]]
        out = {"total": hi - lo,
               "results": [portal.to_json(obj, rec, body.get("properties") or None)
                           for rec in page]}
        if after + limit < hi - lo:
            out["paging"] = {"next": {"after": str(after + limit)}}
        return out
    bound = matcher.lower_bound()
    start = bisect.bisect_left(rows, (bound, -1)) if bound is not None else 0
    lag_ms = int(state.config.search_lag_seconds * 1000)
    visible_until = state.now_ms() - lag_ms if lag_ms else None
    table = portal.objects[obj]
    matched = []
    sorts = body.get("sorts") or []
    for pos in range(start, len(rows)):
        updated, rid = rows[pos]
        if visible_until is not None and updated > visible_until:
            continue
        rec = table[rid]
        if matcher.matches(rec):
            matched.append(rec)
    sorts = body.get("sorts") or []
    if sorts:
        sort = sorts[0]
        if isinstance(sort, str):  # "-lastmodifieddate" shorthand
            sort = {"propertyName": sort.lstrip("-"),
                    "direction": "DESCENDING" if sort.startswith("-") else "ASCENDING"}
        name = sort.get("propertyName", "")
        reverse = str(sort.get("direction", "ASCENDING")).upper() == "DESCENDING"
        if name != MODIFIED[obj] or reverse:  # the index order is already modified, id
            numeric = matcher.numeric(name)
            matched.sort(key=lambda r: _sort_key(portal.value(obj, r, name), numeric),
                         reverse=reverse)
    else:
        matched.sort(key=lambda r: r["id"])
    after, limit = body["after"], body["limit"]
    page = matched[after:after + limit]
    names = body.get("properties") or None
    out = {"total": len(matched),
           "results": [portal.to_json(obj, rec, names) for rec in page]}
    if after + limit < len(matched):
        out["paging"] = {"next": {"after": str(after + limit)}}
    return out
