"""Push 10,000 recorded scores to an in-process Salesforce emulator: API calls and wall time.

    .venv/bin/python -m benchmarks.pushback
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from benchmarks.common import report, setup

N = 10_000
HOST_CHUNK = 500  # scores per host pushback call while queueing


def connect_to_emulator(sf, conn) -> None:
    """Store a session the emulator accepts (the OAuth dance is measured elsewhere)."""
    from devtools.salesforce_emulator.oauth import AccessToken
    from host.contracts import ConnectionResult

    token = f"00D!bench-{uuid.uuid4().hex}"
    with sf.state.lock:
        sf.state.tokens.access[token] = AccessToken(token, "api refresh_token",
                                                    sf.state.clock.timestamp() + 7200)
    conn.store_result(ConnectionResult(
        external_account_id=sf.state.config.org_id, account_label="bench@example.com",
        credentials={"access_token": token, "instance_url": sf.base_url},
        details={"instance_url": sf.base_url}))


def _updates(ids: list[str]) -> list[dict]:
    from django.utils import timezone

    now = timezone.now()
    return [{"response_id": str(uuid.uuid4()), "contact_id": str(uuid.uuid4()),
             "external_id": eid, "kind": "nps" if i % 3 else "csat", "score": i % 6,
             "answered_at": (now - timedelta(seconds=N - i)).isoformat()}
            for i, eid in enumerate(ids)]


def main() -> None:
    setup("platform_bench_pb")
    from django.conf import settings
    from django.utils import timezone

    from devtools.salesforce_emulator import start_emulator
    from host import pushback
    from host.integrations import get_connection
    from host.models import PushbackItem
    from host.scores import queue_serialized
    from host.tasking import _mark_pending, pending_key
    from host.tasks import push_queued_task
    from tenants.services import create_organization

    sf = start_emulator(port=0, seed="demo", contacts=N, accounts=20, opportunities=0)
    # The emulator is plain HTTP on loopback: allowed only as the operator's login URL.
    settings.SALESFORCE_LOGIN_URL = sf.base_url
    org = create_organization(f"bench-push-{uuid.uuid4().hex[:8]}", "Bench pushback")
    try:
        with org:
            conn = get_connection("salesforce")
            connect_to_emulator(sf, conn)
            ids = [r["Id"] for r in sf.state.records("Contact", include_deleted=False)][:N]
            updates = _updates(ids)
            # As if a writer waited in its queue: no message is sent, this process is the writer.
            _mark_pending(pending_key(org.schema_name, push_queued_task, ["salesforce"]), 600)
            start = time.perf_counter()
            for i in range(0, N, HOST_CHUNK):
                queue_serialized("salesforce", updates[i:i + HOST_CHUNK])
            queued = time.perf_counter() - start

            sf.state.calls.clear()
            sf.state.add_fault("503", count=1, after=10)  # one failed call, retried later
            start = time.perf_counter()
            first = pushback.push_queued(conn)
            later = pushback.push_queued(conn, now=timezone.now() + timedelta(minutes=2))
            elapsed = time.perf_counter() - start
            collections = sf.state.call_counts()["by_endpoint"].get("collections", 0)
            written = PushbackItem.objects.filter(status="written").count()
            pushback.unschedule("salesforce")
        report("pushback 10,000 scores: API calls", collections, "calls", target="<= 50 + retries",
               note=f"(first pass {first}, retry pass {later})")
        report("pushback 10,000 scores: wall time", elapsed, "s")
        report("pushback 10,000 scores: queueing through the host outbox", queued, "s")
        report("pushback 10,000 scores: written", written, "scores", target=f"{N:,}")
    finally:
        sf.stop()
        org.delete(force_drop=True)


if __name__ == "__main__":
    main()
