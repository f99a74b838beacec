"""Outbound Messages: SOAP notifications for won Opportunities, delivered by a background thread
with exponential-backoff retries, batching (<= 100), TTL drop, and duplicate/out-of-order modes."""

import logging
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from urllib.parse import urlsplit, urlunsplit
from xml.sax.saxutils import escape

import requests
from defusedxml import ElementTree

from . import ids
from .clock import fmt_soap
from .web import redact

log = logging.getLogger("salesforce_emulator.outbound")
ACTION_ID = ids.to18("04k5g00000OmSgA")
DEFAULT_FIELDS = ["AccountId", "Amount", "CloseDate", "ContactId", "IsWon", "Name", "StageName",
                  "SystemModstamp"]


@dataclass
class OutboundConfig:
    endpoint_url: str | None = None  # e.g. http://localhost:8000/hooks/salesforce/om?token=...
    fields: list = field(default_factory=lambda: list(DEFAULT_FIELDS))
    send_session_id: bool = False
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 7200.0
    ttl_seconds: float = 86400.0
    batch_size: int = 100
    timeout_seconds: float = 10.0
    duplicate_delivery: bool = False  # after an acked message, send it once more
    out_of_order: bool = False  # newest first, one notification per message
    paused: bool = False


@dataclass
class Notification:
    id: str
    opportunity_id: str
    created: float
    next_at: float
    attempts: int = 0
    deliveries: int = 0
    delivered: bool = False
    dropped: bool = False
    last_error: str | None = None
    last_status: int | None = None

    def status(self) -> dict:
        out = asdict(self)
        out["pending"] = not (self.delivered or self.dropped)
        out["next_attempt_in"] = max(self.next_at - time.monotonic(), 0) if out["pending"] else None
        del out["created"], out["next_at"]
        return out


