"""The platform under load: many organizations, two workers, Closed Won webhooks at a steady rate.

    DEV_REDIS_PORT=... .venv/bin/python -m benchmarks.load
    LOAD_ORGS=20 LOAD_RATE=5 LOAD_SECONDS=60 ...   # a smaller run
    WORKER_NICENESS=0 ...                          # the workers at the web's CPU priority
    LOAD_WEB_PROCESSES=4 LOAD_WEB_THREADS=1 ...    # gunicorn's sizing (2 x 4 by default)

Starts a Salesforce emulator (one Salesforce org per platform organization, all behind the one
trusted login URL), gunicorn, ``LOAD_WORKERS`` Celery workers (prefork, ``LOAD_CONCURRENCY``
processes each, all queues in the Procfile's order, 4 processes as the Procfile), beat (the
product's sync schedule: every org is connected and never synced, so beat's first minute
enqueues all their syncs at once, a burst in the middle of the webhooks), and a local SMTP
server. Creates ``LOAD_ORGS`` organizations, each connected through the OAuth code path, in
*auto* trigger mode with an active NPS sequence.
Then, for ``LOAD_SECONDS``, it posts Outbound Messages (a Closed Won opportunity with a new
contact each) at ``LOAD_RATE`` per second across the organizations, answers every survey email
with a score, and waits until everything settled. Run twice: undisturbed, then with one worker
killed (``SIGKILL``, its process group) halfway through.

Reported per run: events/s accepted, webhook → email p50/p99 (the SMTP server's ``250`` after
DATA), queue depths over time, and the totals: every accepted event in a final state, one
sending and one email per event, every answer written to Salesforce exactly once (the
emulator counts writes per record). Then beat's fan-out cost per minute with these orgs.
"""

from __future__ import annotations

import email
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

from benchmarks.common import ROOT, free_port, median, percentile, report, setup

ORGS = int(os.environ.get("LOAD_ORGS", "200"))
RATE = float(os.environ.get("LOAD_RATE", "20"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "180"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "2"))
CONCURRENCY = int(os.environ.get("LOAD_CONCURRENCY", "4"))  # the Procfile's WORKER_CONCURRENCY
WEB_PROCESSES = int(os.environ.get("LOAD_WEB_PROCESSES", "2"))
WEB_THREADS = int(os.environ.get("LOAD_WEB_THREADS", "4"))
RUNS = os.environ.get("LOAD_RUNS", "steady,kill").split(",")
DRAIN_LIMIT = float(os.environ.get("LOAD_DRAIN_SECONDS", "600"))
REDIRECT = "http://localhost:8000/oauth/salesforce/callback"
SECRET = "load-webhook-secret-" + uuid.uuid4().hex  # the global fallback secret for every org
PATH = "/api/v1/integrations/salesforce/webhook"
QUEUES = ("delivery", "default", "pushback", "sync")  # in the order of priority, as the Procfile
LOGS = ROOT / ".dev" / "load-logs"
ACCESS_LOG = LOGS / "web-access.log"  # path, status, microseconds per request
STATIC = ROOT / ".dev" / "load-static"
SURVEY_LINK = re.compile(r"https?://([^/\s]+)/s/([A-Za-z0-9_-]{20,64})")


