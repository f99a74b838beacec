"""Results at 100,000 responses: the dashboard page, the responses page and the CSV export.

    .venv/bin/python -m benchmarks.dashboard

Creates its own organization (dropped afterwards) in the benchmark database with 20,000
contacts, 110,000 sendings sent over the last 85 days (100,000 answered) in three sequences and
three sources, then times the pages in-process (the full Django stack: middleware, templates,
PostgreSQL; no socket) and streams the CSV export, measuring how much the process's resident
memory grows while it does (the peak RSS, reset before the export through /proc/self/clear_refs).
``RESPONSES`` in the environment changes the size.
"""

from __future__ import annotations

import os
import time
import uuid

from benchmarks.common import median, report, setup

RESPONSES = int(os.environ.get("RESPONSES", "100000"))
SENDINGS = RESPONSES + RESPONSES // 10
CONTACTS = max(1, RESPONSES // 5)
RUNS = 7


def seed(sequences, nps_survey, csat_survey) -> None:
    """Bulk rows by SQL (minutes of ORM inserts otherwise), in the org's schema."""
    from django.db import connection

    nps_a, nps_b, csat = (str(s.pk) for s in sequences)
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO host_contact (id, email, first_name, last_name, phone, title, company,
                preferred_language, custom_fields, tags, unsubscribed, created_at, updated_at)
            SELECT gen_random_uuid(), 'c' || g || '@bench.example', 'First' || g, 'Last' || g,
                '', '', '', 'en', '{}', '[]', false, now(), now()
            FROM generate_series(1, %s) g""", [CONTACTS])
        cursor.execute("""
            WITH c AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM host_contact)
            INSERT INTO sequences_sending (id, contact_id, sequence_id, status, source, reference,
                provider, idempotency_key, token, next_position, attempts, failure_reason,
                created_at, updated_at, sent_at, opened_at, completed_at)
            SELECT gen_random_uuid(), c.id, (ARRAY[%s, %s, %s]::uuid[])[1 + g %% 3],
                CASE WHEN g <= %s THEN 'completed' ELSE 'sent' END,
                (ARRAY['manual', 'auto', 'api'])[1 + (g / 3) %% 3], '', '',
                md5('k' || g), md5('t' || g), 3, 0, '', t.at, t.at, t.at,
                CASE WHEN g <= %s OR g %% 2 = 0 THEN t.at END,
                CASE WHEN g <= %s THEN t.at + interval '1 hour' END
            FROM generate_series(1, %s) g
            JOIN c ON c.rn = 1 + g %% %s
            CROSS JOIN LATERAL (SELECT now() - interval '1 day' * (g %% 85)
                                - interval '1 minute' * (g %% 1440) AS at) t""",
                       [nps_a, nps_b, csat, RESPONSES, RESPONSES, RESPONSES, SENDINGS, CONTACTS])
        cursor.execute("""
            INSERT INTO sequences_response (id, sending_id, survey_id, contact_id, score, comment,
                answered_at)
            SELECT gen_random_uuid(), s.id,
                CASE WHEN s.sequence_id = %s::uuid THEN %s::uuid ELSE %s::uuid END, s.contact_id,
                CASE WHEN s.sequence_id = %s::uuid THEN 1 + abs(hashtext(s.token)) %% 5
                     ELSE abs(hashtext(s.token)) %% 11 END,
                CASE WHEN abs(hashtext(s.idempotency_key)) %% 3 = 0
                     THEN 'Delivery was quick, the support answered in a day; thanks.' ELSE '' END,
                s.completed_at
            FROM sequences_sending s WHERE s.completed_at IS NOT NULL""",
                       [csat, str(csat_survey.pk), str(nps_survey.pk), csat])
        cursor.execute("ANALYZE host_contact; ANALYZE sequences_sending; "
                       "ANALYZE sequences_response")


def timed(client, path: str, params=None) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples, queries = [], 0
    for run in range(RUNS + 1):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(path, params or {})
            elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path}: status {response.status_code}")
        if run:  # the first is a warm-up
            samples.append(elapsed)
        queries = len(captured.captured_queries)
    return samples, queries


def rss_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def export(client) -> tuple[float, int, int, int]:
    """Seconds, bytes, rows, and the growth of peak RSS (KiB) while streaming the CSV."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # resets the peak (VmHWM) to the current RSS
    before = rss_kib("VmRSS")
    start = time.perf_counter()
    response = client.get("/responses.csv")
    size = rows = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - start
    return elapsed, size, rows - 1, rss_kib("VmHWM") - before


def main() -> None:
    setup()
    from django.db import connection
    from django.test import Client

    from plugins.sequences.models import Sequence, Step, Survey
    from tenants.services import create_organization

    slug = f"bench-results-{uuid.uuid4().hex[:8]}"
    org = create_organization(slug, "Bench results", owner_email=f"owner@{slug}.example",
                              owner_password="bench-password-1")
    try:
        with org:
            nps, csat = Survey.objects.get(kind="nps"), Survey.objects.get(kind="csat")
            sequences = []
            for name, survey in (("Post-purchase NPS", nps), ("Onboarding NPS", nps),
                                 ("Support CSAT", csat)):
                sequence = Sequence.objects.create(name=name)
                Step.objects.create(sequence=sequence, position=1, kind="survey", survey=survey)
                sequence.set_status("active")
                sequences.append(sequence)
            start = time.perf_counter()
            seed(sequences, nps, csat)
            print(f"seeded {RESPONSES:,} responses in {time.perf_counter() - start:.1f} s")
        connection.set_schema_to_public()
        client = Client(HTTP_HOST=org.get_primary_domain().domain)
        client.force_login(org.memberships.get().user)
        size = f"{RESPONSES:,} responses"
        home, home_queries = timed(client, "/")
        report(f"dashboard ({size}): GET / median", median(home), "ms", target="<= 1000 ms",
               note=f"max {max(home):.0f} ms, {home_queries} queries")
        report(f"dashboard ({size}): queries per page", home_queries, "queries",
               note="the same at 10 responses (tests/sequences/test_results.py)")
        year, _ = timed(client, "/", {"period": "365"})
        report(f"dashboard ({size}): GET /?period=365 median", median(year), "ms")
        listing, listing_queries = timed(client, "/responses")
        report(f"responses page ({size}): GET /responses median", median(listing), "ms",
               note=f"{listing_queries} queries")
        last, _ = timed(client, "/responses", {"page": "1000", "band": "detractor",
                                               "source": "api"})
        report(f"responses page ({size}): filtered, page 1000 median", median(last), "ms")
        elapsed, nbytes, rows, grown = export(client)
        report(f"CSV export ({size}): time", elapsed, "s", note=f"{rows:,} rows, "
               f"{nbytes / 1e6:.1f} MB, {rows / elapsed:,.0f} rows/s")
        report(f"CSV export ({size}): peak RSS growth", grown / 1024, "MiB",
               target="flat (streamed)")
    finally:
        connection.set_schema_to_public()
        org.delete(force_drop=True)


if __name__ == "__main__":
    main()