class Outbound:
    def __init__(self, state):
        self.state = state
        self.cond = threading.Condition()
        self.thread: threading.Thread | None = None
        self.stopping = False
        # a random pod per process keeps notification ids unique across resets and restarts
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        self._ids = ids.IdFactory(pod="5" + "".join(secrets.choice(alphabet) for _ in range(3)))
        self.reset()

    def reset(self) -> None:
        with self.cond:
            self.config = OutboundConfig()
            self.queue: list[Notification] = []
            self.cond.notify_all()

    def configure(self, **settings) -> dict:
        from .schema import OBJECTS

        known = {f.name for f in fields(OutboundConfig)}
        with self.cond:
            for key, value in settings.items():
                if key not in known:
                    raise ValueError(f"unknown outbound setting {key!r}")
                if key == "fields":
                    bad = [f for f in value if OBJECTS["Opportunity"].field(f) is None]
                    if bad:
                        raise ValueError(f"unknown Opportunity fields {bad}")
                setattr(self.config, key, value)
            self.cond.notify_all()
            return asdict(self.config)

    def enqueue(self, opportunity_id: str) -> str:
        now = time.monotonic()
        with self.cond:
            note = Notification(self._ids.new("04l"), opportunity_id, now, now)
            self.queue.append(note)
            self.cond.notify_all()
            return note.id

    def deliveries(self) -> list[dict]:
        with self.cond:
            return [n.status() for n in self.queue]

    def wait_settled(self, timeout: float = 10.0) -> bool:
        """Block until no notification is pending (delivered or dropped); False on timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while any(not (n.delivered or n.dropped) for n in self.queue):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))
            return True

    # ------------------------------------------------------------------ delivery thread
    def start(self) -> None:
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="sf-emulator-outbound", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        if self.thread:
            self.thread.join(timeout=5)

    def _due_batch(self) -> list[Notification] | None:
        """Wait (holding cond) for due notifications; None when stopping."""
        while not self.stopping:
            cfg, now = self.config, time.monotonic()
            pending = [n for n in self.queue if not (n.delivered or n.dropped)]
            for n in pending:
                if now - n.created > cfg.ttl_seconds:
                    n.dropped = True
                    n.last_error = (n.last_error or "") + " (dropped after TTL)"
            pending = [n for n in pending if not n.dropped]
            due = [n for n in pending if n.next_at <= now]
            if due and cfg.endpoint_url and not cfg.paused:
                if cfg.out_of_order:
                    return sorted(due, key=lambda n: n.created, reverse=True)[:1]
                return due[: max(1, min(cfg.batch_size, 100))]
            waits = [n.next_at - now for n in pending if n.next_at > now]
            self.cond.wait(min(waits + [0.5]) if waits or pending else None)
        return None

    def _run(self) -> None:
        while True:
            with self.cond:
                batch = self._due_batch()
                if batch is None:
                    return
                cfg = OutboundConfig(**asdict(self.config))
                for n in batch:
                    n.attempts += 1
            body = self.envelope(batch, cfg)
            status, error = self._post(cfg, body)
            sent = 0 if error else 1
            if error is None and cfg.duplicate_delivery:  # at-least-once: same ids again
                sent += self._post(cfg, body)[1] is None
            with self.cond:
                for n in batch:
                    n.last_status = status
                    if error is None:
                        n.delivered, n.last_error = True, None
                        n.deliveries += sent
                    else:
                        n.last_error = error
                        delay = min(cfg.retry_base_seconds * 2 ** (n.attempts - 1),
                                    cfg.retry_max_seconds)
                        n.next_at = time.monotonic() + delay
                self.cond.notify_all()

    def _post(self, cfg: OutboundConfig, body: str) -> tuple[int | None, str | None]:
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""',
                   "User-Agent": "Salesforce-Emulator-Outbound/1.0"}
        url, host = loopback_target(cfg.endpoint_url or "")
        if host:
            headers["Host"] = host
        try:
            resp = requests.post(url, data=body.encode("utf-8"), headers=headers,
                                 timeout=cfg.timeout_seconds, allow_redirects=False)
        except requests.RequestException as exc:
            log.info("outbound to %s failed: %s", redact(cfg.endpoint_url or ""), type(exc))
            return None, f"{type(exc).__name__}: connection failed"
        if resp.status_code != 200:
            return resp.status_code, f"HTTP {resp.status_code}"
        if not _acked(resp.content):
            return resp.status_code, "response did not contain <Ack>true</Ack>"
        return resp.status_code, None

    def envelope(self, batch: list[Notification], cfg: OutboundConfig) -> str:
        """The SOAP body exactly as Salesforce sends it (latest record state, sorted fields)."""
        from .oauth import AccessToken
        from .schema import OBJECTS

        state = self.state
        with state.lock:
            org, base, version = state.config.org_id, state.base_url, state.version
            session = '<SessionId xsi:nil="true"/>'
            if cfg.send_session_id:
                token = f"{org[:15]}!" + secrets.token_urlsafe(48)
                state.tokens.access[token] = AccessToken(
                    token, "api", state.clock.timestamp() + state.config.access_token_ttl)
                session = f"<SessionId>{escape(token)}</SessionId>"
            notes = []
            for n in batch:
                rec = state.store.tables["Opportunity"].get(n.opportunity_id) or {}
                names = sorted({"Id", *cfg.fields})
                values = "".join(f"<sf:{name}>{escape(_text(rec.get(name)))}</sf:{name}>"
                                 for name in names if OBJECTS["Opportunity"].field(name)
                                 and rec.get(name) is not None)
                notes.append(f"<Notification><Id>{n.id}</Id><sObject xsi:type=\"sf:Opportunity\" "
                             f"xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\">{values}"
                             "</sObject></Notification>")
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
                'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
                '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
                f"<OrganizationId>{org}</OrganizationId><ActionId>{ACTION_ID}</ActionId>"
                f"{session}"
                f"<EnterpriseUrl>{escape(base)}/services/Soap/c/{version}/{org[:15]}</EnterpriseUrl>"
                f"<PartnerUrl>{escape(base)}/services/Soap/u/{version}/{org[:15]}</PartnerUrl>"
                f"{''.join(notes)}</notifications></soapenv:Body></soapenv:Envelope>")


def loopback_target(url: str) -> tuple[str, str]:
    """``*.localhost`` resolves to loopback (RFC 6761) but not through ``requests``: send such
    URLs to 127.0.0.1 and keep the original name in the Host header. Other URLs are unchanged."""
    parts = urlsplit(url)
    name = (parts.hostname or "").lower()
    if name != "localhost" and not name.endswith(".localhost"):
        return url, ""
    netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
    host = name + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), host


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return fmt_soap(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _acked(content: bytes) -> bool:
    try:
        root = ElementTree.fromstring(content)
    except Exception:  # noqa: BLE001 - any parse failure means "not acknowledged"
        return False
    return any(el.tag.rsplit("}", 1)[-1] == "Ack" and (el.text or "").strip() == "true"
               for el in root.iter())
