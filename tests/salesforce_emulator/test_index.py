"""The (SystemModstamp, Id) index answers exactly what a full scan answers, and scans less."""
# ruff: noqa: S608 - SOQL strings built from test constants, not SQL

from datetime import timedelta

import pytest

from devtools.salesforce_emulator import index
from devtools.salesforce_emulator.clock import fmt_rest
from devtools.salesforce_emulator.soql import compile_query, execute

QUERIES = [
    "SELECT Id, SystemModstamp FROM Contact ORDER BY SystemModstamp ASC, Id ASC LIMIT 7",
    "SELECT Id FROM Contact WHERE SystemModstamp >= {a} ORDER BY SystemModstamp ASC, Id ASC "
    "LIMIT 5",
    "SELECT Id FROM Contact WHERE SystemModstamp >= {a} AND SystemModstamp < {b} "
    "ORDER BY SystemModstamp ASC, Id ASC LIMIT 50",
    "SELECT Id FROM Contact WHERE SystemModstamp >= {a} AND (SystemModstamp > {b} OR "
    "(SystemModstamp = {b} AND Id > '{id}')) ORDER BY SystemModstamp ASC, Id ASC LIMIT 4",
    "SELECT COUNT() FROM Contact WHERE SystemModstamp >= {a} AND SystemModstamp < {b}",
    "SELECT Id FROM Contact WHERE SystemModstamp > {a} OR LastName = 'P03' ORDER BY Id",
    "SELECT Id FROM Contact WHERE SystemModstamp <= {b} ORDER BY SystemModstamp DESC, Id",
    "SELECT Id FROM Contact WHERE SystemModstamp = {b} ORDER BY SystemModstamp ASC, Id ASC "
    "LIMIT 3 OFFSET 1",
]


def _literal(value) -> str:
    return fmt_rest(value).replace(".000+0000", "Z")


@pytest.fixture
def store(sf):
    state = sf.state
    state.clock.freeze()
    ids = state.bulk_create("Contact", [{"LastName": f"P{i:02d}"} for i in range(20)])
    for step, rid in enumerate(ids[::3]):
        state.clock.advance(60 * (step % 3))
        state.update("Contact", rid, {"Title": "moved"})
    state.delete("Contact", ids[4])
    return state.store


def _run(store, text, include_deleted, use_index):
    plan = compile_query(text)
    if not use_index:
        plan.bounds, plan.order = (None, None), list(plan.order)
        rows = list(store.tables["Contact"].values())
        from devtools.salesforce_emulator.soql import _select  # the scan the index replaces
        result = _select(plan, store, rows, include_deleted)
        return len(result), [r["Id"] for r in result]
    total, records = execute(plan, store, "59.0", include_deleted)
    return total, [r["Id"] for r in records]


@pytest.mark.parametrize("include_deleted", [False, True])
@pytest.mark.parametrize("template", QUERIES)
def test_indexed_queries_answer_like_a_full_scan(store, template, include_deleted):
    stamps = sorted({r["SystemModstamp"] for r in store.tables["Contact"].values()})
    some_id = sorted(store.tables["Contact"])[5]
    text = template.format(a=_literal(stamps[0] + timedelta(seconds=1) if len(stamps) > 1
                                      else stamps[0]),
                           b=_literal(stamps[-1]), id=some_id)
    indexed = _run(store, text, include_deleted, use_index=True)
    scanned = _run(store, text, include_deleted, use_index=False)
    if "COUNT()" in text:
        assert indexed[0] == scanned[0]
    else:
        assert indexed[1] == scanned[1] and indexed[0] == scanned[0]


def test_the_index_follows_writes_and_narrows_the_candidates(store, sf):
    keyset = compile_query("SELECT Id FROM Contact WHERE SystemModstamp > 2000-01-01T00:00:00Z "
                           "ORDER BY SystemModstamp ASC, Id ASC LIMIT 2")
    sf.state.clock.advance(3600)
    newest = sf.state.create("Contact", {"LastName": "Newest"})
    late = compile_query(f"SELECT Id FROM Contact WHERE SystemModstamp >= "
                         f"{_literal(sf.state.clock.now())}")
    rows, _ = index.candidates(late, store.tables["Contact"], store.index)
    assert [r["Id"] for r in rows] == [newest["Id"]]
    rows, presorted = index.candidates(keyset, store.tables["Contact"], store.index)
    assert presorted and len(list(rows)) == 21
