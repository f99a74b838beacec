"""Emulator configuration and the whole in-memory state: the app, portals, tokens, faults,
call counters and rate-limit windows. Handlers and tests hold ``lock`` while touching it."""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field, fields

from devtools.salesforce_emulator.clock import Clock

from .portal import Portal

DEFAULT_REDIRECT_URI = "http://localhost:8000/oauth/hubspot/callback"
CLIENT_ID = "demo-hubspot-client-id"
CLIENT_SECRET = "demo-hubspot-client-secret"  # noqa: S105 - demo credential of a local fake
PORTAL_ID = 62515001
APP_ID = 1160452
REQUIRED_SCOPES = ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write",
                   "crm.objects.deals.read", "crm.schemas.contacts.write"]


@dataclass
class EmulatorConfig:
    """The app, the default portal and behaviour switches; all changeable via ``/config``."""

    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    app_id: int = APP_ID
    app_name: str = "Demeterrr Surveys (demo)"
    redirect_uris: list = field(default_factory=lambda: [DEFAULT_REDIRECT_URI])
    required_scopes: list = field(default_factory=lambda: list(REQUIRED_SCOPES))
    optional_scopes: list = field(default_factory=lambda: ["crm.schemas.contacts.read"])
    portal_id: int = PORTAL_ID
    user_email: str = "admin@acme-demo.example"
    user_id: int = 88842095
    auto_approve: bool = False  # tests: skip the Allow page and redirect at once
    access_token_ttl: int = 1800
    code_ttl: int = 300
    rotate_refresh_tokens: bool = False
    reject_legacy_paths: bool = False  # answer 404 on /oauth/v1, /crm/v3, /crm/v4 (after sunset)
    first_contact_id: int = 99_999_999_901  # ids cross from 11 to 12 digits at the 100th contact
    first_deal_id: int = 5_790_939_000
    search_lag_seconds: float = 0.0  # search sees a write only this long after it
    ten_second_limit: int = 110  # per portal, non-search calls [reference §5.1]
    search_per_second: int = 5
    daily_limit: int = 0  # 0 = none (OAuth apps publish none)
    rate_limits: bool = True
    webhook_target_url: str = ""  # the app's webhook URL after every reset (``make run``)
    base_url: str = ""
    log_requests: bool = False


FAULTS = {  # kind -> (status, body or None for HTML, extra headers)
    "TEN_SECONDLY_ROLLING": (429, {"message": "You have reached your ten_secondly_rolling limit.",
                                   "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"},
                             {}),
    "DAILY": (429, {"message": "You have reached your daily limit.", "errorType": "RATE_LIMIT",
                    "policyName": "DAILY"}, {}),
    "SECONDLY": (429, {"message": "You have reached your secondly limit.",
                       "errorType": "RATE_LIMIT"}, {}),
    "RATE_LIMITS_500": (500, {"message": "internal error", "category": "RATE_LIMITS"}, {}),
    "INTERNAL_ERROR": (500, {"message": "internal error"}, {}),
    "BAD_GATEWAY": (502, None, {}),
    "SERVICE_UNAVAILABLE": (503, {"message": "Service Unavailable"}, {}),
    "LOCKED": (423, {"message": "Locked", "category": "LOCKED"}, {}),
    "MIGRATION_IN_PROGRESS": (477, {"message": "Migration in progress"}, {"Retry-After": "1"}),
    "EXPIRED_AUTHENTICATION": (401, {"message": "The OAuth token used to make this call expired "
                                                "0 second(s) ago.",
                                     "category": "EXPIRED_AUTHENTICATION"}, {}),
}
FAULT_ALIASES = {"429": "TEN_SECONDLY_ROLLING", "500": "INTERNAL_ERROR", "502": "BAD_GATEWAY",
                 "503": "SERVICE_UNAVAILABLE", "423": "LOCKED", "477": "MIGRATION_IN_PROGRESS",
                 "401": "EXPIRED_AUTHENTICATION"}


@dataclass
class Fault:
    kind: str
    remaining: int | None = None  # fail this many matching calls (None = for ``seconds``)
    until: float | None = None
    skip: int = 0  # let this many matching calls pass first
    target: str = "api"  # api | search | token | all


@dataclass
class AccessToken:
    token: str
    hub_id: int
    scopes: list
    expires_at: float
    refresh: str | None = None


@dataclass
class RefreshToken:
    token: str
    hub_id: int
    scopes: list
    client_id: str
    revoked: bool = False