def _wait_port(port: int, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited during startup") from None
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start in 60 s")


class Stack:
    """The emulator, web, workers and beat as child processes (each its own process group)."""

    def __init__(self, emulator_port: int, web_port: int, schedule_dir: str):
        self.emulator_port, self.web_port, self.schedule_dir = emulator_port, web_port, schedule_dir
        self.workers: list[subprocess.Popen] = []
        self.others: list[subprocess.Popen] = []

    def _spawn(self, args: list[str]) -> subprocess.Popen:
        """A child in its own session (as a supervisor starts programs), logging to
        ``.dev/load-logs/<program>.log``. A worker lowers its own CPU priority
        (``WORKER_NICENESS``, ``host/worker_priority.py``)."""
        LOGS.mkdir(parents=True, exist_ok=True)
        name = args[0] if args[0] != "celery" else f"celery-{args[3]}"
        with open(LOGS / f"{name}.log", "a") as log:
            return subprocess.Popen(  # noqa: S603 - fixed argv
                [sys.executable, "-m", *args],
                cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def start_emulator(self) -> None:
        proc = self._spawn(["devtools.salesforce_emulator", "--port", str(self.emulator_port),
                            "--seed", "none", "--auto-approve", "--quiet",
                            "--redirect-uri", REDIRECT])
        self.others.append(proc)
        _wait_port(self.emulator_port, proc, "emulator")

    def start_platform(self) -> None:
        if not (STATIC / "staticfiles.json").exists():  # DEBUG is off: hashed static names
            subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],  # noqa: S603
                           cwd=ROOT, env=os.environ.copy(), check=True)
        web = self._spawn(["gunicorn", "host.wsgi:application", "--bind",
                           f"127.0.0.1:{self.web_port}", "--workers", str(WEB_PROCESSES),
                           "--threads", str(WEB_THREADS), "--log-level", "warning",
                           # the time gunicorn spent on each request, for the webhook's own
                           "--access-logfile", str(ACCESS_LOG),
                           "--access-logformat", "%(U)s %(s)s %(D)s"])
        self.others.append(web)
        for n in range(WORKERS):
            self.start_worker(n)
        self.others.append(self._spawn([
            "celery", "-A", "host", "beat", "-l", "warning",
            "-s", os.path.join(self.schedule_dir, "beat-schedule")]))
        _wait_port(self.web_port, web, "gunicorn")
        self.wait_ready()

    def wait_ready(self) -> None:
        """Until gunicorn answers ``/healthz`` and every worker answers a ping: the figures are
        for a running platform, not for its start-up."""
        import requests

        from host.celery_app import app

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                healthy = requests.get(f"http://127.0.0.1:{self.web_port}/healthz",
                                       timeout=5).status_code == 200
            except requests.RequestException:
                healthy = False
            replies = app.control.ping(timeout=1) or []
            if healthy and len(replies) >= len(self.workers):
                return
            time.sleep(0.5)
        raise RuntimeError("the platform did not become ready in 120 s")

    def start_worker(self, n: int) -> None:
        self.workers.append(self._spawn([
            "celery", "-A", "host", "worker", "-l", "warning", "--concurrency", str(CONCURRENCY),
            "-Q", ",".join(QUEUES), "-n", f"load{n}-{uuid.uuid4().hex[:6]}@%h"]))

    def kill_worker(self) -> None:
        """SIGKILL one worker's whole process group: the main process and its pool children."""
        victim = self.workers.pop(0)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)

    def stop_platform(self) -> None:
        for proc in [*self.workers, *self.others[1:]]:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in [*self.workers, *self.others[1:]]:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.workers, self.others = [], self.others[:1]

    def stop(self) -> None:
        self.stop_platform()
        for proc in self.others:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


class Emulator:
    """The emulator's control API, one Salesforce org at a time (``X-Emulator-Org``)."""

    def __init__(self, base_url: str):
        import requests

        self.base_url, self.http = base_url, requests.Session()

    def add_org(self) -> str:
        response = self.http.post(self.base_url + "/__emulator__/orgs", json={"contacts": 10},
                                  timeout=30)
        response.raise_for_status()
        return response.json()["org_id"]

    def create(self, org: str, obj: str, values: dict) -> str:
        response = self.http.post(f"{self.base_url}/__emulator__/records/{obj}", json=values,
                                  headers={"X-Emulator-Org": org}, timeout=30)
        response.raise_for_status()
        return response.json()["Id"]

    def writes(self, org: str) -> dict:
        return self.http.get(self.base_url + "/__emulator__/writes",
                             headers={"X-Emulator-Org": org}, timeout=30).json()


def _connect(org, base_url: str, sf_org: str) -> None:
    """Our own OAuth code path against the emulator (auto-approve, the org named), then store."""
    import requests

    from host.integrations import get_connection
    from plugins.salesforce import oauth

    url, verifier = oauth.authorization_url(base_url, "load-state-" + uuid.uuid4().hex)
    redirect = requests.get(url + "&emulator_org=" + sf_org, allow_redirects=False,
                            timeout=30).headers["Location"]
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    token = oauth.exchange_code(base_url, code, verifier)
    result = oauth.connection_result(token, oauth.fetch_identity(token), base_url, "production")
    with org:
        get_connection("salesforce").store_result(result)


