"""An ordered index on ``(SystemModstamp, Id)`` per sObject, so keyset pages cost a bisect.

Without it every SOQL page scans and sorts every row: a 100,000-contact sync spends most of its
time in the emulator, and benchmarks measure the fake instead of the platform. The index only
narrows the *candidate* rows (a superset of the matches, from the ``SystemModstamp`` bounds of the
WHERE clause) and, when the query orders by ``SystemModstamp, Id``, hands them over already in
that order so a ``LIMIT`` stops early; the full predicate still decides, so results are identical.
It is rebuilt lazily after writes (the store marks the object dirty).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

STAMP, ID = "SystemModstamp", "Id"
_HIGH = "\U0010ffff"


class StampIndex:
    def __init__(self):
        self._keys: dict[str, list] = {}
        self._dirty: set[str] = set()

    def mark(self, obj_name: str | None = None) -> None:
        """A record of ``obj_name`` (``None``: of any object) was written."""
        if obj_name is None:
            self._keys.clear()
        else:
            self._dirty.add(obj_name)

    def keys(self, obj_name: str, table: dict) -> list | None:
        """The sorted ``(stamp, id)`` keys, or ``None`` when some record has no stamp."""
        keys = self._keys.get(obj_name)
        if keys is None or obj_name in self._dirty or len(keys) != len(table):
            keys = sorted((r[STAMP], rid) for rid, r in table.items() if r.get(STAMP))
            self._keys[obj_name] = keys
            self._dirty.discard(obj_name)
        return keys if len(keys) == len(table) else None


def stamp_bounds(node) -> tuple:
    """``(low, high)`` inclusive bounds on ``SystemModstamp`` implied by a raw WHERE tree."""
    if node is None:
        return None, None
    kind = node[0]
    if kind == "cmp":
        _, path, op, tok = node
        if path.lower() != STAMP.lower() or tok.kind != "DATETIME":
            return None, None
        value = tok.value
        return (value if op in (">", ">=", "=") else None,
                value if op in ("<", "<=", "=") else None)
    if kind in ("and", "or"):
        bounds = [stamp_bounds(n) for n in node[1]]
        lows, highs = [b[0] for b in bounds], [b[1] for b in bounds]
        if kind == "and":
            known_low, known_high = [v for v in lows if v], [v for v in highs if v]
            return (max(known_low) if known_low else None,
                    min(known_high) if known_high else None)
        return (None if None in lows else min(lows), None if None in highs else max(highs))
    return None, None


def ordered_by_key(order: list) -> bool:
    """ORDER BY SystemModstamp ASC, Id ASC (the index's own order)."""
    return [(tuple(h.name for h in hops), desc) for hops, desc, _ in order] == [
        ((STAMP,), False), ((ID,), False)]


def candidates(plan, table: dict, index: StampIndex):
    """``(rows, presorted)``: the rows that may match, in index order when that helps."""
    low, high = plan.bounds
    presorted = ordered_by_key(plan.order)
    if low is None and high is None and not presorted:
        return table.values(), False
    keys = index.keys(plan.obj.name, table)
    if keys is None:
        return table.values(), False
    start = 0 if low is None else bisect_left(keys, (low, ""))
    end = len(keys) if high is None else bisect_right(keys, (high, _HIGH))
    return (table[keys[i][1]] for i in range(start, end)), presorted
