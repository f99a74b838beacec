"""Contact sync against the emulator: pages by the search API, exact resumption, past the 10,000
cap, one-millisecond bulk imports, updates, archives and merges (reference §2)."""

from __future__ import annotations

import pytest

from host.models import ExternalLink
from tests.hubspot.conftest import control
from tests.hubspot.platform import connect, run_sync


@pytest.fixture
def linked(hs, client_a, org_a, settings):
    settings.HUBSPOT_SYNC_LAG_SECONDS = 0
    connect(hs, client_a, org_a)
    return org_a


def links(org) -> dict[str, str]:
    with org:
        return dict(ExternalLink.objects.filter(provider="hubspot")
                    .values_list("external_id", "contact__email"))


def searches(hs) -> int:
    return sum(n for name, n in hs.state.counts()["by_endpoint"].items() if name.endswith("/search"))


def test_first_sync_reads_every_contact_in_pages_of_200(hs, linked):
    seeded = hs.state.seed("contacts", contacts=450)
    hs.state.clear_counts()
    run = run_sync(linked)
    assert run.status == "succeeded", run.error
    found = links(linked)
    assert len(found) == 450 and found[seeded["last_id"]] == f"contact{seeded['last_id']}@example.com"
    assert searches(hs) == 3 and run.api_calls == 3
    assert hs.state.counts()["rate_limited_total"] == 0


def test_a_bulk_import_in_one_millisecond_is_read_whole(hs, linked):
    hs.state.seed("contacts", contacts=450, same_ms=True)
    run = run_sync(linked)
    assert run.status == "succeeded", run.error
    assert len(links(linked)) == 450


def test_incremental_sync_sees_updates_archives_and_merges(hs, linked):
    seeded = hs.state.seed("contacts", contacts=5)
    run_sync(linked)
    first = int(seeded["first_id"])
    updated, archived, survivor, merged = (str(first + i) for i in range(4))
    control(hs, "PATCH", f"/contacts/{updated}", json={"properties": {"email": "new@example.com"}})
    control(hs, "DELETE", f"/contacts/{archived}")
    control(hs, "POST", "/contacts/merge", json={"primary": survivor, "merged": [merged]})
    hs.state.clear_counts()
    run = run_sync(linked)
    assert run.status == "succeeded", run.error
    found = links(linked)
    assert found[updated] == "new@example.com"
    assert archived not in found and merged not in found and survivor in found
    assert len(found) == 3
    assert run.deleted == 2
    assert searches(hs) == 1


def test_a_run_resumes_after_its_last_saved_page(hs, linked):
    hs.state.seed("contacts", contacts=450)
    hs.state.add_fault("SERVICE_UNAVAILABLE", count=10, after=2, target="search")
    failed = run_sync(linked)
    assert failed.status == "failed" and failed.processed == 399  # 200, then 199 new (one re-read)
    hs.state.faults.clear()
    hs.state.clear_counts()
    resumed = run_sync(linked)
    assert resumed.status == "succeeded", resumed.error
    assert len(links(linked)) == 450
    assert searches(hs) == 1  # the third page only


@pytest.mark.slow
def test_more_than_10000_changes_sync_past_the_search_cap(hs, linked):
    hs.state.seed("contacts", contacts=10_250)
    run = run_sync(linked)
    assert run.status == "succeeded", run.error
    assert len(links(linked)) == 10_250
    assert searches(hs) <= 10_250 // 200 + 3