def prepare_orgs(emulator: Emulator, count: int) -> list[dict]:
    """``count`` organizations, each connected to its own Salesforce org, auto-triggering."""
    from django.db import connection

    from host.integrations import get_connection
    from tenants.services import create_organization
    from tests.sequences.factories import active_sequence

    orgs = []
    for n in range(count):
        slug = f"load-{uuid.uuid4().hex[:8]}"
        org = create_organization(slug, f"Load {n}")
        sf_org = emulator.add_org()
        _connect(org, emulator.base_url, sf_org)
        with org:
            sequence = active_sequence(steps=(("survey", 0),), name="Closed Won NPS")
            get_connection("salesforce").update_settings(lambda values, pk=str(sequence.pk): (
                values.update(trigger_mode="auto", auto_sequence_id=pk)))
        orgs.append({"org": org, "host": org.get_primary_domain().domain, "sf_org": sf_org})
        connection.close()  # one backend per clone keeps the catalog cache small
        if (n + 1) % 20 == 0:
            print(f"  {n + 1}/{count} organizations ready", flush=True)
    return orgs


def make_deals(emulator: Emulator, orgs: list[dict], total: int, tag: str) -> list[dict]:
    """``total`` Closed Won opportunities, each with a new contact, spread across the orgs."""
    def deal(n: int) -> dict:
        target = orgs[n % len(orgs)]
        address = f"won-{tag}-{n}@load.example"
        contact = emulator.create(target["sf_org"], "Contact",
                                  {"LastName": f"Won {n}", "Email": address})
        opportunity = emulator.create(target["sf_org"], "Opportunity", {
            "Name": f"Load {tag} {n}", "StageName": "Closed Won", "CloseDate": "2026-12-01",
            "ContactId": contact})
        return {**target, "email": address, "contact": contact, "opportunity": opportunity,
                "notification": f"04l5g{tag}{n:08d}"[:15] + "AAA"}

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(deal, range(total)))


def outbound_message(deal: dict) -> bytes:
    """A Salesforce Outbound Message with one Closed Won notification (the Flow's shape)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{deal['sf_org']}</OrganizationId>"
        "<ActionId>04k5g00000OmSgAAAS</ActionId>"
        f'<SessionId xsi:nil="true"/><Notification><Id>{deal["notification"]}</Id>'
        '<sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"<sf:Id>{deal['opportunity']}</sf:Id><sf:IsWon>true</sf:IsWon>"
        "<sf:StageName>Closed Won</sf:StageName></sObject>"
        "</Notification></notifications></soapenv:Body></soapenv:Envelope>").encode()


class Answerer:
    """Answers every survey email the SMTP server accepted: GET the page, POST a score."""

    def __init__(self, web_port: int, sink):
        self.web_port, self.sink, self.seen = web_port, sink, len(sink.deliveries)
        self.answered: dict[str, int] = {}  # email -> score
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.pool = ThreadPoolExecutor(4)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            new = self.sink.deliveries[self.seen:]
            self.seen += len(new)
            for _, recipients, body in new:
                self.pool.submit(self._answer, recipients[0] if recipients else "", body)
            time.sleep(0.2)

    def _answer(self, address: str, raw: str) -> None:
        import requests

        message = email.message_from_string(raw)
        text = "".join(part.get_payload(decode=True).decode(errors="replace")
                       for part in message.walk() if part.get_content_type() == "text/plain")
        match = SURVEY_LINK.search(text)
        if not match:
            self.failures.append(f"no survey link for {address}")
            return
        host, token = match[1].split(":")[0], match[2]
        score = sum(address.encode()) % 11
        session, url = requests.Session(), f"http://127.0.0.1:{self.web_port}/s/{token}"
        headers = {"Host": f"{host}:{self.web_port}"}
        try:
            page = session.get(url, headers=headers, timeout=30)
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            # The CSRF cookie is Secure (production settings): plain-HTTP clients send it by hand.
            cookie = f"csrftoken={page.cookies.get('csrftoken', '')}"
            response = session.post(url, headers={**headers, "Cookie": cookie}, timeout=30,
                                    data={"score": score,
                                          "csrfmiddlewaretoken": csrf[1] if csrf else ""},
                                    allow_redirects=False)
            if response.status_code not in (200, 302):
                self.failures.append(f"{address}: HTTP {response.status_code}")
                return
        except requests.RequestException as exc:
            self.failures.append(f"{address}: {exc}")
            return
        self.answered[address] = score

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.pool.shutdown(wait=True)


COMPONENTS = ((" worker ", "workers"), (" beat ", "beat"), ("gunicorn", "web"),
              ("salesforce_emulator", "emulator"), ("postgres", "postgres"),
              ("redis-server", "redis"), ("benchmarks.load", "load generator"))


def cpu_by_component() -> Counter:
    """CPU seconds (user + system) used so far by each part of the stack, from ``/proc``:
    where the machine's two cores go per event. A process counts its own time and its reaped
    children's (PostgreSQL's ended backends, gunicorn's and Celery's replaced children)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used: Counter = Counter()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        for needle, name in COMPONENTS:
            if needle in cmdline:
                used[name] += sum(int(value) for value in fields[11:15]) / ticks
                break
    return used


