"""Emulator configuration and the whole in-memory state (records, tokens, faults, usage)."""

import copy
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, fields

from . import ids
from .clock import Clock
from .oauth import TokenStore
from .orgsetup import OrgSetup
from .outbound import Outbound
from .schema import OBJECTS, lookup
from .soql import compile_query, execute
from .store import Store, WriteError, check_values

DEFAULT_REDIRECT_URI = "http://localhost:8000/oauth/salesforce/callback"
ORG_ID = ids.to18("00D5g00000AcmEd")
USER_ID = ids.to18("0055g00000AdMin")


@dataclass
class EmulatorConfig:
    """Connected-app, org and behaviour settings; all changeable at run time via the control API."""

    client_id: str = "demo-client-id"
    client_secret: str = "demo-client-secret"  # noqa: S105 - demo credential of a local fake
    redirect_uris: list = field(default_factory=lambda: [DEFAULT_REDIRECT_URI])
    app_name: str = "Demeterrr Surveys (demo)"
    allowed_scopes: list = field(default_factory=lambda: [
        "api", "refresh_token", "offline_access", "id", "openid", "profile", "email", "web",
        "full"])
    org_id: str = ORG_ID
    org_name: str = "Acme Demo Org"
    user_id: str = USER_ID
    username: str = "admin@acme-demo.example"
    first_name: str = "Ada"
    last_name: str = "Admin"
    require_pkce: bool = True
    pkce_default_method: str = "S256"  # used when code_challenge_method is absent
    require_secret: bool = True  # web-server flow
    require_secret_refresh: bool = True
    rotate_refresh_tokens: bool = False
    signature_secret: str = ""  # sign token responses with this instead (a forged response)
    access_token_ttl: float = 7200.0
    code_ttl: float = 900.0
    auto_approve: bool = False
    min_version: int = 31
    max_version: int = 66
    default_version: str = "59.0"
    page_size: int = 2000
    force_page_size: int | None = None  # test override below the 200 minimum, e.g. 2
    cursor_ttl: float = 900.0
    api_usage_max: int = 15000
    api_delay_seconds: float = 0.0
    base_url: str = ""
    log_requests: bool = False


