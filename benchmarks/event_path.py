"""One Closed Won event's way through the platform, stage by stage: SQL statements and CPU.

    .venv/bin/python -m benchmarks.event_path

The load benchmark (``benchmarks.load``) says whether two cores keep up with 20 events per
second; this one says where an event's cost goes. In one process, against an in-process
Salesforce emulator and a local SMTP server, ``N`` events each go through: the webhook request
(Django's test client, the real middleware), ``host.process_new_events``, ``sequences.deliver``,
the survey page and its answer (two requests), and ``host.push_queued``. Tasks run through
``Task.apply`` with the org's schema in the headers, so their bodies and tenant switch are
measured, not the broker. Reported per stage: SQL statements (with ``SET search_path``) per
event and CPU milliseconds per event in this process (the emulator's thread included).

    EVENT_PATH_PROFILE="process_new_events task" .venv/bin/python -m benchmarks.event_path

prints that stage's cProfile (the 40 functions with the most cumulative time) as well, and
``EVENT_PATH_SQL="deliver task"`` the statements of that stage for the last event.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import time
import uuid
from collections import defaultdict

from benchmarks.common import report, setup
from benchmarks.load import cpu_by_component
from benchmarks.pushback import connect_to_emulator

N = 200
WARMUP = 20
SECRET = "path-secret-" + uuid.uuid4().hex  # the global fallback webhook secret
SURVEY_LINK = re.compile(r"https?://[^/\s]+(/s/[A-Za-z0-9_-]{20,64})")


class Stages:
    """SQL statements and CPU seconds, summed per stage."""

    def __init__(self):
        self.queries: dict[str, int] = defaultdict(int)
        self.cpu: dict[str, float] = defaultdict(float)
        self.counting = False
        self.profiled = os.environ.get("EVENT_PATH_PROFILE", "")
        self.profile = cProfile.Profile()
        self.shown = os.environ.get("EVENT_PATH_SQL", "")
        self.last_sql: list[str] = []

    def measure(self, stage: str, action):
        from django.db import connection

        statements = []

        def count(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        profiling = self.counting and stage == self.profiled
        with connection.execute_wrapper(count):
            started = time.process_time()
            if profiling:
                self.profile.enable()
            result = action()
            if profiling:
                self.profile.disable()
            elapsed = time.process_time() - started
        if self.counting:
            self.queries[stage] += len(statements)
            if stage == self.shown:
                self.last_sql = statements
            self.cpu[stage] += elapsed
        return result


def _event(sf, n: int) -> tuple[str, bytes]:
    from benchmarks.load import outbound_message

    address = f"path-{n}-{uuid.uuid4().hex[:6]}@bench.example"
    contact = sf.state.create("Contact", {"LastName": f"Won {n}", "Email": address})["Id"]
    opportunity = sf.state.create("Opportunity", {
        "Name": f"Deal {n}", "StageName": "Closed Won", "CloseDate": "2026-12-01",
        "ContactId": contact})["Id"]
    return address, outbound_message({"sf_org": sf.state.config.org_id, "opportunity": opportunity,
                                      "notification": f"04l5g{uuid.uuid4().hex[:10]}AAA"})


def _one(stages: Stages, sf, sink, org, host: str, n: int) -> None:
    from django.test import Client

    from host.models import InboundEvent
    from host.tasks import process_new_events_task, push_queued_task
    from plugins.sequences.models import Sending
    from plugins.sequences.tasks import deliver_task

    address, body = _event(sf, n)
    headers = {"_schema_name": org.schema_name}
    client = Client(HTTP_HOST=host)
    response = stages.measure("webhook request", lambda: client.post(
        f"/api/v1/integrations/salesforce/webhook?token={SECRET}",
        data=body, content_type="text/xml; charset=utf-8"))
    assert response.status_code == 200, response.content
    # As from the broker (the task clears the wake-up row the webhook wrote).
    stages.measure("process_new_events task", lambda: process_new_events_task.apply(
        args=("salesforce",), headers=headers))
    with org:
        assert InboundEvent.objects.latest("pk").status == InboundEvent.Status.PROCESSED
    with org:
        sending_id = str(Sending.objects.get(contact__email=address).pk)
    mails = len(sink.deliveries)
    stages.measure("deliver task", lambda: deliver_task.apply(
        args=([sending_id],), headers=headers))
    assert len(sink.deliveries) == mails + 1, "no email sent"
    link = SURVEY_LINK.search(sink.deliveries[-1][2].replace("=\n", ""))
    page = stages.measure("survey page", lambda: client.get(link[1]))
    assert page.status_code == 200
    answer = stages.measure("survey answer", lambda: client.post(link[1], {"score": n % 11}))
    assert answer.status_code in (200, 302), answer.status_code
    stages.measure("push_queued task", lambda: push_queued_task.apply(
        args=("salesforce",), headers=headers))


def main() -> None:
    from devtools.smtp_sink import SmtpSink

    sink = SmtpSink()
    os.environ.update(EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
                      SALESFORCE_WEBHOOK_SECRET=SECRET)
    setup("platform_bench_path")
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection

    from devtools.salesforce_emulator import start_emulator
    from host.integrations import get_connection
    from tenants.services import create_organization
    from tests.sequences.factories import active_sequence

    sf = start_emulator(port=0, seed=None)
    settings.SALESFORCE_LOGIN_URL = sf.base_url
    settings.ALLOWED_HOSTS = ["*"]
    org = create_organization(f"bench-path-{uuid.uuid4().hex[:8]}", "Bench event path")
    stages = Stages()
    try:
        with org:
            connect_to_emulator(sf, get_connection("salesforce"))
            sequence = active_sequence(steps=(("survey", 0),), name="Closed Won NPS")
            get_connection("salesforce").update_settings(lambda values: values.update(
                trigger_mode="auto", auto_sequence_id=str(sequence.pk)))
        host = org.get_primary_domain().domain
        for n in range(WARMUP + N):
            stages.counting = n >= WARMUP
            if n == WARMUP:
                postgres_before = cpu_by_component()["postgres"]
            cache.clear()  # Redis: the pushback writer's mark (every answer is written) and messages
            _one(stages, sf, sink, org, host, n)
        total_queries = sum(stages.queries.values()) / N
        postgres = (cpu_by_component()["postgres"] - postgres_before) * 1000 / N
        total_cpu = sum(stages.cpu.values()) * 1000 / N
        for stage in stages.queries:
            report(f"event path: {stage}", stages.cpu[stage] * 1000 / N, "ms CPU",
                   note=f"{stages.queries[stage] / N:.1f} SQL statements")
        report("event path: PostgreSQL", postgres, "ms CPU", note="its processes' CPU per event")
        report("event path: whole event", total_cpu, "ms CPU",
               note=f"{total_queries:.1f} SQL statements; {N} events after {WARMUP} warm-up")
        for sql in stages.last_sql:
            print("   ", sql[:220])
        if stages.profiled:
            pstats.Stats(stages.profile).sort_stats("cumulative").print_stats(40)
    finally:
        connection.set_schema_to_public()
        org.delete(force_drop=True)
        sf.stop()
        sink.stop()


if __name__ == "__main__":
    main()