def queue_depths(client) -> tuple[int, ...]:
    return tuple(client.llen(name) for name in QUEUES)


def server_times(offset: int) -> list[float]:
    """Milliseconds gunicorn spent on each webhook request logged after ``offset``."""
    with open(ACCESS_LOG, "rb") as log:
        log.seek(offset)
        rows = [line.split() for line in log.read().decode(errors="replace").splitlines()]
    return [int(row[2]) / 1000 for row in rows if len(row) == 3 and row[0] == PATH]


def post_events(web_port: int, deals: list[dict], on_half=None):
    """Post one Outbound Message per deal, open loop at RATE per second, from a thread pool."""
    import requests

    local = threading.local()
    sent: dict[str, float] = {}
    answered: list[float] = []  # seconds to the HTTP answer (the store and the enqueue)
    statuses: Counter = Counter()
    interval = 1.0 / RATE

    def post(deal: dict) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started = time.monotonic()
        sent[deal["email"]] = started
        for attempt in range(3):  # Salesforce retries a message it got no answer to
            try:
                response = session.post(
                    f"http://127.0.0.1:{web_port}{PATH}?token={SECRET}",
                    data=outbound_message(deal), timeout=60,
                    headers={"Host": f"{deal['host']}:{web_port}",
                             "Content-Type": "text/xml; charset=utf-8"})
            except requests.RequestException:
                # e.g. gunicorn closed the idle keep-alive connection as this request left
                statuses[f"retried after a connection error ({attempt + 1})"] += 1
                time.sleep(0.5)
                continue
            statuses[response.status_code] += 1
            answered.append(time.monotonic() - started)
            return
        statuses["error"] += 1

    begin = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        for n, deal in enumerate(deals):
            delay = begin + n * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if on_half and n == len(deals) // 2:
                on_half()
            pool.submit(post, deal)
    return sent, statuses, answered, time.monotonic() - begin


def totals(orgs, emulator) -> tuple[int, int, int]:
    """Pending events, automatic sendings, and records Salesforce was written, over all orgs."""
    from host.models import InboundEvent
    from plugins.sequences.models import Sending

    pending = sendings = 0
    for entry in orgs:
        with entry["org"]:
            pending += InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).count()
            sendings += Sending.objects.filter(source="auto").count()
    written = sum(emulator.writes(entry["sf_org"])["records"] for entry in orgs)
    return pending, sendings, written


def settle(orgs, deals, sink, answerer, emulator, before: tuple[int, int, int]) -> dict:
    """Wait until every event is final, every email sent and answered and every score written
    (counts since ``before``: mails, sendings and written records when the run began)."""
    deadline = time.monotonic() + DRAIN_LIMIT
    while True:
        pending, sendings, written = totals(orgs, emulator)
        sendings, written = sendings - before[1], written - before[2]
        mails = len(sink.deliveries) - before[0]
        done = (pending == 0 and sendings >= len(deals) and mails >= len(deals)
                and len(answerer.answered) >= len(deals) and written >= len(deals))
        if done or time.monotonic() > deadline:
            return {"pending": pending, "sendings": sendings, "mails": mails,
                    "answered": len(answerer.answered), "written": written, "settled": done}
        time.sleep(5)