FAULTS = {  # kind -> (status, body, content type)
    "SERVER_UNAVAILABLE": (503, [{"message": "Server Unavailable",
                                  "errorCode": "SERVER_UNAVAILABLE"}], "json"),
    "REQUEST_LIMIT_EXCEEDED": (403, [{"message": "TotalRequests Limit exceeded.",
                                      "errorCode": "REQUEST_LIMIT_EXCEEDED"}], "json"),
    "CONCURRENT_LIMIT": (403, [{"message": "ConcurrentPerOrgLongTxn Limit exceeded.",
                                "errorCode": "REQUEST_LIMIT_EXCEEDED"}], "json"),
    "UNKNOWN_EXCEPTION": (500, [{"message": "An unexpected error occurred. Please include this "
                                 "ErrorId if you contact support: 1234567-89 (-1234)",
                                 "errorCode": "UNKNOWN_EXCEPTION"}], "json"),
    "BAD_GATEWAY": (502, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>"
                    "502 Bad Gateway</h1></center><hr><center>sfdc-edge</center></body></html>",
                    "html"),
    "RATE_LIMITED": (429, [{"message": "Too Many Requests", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
                     "json"),
    "INVALID_SESSION_ID": (401, [{"message": "Session expired or invalid",
                                  "errorCode": "INVALID_SESSION_ID"}], "json"),
    # Row-lock contention: on sObject Collections every record of the next call fails with it
    # (HTTP 200, per-record statusCode, as Salesforce answers); elsewhere this 400 error array.
    "UNABLE_TO_LOCK_ROW": (400, [{"message": "unable to obtain exclusive access to this record "
                                  "or 1 records", "errorCode": "UNABLE_TO_LOCK_ROW"}], "json"),
}
FAULT_ALIASES = {"503": "SERVER_UNAVAILABLE", "500": "UNKNOWN_EXCEPTION",
                 "502": "BAD_GATEWAY", "403": "REQUEST_LIMIT_EXCEEDED", "429": "RATE_LIMITED",
                 "401": "INVALID_SESSION_ID"}


@dataclass
class Fault:
    kind: str
    remaining: int | None = None  # fail this many matching calls (None = unlimited)
    until: float | None = None  # monotonic deadline for duration faults
    skip: int = 0  # let this many matching calls pass first ("fail after N calls")
    target: str = "api"  # api | token (token and revoke endpoints) | all


class EmulatorState:
    """Everything the emulator knows. Handlers and tests hold ``lock`` while touching it."""

    def __init__(self, config: EmulatorConfig | None = None, **overrides):
        self.initial = copy.deepcopy(config or EmulatorConfig())
        for key, value in overrides.items():
            if not hasattr(self.initial, key):
                raise TypeError(f"unknown emulator setting {key!r}")
            setattr(self.initial, key, value)
        self.lock = threading.RLock()
        self.clock = Clock()
        self.outbound = Outbound(self)
        self.reset()

    # ------------------------------------------------------------------ lifecycle
    def reset(self, seed: str | None = None, **seed_args) -> None:
        """Back to the initial configuration and real time, with no records but the org's user
        (or the ``seed`` dataset)."""
        with self.lock:
            base_url = getattr(self, "config", self.initial).base_url
            self.config = copy.deepcopy(self.initial)
            self.config.base_url = base_url or self.initial.base_url
            self.clock.reset()
            self.ids = ids.IdFactory()
            self.store = Store(self.clock, self.ids, on_change=self._on_change)
            self.tokens = TokenStore()
            self.cursors: dict[str, dict] = {}
            from .bulk import BulkConfig  # local import: bulk's routes import this module

            self.bulk = BulkConfig()
            self.bulk_jobs: dict = {}
            self.faults: list[Fault] = []
            self.api_used = 0
            self.calls: Counter = Counter()
            self.writes: Counter = Counter()  # API updates per record id (pushback "once")
            self.outbound.reset()
            if hasattr(self, "setup"):
                self.setup.drop_extra_fields()
            self.setup = OrgSetup(self.ids, self.config.user_id,
                                  delivery_url=lambda: self.outbound.config.endpoint_url)
            self.setup.seed()
            self.store.create(OBJECTS["User"], {
                "Id": self.config.user_id, "Username": self.config.username,
                "FirstName": self.config.first_name, "LastName": self.config.last_name,
                "Email": self.config.username})
            if seed:
                self.seed(seed, **seed_args)

    def seed(self, dataset: str = "demo", **kwargs) -> dict:
        from .seed import seed_demo  # local import: seed uses this module's state API

        if dataset not in ("demo", "empty"):
            raise ValueError(f"unknown dataset {dataset!r}")
        with self.lock:
            for name, table in self.store.tables.items():
                if name != "User":
                    table.clear()
                else:
                    for rid in [r for r in table if r != self.config.user_id]:
                        del table[rid]
            self.store.index.mark()  # the seed writes the tables directly
            return seed_demo(self, **kwargs) if dataset == "demo" else {}

    def configure(self, **settings) -> dict:
        """Change config values (booleans and lists must keep their type)."""
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
    def version(self) -> str:
        return self.config.default_version

    @property
    def base_url(self) -> str:
        return self.config.base_url

    # ------------------------------------------------------------------ records
    def _obj(self, name: str):
        obj = lookup(name)
        if obj is None:
            raise WriteError("NOT_FOUND", f"Unknown sObject {name}", status=404)
        return obj

    def create(self, obj_name: str, values: dict) -> dict:
        obj = self._obj(obj_name)
        with self.lock:
            rec = self.store.create(obj, check_values(obj, values, enforce=False, creating=True))
            return self.store.to_json(obj.name, rec, self.version)

    def bulk_create(self, obj_name: str, rows: list[dict]) -> list[str]:
        """Insert many records stamped in the same instant (a Data Loader / Bulk API import)."""
        obj = self._obj(obj_name)
        with self.lock:
            now = self.clock.now()
            return [self.store.create(obj, check_values(obj, row, enforce=False, creating=True),
                                      when=now)["Id"] for row in rows]

    def update(self, obj_name: str, rid: str, values: dict) -> dict:
        obj = self._obj(obj_name)
        with self.lock:
            rec = self.store.update(obj, rid, check_values(obj, values, enforce=False))
            return self.store.to_json(obj.name, rec, self.version)

    def delete(self, obj_name: str, rid: str) -> None:
        with self.lock:
            self.store.delete(self._obj(obj_name), rid)

    def undelete(self, obj_name: str, rid: str) -> None:
        with self.lock:
            self.store.undelete(self._obj(obj_name), rid)

    def merge(self, obj_name: str, winner: str, losers: list) -> dict:
        obj = self._obj(obj_name)
        with self.lock:
            rec = self.store.merge(obj, winner, losers)
            return self.store.to_json(obj.name, rec, self.version)

    def get(self, obj_name: str, rid: str) -> dict | None:
        obj = self._obj(obj_name)
        with self.lock:
            rec = self.store.get(obj.name, rid)
            return self.store.to_json(obj.name, rec, self.version) if rec else None

    def records(self, obj_name: str, include_deleted: bool = True) -> list[dict]:
        obj = self._obj(obj_name)
        with self.lock:
            return [self.store.to_json(obj.name, r, self.version)
                    for r in self.store.tables[obj.name].values()
                    if include_deleted or not r.get("IsDeleted")]

    def query(self, soql: str, include_deleted: bool = False) -> list[dict]:
        with self.lock:
            return execute(compile_query(soql), self.store, self.version, include_deleted)[1]

    def _on_change(self, obj_name: str, before, after) -> None:
        if (obj_name == "Opportunity" and after["IsWon"] and not after["IsDeleted"]
                and not (before and before["IsWon"])):
            self.outbound.enqueue(after["Id"])

    # ------------------------------------------------------------------ tokens, faults, usage
    def expire_tokens(self) -> int:
        with self.lock:
            return self.tokens.expire_all()

    def add_fault(self, kind: str, count: int | None = None, seconds: float | None = None,
                  after: int = 0, target: str = "api") -> Fault:
        kind = FAULT_ALIASES.get(str(kind), str(kind).upper())
        if kind not in FAULTS or target not in ("api", "token", "all"):
            raise ValueError(f"unknown fault kind {kind!r} or target {target!r}")
        if count is None and seconds is None:
            count = 1
        fault = Fault(kind, count, None if seconds is None else time.monotonic() + seconds,
                      after, target)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, target: str) -> str | None:
        """Consume and return the fault kind that applies to this call, if any."""
        with self.lock:
            now = time.monotonic()
            self.faults = [f for f in self.faults if f.until is None or f.until > now]
            for fault in self.faults:
                if fault.target not in ("all", target):
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

    def set_api_usage(self, used: int | None = None, max: int | None = None) -> dict:
        with self.lock:
            if used is not None:
                self.api_used = int(used)
            if max is not None:
                self.config.api_usage_max = int(max)
            return self.api_usage()

    def api_usage(self) -> dict:
        with self.lock:
            return {"used": self.api_used, "max": self.config.api_usage_max}

    def call_counts(self) -> dict:
        with self.lock:
            return {"total": sum(self.calls.values()), "by_endpoint": dict(self.calls)}

    def fire_outbound(self, opportunity_id: str) -> str:
        with self.lock:
            rec = self.store.locate(OBJECTS["Opportunity"], opportunity_id)
            return self.outbound.enqueue(rec["Id"])