class EmulatorState:
    def __init__(self, config: EmulatorConfig | None = None, **overrides):
        self.initial = copy.deepcopy(config or EmulatorConfig())
        for key, value in overrides.items():
            if not hasattr(self.initial, key):
                raise TypeError(f"unknown emulator setting {key!r}")
            setattr(self.initial, key, value)
        self.lock = threading.RLock()
        self.clock = Clock()
        from .webhooks import Webhooks  # local import: webhooks reads this module's state

        self.webhooks = Webhooks(self)
        self.reset()

    # ------------------------------------------------------------------ lifecycle
    def reset(self, seed: str | None = None, **seed_args) -> None:
        """Initial configuration, real time, one empty portal, no tokens, no counters."""
        with self.lock:
            base_url = getattr(self, "config", self.initial).base_url
            self.config = copy.deepcopy(self.initial)
            self.config.base_url = base_url or self.initial.base_url
            self.clock.reset()
            self.portals: dict[int, Portal] = {}
            self.portal(self.config.portal_id)
            self.codes: dict[str, dict] = {}
            self.pending: dict[str, dict] = {}
            self.access: dict[str, AccessToken] = {}
            self.refresh: dict[str, RefreshToken] = {}
            self.faults: list[Fault] = []
            self.calls: Counter = Counter()
            self.styles: Counter = Counter()
            self.rate_limited: Counter = Counter()
            self.windows: dict[tuple, deque] = {}
            self.daily: Counter = Counter()
            self.writes: list[dict] = []
            self.webhooks.reset()
            if seed:
                self.seed(seed, **seed_args)

    def portal(self, hub_id: int | None = None) -> Portal:
        """The portal with this id (created on first use); the default portal without one."""
        hub_id = int(hub_id or self.config.portal_id)
        with self.lock:
            if hub_id not in self.portals:
                self.portals[hub_id] = Portal(hub_id, self.config.first_contact_id,
                                              self.config.first_deal_id)
            return self.portals[hub_id]

    def seed(self, dataset: str = "demo", portal: int | None = None, **kwargs) -> dict:
        from .seed import seed_contacts, seed_demo

        if dataset not in ("demo", "contacts", "empty"):
            raise ValueError(f"unknown dataset {dataset!r}")
        with self.lock:
            target = self.portal(portal)
            if dataset == "demo":
                return seed_demo(self, target, **kwargs)
            if dataset == "contacts":
                return seed_contacts(self, target, **kwargs)
            return {}

    def configure(self, **settings) -> dict:
        with self.lock:
            known = {f.name for f in fields(EmulatorConfig)}
            for key, value in settings.items():
                if key not in known:
                    raise ValueError(f"unknown setting {key!r}")
                current = getattr(self.config, key)
                if isinstance(current, bool | list) and type(value) is not type(current):
                    raise ValueError(f"{key} must be a {type(current).__name__}")
                setattr(self.config, key, value)
            return asdict(self.config)

    @property
    def base_url(self) -> str:
        return self.config.base_url

    def now_ms(self) -> int:
        return int(self.clock.timestamp() * 1000)

    # ------------------------------------------------------------------ tokens
    def issue_tokens(self, hub_id: int, scopes: list, refresh: str | None = None) -> dict:
        """A fresh access token (and refresh token unless ``refresh`` is kept) — §1.4 body."""
        with self.lock:
            prefix = self.portal(hub_id).hublet
            if refresh is None or self.config.rotate_refresh_tokens:
                if refresh in self.refresh:
                    self.refresh[refresh].revoked = True
                refresh = f"{prefix}-" + "-".join(secrets.token_hex(n) for n in (2, 2, 2, 2, 6))
                self.refresh[refresh] = RefreshToken(refresh, hub_id, list(scopes),
                                                     self.config.client_id)
            # HubSpot's tokens vary in size; some exceed 512 characters, so store them unbounded.
            access = "C" + secrets.token_urlsafe(250 + secrets.randbelow(200))
            ttl = self.config.access_token_ttl
            self.access[access] = AccessToken(access, hub_id, list(scopes),
                                              self.clock.timestamp() + ttl, refresh)
            return {"token_type": "bearer", "refresh_token": refresh, "access_token": access,
                    "hub_id": hub_id, "user_id": self.config.user_id, "scopes": list(scopes),
                    "expires_in": ttl, "token_use": "access_token"}

    def expire_tokens(self) -> int:
        with self.lock:
            for token in self.access.values():
                token.expires_at = min(token.expires_at, self.clock.timestamp())
            return len(self.access)

    # ------------------------------------------------------------------ faults, counters
    def add_fault(self, kind: str, count: int | None = None, seconds: float | None = None,
                  after: int = 0, target: str = "api") -> Fault:
        kind = FAULT_ALIASES.get(str(kind), str(kind).upper())
        if kind not in FAULTS or target not in ("api", "search", "token", "all"):
            raise ValueError(f"unknown fault kind {kind!r} or target {target!r}")
        if count is None and seconds is None:
            count = 1
        fault = Fault(kind, count, None if seconds is None else time.monotonic() + seconds,
                      int(after), target)
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, target: str) -> str | None:
        """Consume the fault that applies to this call (``search`` calls match ``api`` too)."""
        with self.lock:
            now = time.monotonic()
            self.faults = [f for f in self.faults if f.until is None or f.until > now]
            for fault in self.faults:
                if fault.target not in ("all", target) and not (
                        fault.target == "api" and target == "search"):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                return fault.kind
            return None

    def counts(self) -> dict:
        with self.lock:
            return {"total": sum(self.calls.values()), "by_endpoint": dict(self.calls),
                    "by_style": dict(self.styles), "rate_limited": dict(self.rate_limited),
                    "rate_limited_total": sum(self.rate_limited.values())}

    def clear_counts(self) -> None:
        with self.lock:
            self.calls.clear()
            self.styles.clear()
            self.rate_limited.clear()