def pushback_seconds(orgs, deals) -> list[float]:
    """Seconds from each survey answer to its score written to Salesforce (the outbox rows)."""
    from host.models import PushbackItem

    contacts: dict[str, list[str]] = {}
    for deal in deals:
        contacts.setdefault(deal["sf_org"], []).append(deal["contact"])
    seconds = []
    for entry in orgs:
        with entry["org"]:
            seconds += [(written - answered).total_seconds() for answered, written in
                        PushbackItem.objects.filter(
                            external_id__in=contacts.get(entry["sf_org"], ()),
                            status=PushbackItem.Status.WRITTEN)
                        .values_list("answered_at", "updated_at")]
    return seconds


def run(name: str, stack: Stack, orgs: list[dict], emulator: Emulator, sink, redis_client) -> None:
    from django.conf import settings

    from host.models import InboundEvent
    from plugins.sequences.models import Sending

    total = int(RATE * SECONDS)
    deals = make_deals(emulator, orgs, total, tag=name[0] + uuid.uuid4().hex[:1])
    mails_before = len(sink.deliveries)
    before = (mails_before, *totals(orgs, emulator)[1:])
    answerer = Answerer(stack.web_port, sink)
    depths: list[tuple[float, tuple[int, ...]]] = []
    sampling = threading.Event()

    def sample() -> None:
        begin = time.monotonic()
        while not sampling.is_set():
            depths.append((time.monotonic() - begin, queue_depths(redis_client)))
            sampling.wait(5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu_before = cpu_by_component()
    access_from = ACCESS_LOG.stat().st_size if ACCESS_LOG.exists() else 0
    print(f"[{name}] {total:,} events at {RATE:g}/s across {len(orgs)} orgs, "
          f"{WORKERS} workers of {CONCURRENCY} processes (WORKER_NICENESS {settings.WORKER_NICENESS}), "
          f"gunicorn {WEB_PROCESSES} x {WEB_THREADS} threads", flush=True)
    sent, statuses, answered, wall = post_events(
        stack.web_port, deals, on_half=stack.kill_worker if name == "kill" else None)
    final = settle(orgs, deals, sink, answerer, emulator, before)
    cpu = cpu_by_component()
    cpu.subtract(cpu_before)  # a killed worker's seconds are lost with it: a lower bound
    sampling.set()
    sampler.join()
    answerer.close()

    wanted = {deal["email"] for deal in deals}
    arrived: dict[str, float] = {}
    per_address: Counter = Counter()
    for at, recipients, _ in sink.deliveries[mails_before:]:
        for address in recipients:
            if address in wanted:
                per_address[address] += 1
                arrived.setdefault(address, at)
    latencies = [arrived[a] - sent[a] for a in arrived if a in sent]
    events = Counter()
    sendings_per_event = Counter()
    for deal in deals:
        with deal["org"]:
            event = InboundEvent.objects.filter(
                dedupe_key__contains=deal["notification"]).values_list("status", flat=True)
            events[next(iter(event), "missing")] += 1
            sendings_per_event[Sending.objects.filter(
                reference__istartswith=deal["opportunity"][:15]).count()] += 1
    pushed = pushback_seconds(orgs, deals)
    writes = {(deal["sf_org"], deal["contact"]): 0 for deal in deals}
    for org in orgs:
        ids = [d["contact"] for d in deals if d["sf_org"] == org["sf_org"]]
        for chunk in range(0, len(ids), 100):
            counts = emulator.http.get(
                emulator.base_url + "/__emulator__/writes", timeout=30,
                params={"ids": ",".join(ids[chunk:chunk + 100])},
                headers={"X-Emulator-Org": org["sf_org"]}).json().get("counts", {})
            for rid, n in counts.items():
                writes[org["sf_org"], rid] = n

    label = f"load {name}"
    report(f"{label}: events accepted per second", total / wall, "events/s",
           target=f">= {RATE:g}", note=f"{total:,} events, HTTP {dict(statuses)}")
    if answered:
        report(f"{label}: webhook answered (HTTP 200), p99", percentile(answered, 99) * 1000,
               "ms", target="<= 50 ms", note=f"p50 {median(answered) * 1000:.1f} ms, with the "
                                              "workers busy on the same cores; seen by the "
                                              "load generator, queueing and its GIL included")
        served = server_times(access_from)
        if served:
            report(f"{label}: webhook served by gunicorn, p99", percentile(served, 99), "ms",
                   target="<= 50 ms", note=f"p50 {median(served):.1f} ms, {len(served):,} "
                                           "requests (gunicorn's own request time)")
    if latencies:
        report(f"{label}: webhook to email sent, p50", median(latencies), "s")
        report(f"{label}: webhook to email sent, p99", percentile(latencies, 99), "s",
               target="<= 5 s")
    lost = total - len(arrived)
    report(f"{label}: events without an email", lost, "events", target="0",
           note=f"events {dict(events)}; sendings per event {dict(sendings_per_event)}; "
                f"emails per address max {max(per_address.values(), default=0)}; "
                f"settled {final['settled']} {final}")
    written_once = sum(1 for n in writes.values() if n == 1)
    report(f"{label}: answers written to Salesforce exactly once", written_once, "contacts",
           target=f"{total:,}", note=f"answered {len(answerer.answered):,}; written twice or more "
                                     f"{sum(1 for n in writes.values() if n > 1)}; not written "
                                     f"{sum(1 for n in writes.values() if n == 0)}; answer "
                                     f"failures {len(answerer.failures)} {answerer.failures[:3]}")
    if pushed:
        report(f"{label}: survey answer to score written to Salesforce, p99",
               percentile(pushed, 99), "s", note=f"p50 {median(pushed):.1f} s, {len(pushed):,} "
                                                 "scores (the pushback queue yields to events)")
    peak = [max(d[1][i] for d in depths) for i in range(len(QUEUES))] if depths else []
    series = " ".join(f"{int(t)}s:{'/'.join(map(str, d))}" for t, d in depths[::max(
        1, len(depths) // 12)])
    print(f"[{name}] queue depths {'/'.join(QUEUES)} over time: {series}")
    print(f"[{name}] CPU ms per event: " + ", ".join(
        f"{part} {seconds * 1000 / total:.0f}" for part, seconds in cpu.most_common()))
    report(f"{label}: CPU per event, whole stack", sum(cpu.values()) * 1000 / total, "ms",
           target=f"<= {2000 / RATE:.0f} ms (2 cores at {RATE:g} events/s)")
    report(f"{label}: peak queue depth ({', '.join(QUEUES)})", max(peak or [0]), "tasks",
           note=f"{dict(zip(QUEUES, peak, strict=True))}")


def fanout_cost(orgs: list[dict]) -> None:
    from benchmarks.beat_fanout import current_minute, measure

    elapsed, statements, tasks = measure(current_minute)
    report(f"beat fan-out per minute with {len(orgs)} load orgs", elapsed, "ms",
           note=f"{statements} SQL statements, {tasks} tasks")


def main() -> None:
    from devtools.smtp_sink import SmtpSink

    emulator_port, web_port = free_port(), free_port()
    sink = SmtpSink()
    os.environ.update(
        SALESFORCE_LOGIN_URL=f"http://127.0.0.1:{emulator_port}",
        SALESFORCE_CLIENT_ID="demo-client-id", SALESFORCE_CLIENT_SECRET="demo-client-secret",  # noqa: S106
        SALESFORCE_REDIRECT_URI=REDIRECT, SALESFORCE_WEBHOOK_SECRET=SECRET,
        EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
        LOG_FORMAT="text", STATIC_ROOT=str(STATIC))
    setup("platform_bench_load")
    import redis
    from django.conf import settings
    from django.db import connection

    redis_client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    redis_client.flushdb()  # the benchmark's own Redis database: no stale tasks
    with tempfile.TemporaryDirectory() as schedule_dir:
        stack = Stack(emulator_port, web_port, schedule_dir)
        stack.start_emulator()
        emulator = Emulator(f"http://127.0.0.1:{emulator_port}")
        orgs: list[dict] = []
        try:
            started = time.perf_counter()
            orgs = prepare_orgs(emulator, ORGS)
            print(f"{ORGS} organizations created and connected in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
            connection.close()
            for name in RUNS:
                stack.start_platform()
                try:
                    run(name, stack, orgs, emulator, sink, redis_client)
                finally:
                    stack.stop_platform()
            fanout_cost(orgs)
        finally:
            stack.stop()
            sink.stop()
            connection.set_schema_to_public()
            for entry in orgs if not os.environ.get("LOAD_KEEP") else ():
                entry["org"].delete(force_drop=True)


if __name__ == "__main__":
    main()
