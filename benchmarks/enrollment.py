"""Enroll 10,000 contacts in one call: wall time, database round trips, sendings created.

    .venv/bin/python -m benchmarks.enrollment
"""

from __future__ import annotations

import time
import uuid

from benchmarks.common import report, setup

N = 10_000


def main() -> None:
    setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from host.contracts import TriggerContact, TriggerRequest
    from host.trigger import enroll
    from plugins.sequences.models import Sequence, Step, Survey
    from tenants.services import create_organization

    org = create_organization(f"bench-enroll-{uuid.uuid4().hex[:8]}", "Bench enroll")
    try:
        with org:
            sequence = Sequence.objects.create(name="Bench")
            Step.objects.create(sequence=sequence, position=1, kind="survey",
                                survey=Survey.objects.get(kind="nps"))
            sequence.set_status("active")
            rows = {}
            for n in (1_000, N):
                tag = uuid.uuid4().hex[:6]
                contacts = [TriggerContact(email=f"c{i}-{tag}@example.com", first_name=f"C{i}")
                            for i in range(n)]
                request = TriggerRequest(sequence_id=sequence.pk, source="api", contacts=contacts)
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    result = enroll(request)
                    elapsed = time.perf_counter() - start
                rows[n] = (elapsed, len(queries.captured_queries), result.sendings_created)
        elapsed, round_trips, created = rows[N]
        report("enroll 10,000 contacts: wall time", elapsed, "s", target="<= 3 s")
        report("enroll 10,000 contacts: database round trips", round_trips, "queries",
               note=f"(1,000 contacts: {rows[1_000][1]} queries)")
        report("enroll 10,000 contacts: sendings created", created, "sendings")
        report("enroll: round trips per 1,000 contacts", round_trips / (N / 1000), "queries")
    finally:
        org.delete(force_drop=True)


if __name__ == "__main__":
    main()
