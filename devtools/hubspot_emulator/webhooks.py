"""App webhooks: events of every portal queued, batched (<= 100 per request, per portal) and
POSTed as a JSON array to the app's target URL with the v1 and v3 signatures, retried on
connection errors, slow answers and any 4xx/5xx (10 retries, compressed backoff), with switches
for duplicate and out-of-order delivery, a stale timestamp and a bad signature [reference §3.2].
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field, fields

import requests

from devtools.salesforce_emulator.outbound import loopback_target

from . import signature
from .web import redact

log = logging.getLogger("hubspot_emulator.webhooks")
DEFAULT_SUBSCRIPTIONS = ["deal.propertyChange:dealstage", "deal.creation", "contact.deletion",
                         "contact.merge", "contact.restore", "contact.privacyDeletion"]
SUBSCRIPTION_IDS = {"deal.propertyChange": 25, "deal.creation": 26, "contact.merge": 27,
                    "contact.deletion": 28, "contact.restore": 29, "contact.privacyDeletion": 30,
                    "contact.creation": 31, "contact.propertyChange": 32}
STALE_SECONDS = 360  # beyond the 5 minutes a receiver accepts


@dataclass
class WebhookConfig:
    target_url: str | None = None  # e.g. http://localhost:8000/api/v1/integrations/hubspot/webhook
    subscriptions: list = field(default_factory=lambda: list(DEFAULT_SUBSCRIPTIONS))
    batch_window_seconds: float = 0.1
    batch_size: int = 100
    max_retries: int = 10
    retry_base_seconds: float = 0.5  # HubSpot spreads 10 retries over 24 h; compressed here
    retry_max_seconds: float = 30.0
    timeout_seconds: float = 5.0  # slower answers count as failures
    duplicate_delivery: bool = False  # after a 2xx, send the same request again
    out_of_order: bool = False  # newest event first, one event per request
    stale_timestamp: bool = False  # X-HubSpot-Request-Timestamp six minutes old (signed)
    bad_signature: bool = False  # sign with the wrong secret
    legacy_event_type: bool = False  # also send the 2023 field name ``eventType``
    paused: bool = False


@dataclass
class Delivery:
    id: int
    portal_id: int
    events: list
    next_at: float
    attempts: int = 0
    delivered: bool = False
    dropped: bool = False
    requests: int = 0
    history: list = field(default_factory=list)
    options: dict = field(default_factory=dict)

    def status(self) -> dict:
        out = asdict(self)
        out["pending"] = not (self.delivered or self.dropped)
        del out["next_at"]
        return out


class Webhooks:
    def __init__(self, state):
        self.state = state
        self.cond = threading.Condition()
        self.thread: threading.Thread | None = None
        self.stopping = False
        self._event_ids = 3_816_279_340 + secrets.randbelow(10_000_000) * 1000
        self.reset()

    def reset(self) -> None:
        with self.cond:
            self.config = WebhookConfig(target_url=self.state.initial.webhook_target_url or None)
            self.pending: list[dict] = []  # events not yet in a delivery
            self.deliveries: list[Delivery] = []
            self.cond.notify_all()

    def configure(self, **settings) -> dict:
        known = {f.name for f in fields(WebhookConfig)}
        with self.cond:
            for key, value in settings.items():
                if key not in known:
                    raise ValueError(f"unknown webhook setting {key!r}")
                setattr(self.config, key, value)
            self.cond.notify_all()
            return asdict(self.config)

    # ------------------------------------------------------------------ events
    def subscribed(self, subscription_type: str, property_name: str | None = None) -> bool:
        subs = self.config.subscriptions
        return subscription_type in subs or (
            property_name is not None and f"{subscription_type}:{property_name}" in subs)

    def event(self, portal_id: int, subscription_type: str, object_id, **extra) -> dict:
        """A complete event as HubSpot delivers it (object ids are numbers here)."""
        with self.cond:
            self._event_ids += 1 + secrets.randbelow(50)
            event_id = self._event_ids
        base = {"eventId": event_id,
                "subscriptionId": SUBSCRIPTION_IDS.get(subscription_type, 99),
                "portalId": int(portal_id), "appId": self.state.config.app_id,
                "occurredAt": self.state.now_ms(), "subscriptionType": subscription_type,
                "attemptNumber": 0, "objectId": int(object_id), "changeSource": "CRM_UI",
                "sourceId": f"userId:{self.state.config.user_id}"}
        base.update(extra)
        return base

    def emit(self, portal_id: int, subscription_type: str, object_id, property_name=None,
             **extra) -> dict | None:
        """Queue an event when the app subscribes to it (CRM changes call this)."""
        if not self.subscribed(subscription_type, property_name):
            return None
        if property_name is not None:
            extra["propertyName"] = property_name
        ev = self.event(portal_id, subscription_type, object_id, **extra)
        with self.cond:
            self.pending.append({"event": ev, "at": time.monotonic()})
            self.cond.notify_all()
        return ev

    def send(self, events: list[dict], wait: bool = False, **options) -> dict:
        """Deliver these events as one request now (``wait``: answer with the outcome) or via the
        queue. ``options``: duplicate, stale_timestamp, bad_signature, target_url."""
        portal = int(events[0]["portalId"]) if events else self.state.config.portal_id
        with self.cond:
            delivery = Delivery(len(self.deliveries) + 1, portal, events, time.monotonic(),
                                options=options)
            self.deliveries.append(delivery)
            if not wait:
                self.cond.notify_all()
                return delivery.status()
            delivery.next_at = float("inf")  # the worker leaves it alone while we send
        self._attempt(delivery)
        with self.cond:
            if not (delivery.delivered or delivery.dropped) and delivery.next_at == float("inf"):
                delivery.next_at = time.monotonic()
            return delivery.status()

    def log(self) -> list[dict]:
        with self.cond:
            return [d.status() for d in self.deliveries]

    def wait_settled(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.pending or any(not (d.delivered or d.dropped) for d in self.deliveries):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))
            return True

    # ------------------------------------------------------------------ worker
    def start(self) -> None:
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="hs-emulator-webhooks", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        if self.thread:
            self.thread.join(timeout=5)

    def _batch_pending(self, now: float) -> None:
        cfg = self.config
        due = [p for p in self.pending if now - p["at"] >= cfg.batch_window_seconds]
        if not due:
            return
        self.pending = [p for p in self.pending if p not in due]
        by_portal: dict[int, list] = {}
        for p in due:
            by_portal.setdefault(p["event"]["portalId"], []).append(p["event"])
        size = max(1, min(cfg.batch_size, 100))
        for portal, events in by_portal.items():
            if cfg.out_of_order:
                events = sorted(events, key=lambda e: e["occurredAt"], reverse=True)
                chunks = [[e] for e in events]
            else:
                chunks = [events[i:i + size] for i in range(0, len(events), size)]
            for chunk in chunks:
                self.deliveries.append(Delivery(len(self.deliveries) + 1, portal, chunk, now))

    def _next(self) -> Delivery | None:
        while not self.stopping:
            now = time.monotonic()
            if self.config.target_url and not self.config.paused:
                self._batch_pending(now)
                for d in self.deliveries:
                    if not (d.delivered or d.dropped) and d.next_at <= now:
                        d.next_at = float("inf")  # claimed
                        return d
            waits = [d.next_at - now for d in self.deliveries
                     if not (d.delivered or d.dropped) and d.next_at != float("inf")]
            if self.pending:
                waits.append(self.config.batch_window_seconds)
            self.cond.wait(max(min(waits + [0.5]), 0.01))
        return None

    def _run(self) -> None:
        while True:
            with self.cond:
                delivery = self._next()
            if delivery is None:
                return
            self._attempt(delivery)

    def _attempt(self, delivery: Delivery) -> None:
        with self.cond:
            cfg = WebhookConfig(**asdict(self.config))
            opts = delivery.options
            url = opts.get("target_url") or cfg.target_url
            attempt = delivery.attempts
            delivery.attempts += 1
        events = [{**e, "attemptNumber": attempt} for e in delivery.events]
        if cfg.legacy_event_type:
            events = [{**e, "eventType": e["subscriptionType"]} for e in events]
        body = json.dumps(events, separators=(",", ":")).encode()
        stale = opts.get("stale_timestamp", cfg.stale_timestamp)
        bad = opts.get("bad_signature", cfg.bad_signature)
        status, error = self._post(url, body, stale, bad, cfg.timeout_seconds)
        sent = 1
        if error is None and opts.get("duplicate", cfg.duplicate_delivery):
            self._post(url, body, stale, bad, cfg.timeout_seconds)
            sent += 1
        with self.cond:
            delivery.requests += sent
            delivery.history.append({"attemptNumber": attempt, "status": status, "error": error})
            if error is None:
                delivery.delivered = True
            elif attempt >= cfg.max_retries or opts.get("retry") is False:
                delivery.dropped = True
            else:
                delay = min(cfg.retry_base_seconds * 2 ** attempt, cfg.retry_max_seconds)
                delivery.next_at = time.monotonic() + delay
            self.cond.notify_all()

    def _post(self, url: str | None, body: bytes, stale: bool, bad: bool,
              timeout: float) -> tuple[int | None, str | None]:
        if not url:
            return None, "no target URL configured"
        secret = self.state.config.client_secret + ("-wrong" if bad else "")
        ts = str(self.state.now_ms() - (STALE_SECONDS * 1000 if stale else 0))
        headers = {"Content-Type": "application/json",
                   "User-Agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/) (emulator)",
                   "X-HubSpot-Signature": signature.v1(secret, body),
                   "X-HubSpot-Signature-Version": "v1",
                   "X-HubSpot-Signature-v3": signature.v3(secret, "POST", url, body, ts),
                   "X-HubSpot-Request-Timestamp": ts}
        target, host = loopback_target(url)
        if host:
            headers["Host"] = host
        try:
            resp = requests.post(target, data=body, headers=headers, timeout=timeout,
                                 allow_redirects=False)
        except requests.RequestException as exc:
            log.info("webhook to %s failed: %s", redact(url), type(exc).__name__)
            return None, f"{type(exc).__name__}: connection failed or timed out"
        if not 200 <= resp.status_code < 300:
            return resp.status_code, f"HTTP {resp.status_code}"
        return resp.status_code, None
