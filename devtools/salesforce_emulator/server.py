"""HTTP server, routing, and the ``start_emulator`` / ``serve`` entry points."""

import logging
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import access, bulk, control, oauth, rest, setup_api, setup_control
from .orgs import Orgs, add_org
from .rest import fault_response
from .state import EmulatorState
from .web import Request, Response, json_response, redact, sf_error

log = logging.getLogger("salesforce_emulator")
ROUTES = [(set(methods.split("|")), re.compile(pattern), fn)
          for methods, pattern, fn in oauth.ROUTES + setup_api.ROUTES + bulk.ROUTES + rest.ROUTES
          + control.ROUTES + setup_control.ROUTES]


OAUTH_PREFIX = "/services/oauth2/"
TOKEN_FAULT_PATHS = ("/services/oauth2/token", "/services/oauth2/revoke")  # target "token"


def count_oauth_call(state: EmulatorState, req: Request) -> None:
    """Count OAuth calls as ``oauth2.<endpoint>`` (``oauth2.token:<grant_type>`` for tokens)."""
    name = "oauth2." + req.path.removeprefix(OAUTH_PREFIX)
    if name == "oauth2.token":
        name += ":" + (req.form().get("grant_type") or "none")
    with state.lock:
        state.calls[name] += 1


def dispatch(state: EmulatorState, req: Request) -> Response:
    path_matched = False
    for methods, pattern, fn in ROUTES:
        m = pattern.fullmatch(req.path)
        if not m:
            continue
        path_matched = True
        if req.method not in methods:
            continue
        if req.path.startswith(OAUTH_PREFIX):
            count_oauth_call(state, req)
            if req.path in TOKEN_FAULT_PATHS and (kind := state.take_fault("token")):
                return fault_response(kind)
        return fn(state, req, **m.groupdict())
    if path_matched:
        return sf_error(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{req.method}' not allowed.")
    if req.path.startswith("/__emulator__"):
        return json_response({"error": "NOT_FOUND", "message": "unknown control endpoint"}, 404)
    return sf_error(404, "NOT_FOUND", "The requested resource does not exist")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SalesforceEmulator/1.0"
    # Headers and body go out in separate writes; with Nagle's algorithm on, a keep-alive client
    # waits for the delayed ACK (~40 ms) before the body arrives.
    disable_nagle_algorithm = True

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        req = Request(self.command, parts.path, query, self.headers, body)
        state: EmulatorState = self.server.orgs.pick(req)
        access.serving(state.setup)  # field-level security for this request's user
        try:
            if req.path == "/__emulator__/orgs" and req.method == "POST":
                resp = add_org(self.server.orgs, req)
            else:
                resp = dispatch(state, req)
        except Exception:
            log.exception("emulator error on %s %s", self.command, redact(self.path))
            resp = sf_error(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred (emulator)")
        finally:
            access.serving(None)
        self.send_response(resp.status)
        for key, value in resp.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        self.wfile.write(resp.body)

    def date_time_string(self, timestamp=None) -> str:
        """The ``Date`` header follows the emulator's clock, as Salesforce's follows its own."""
        return super().date_time_string(self.server.state.clock.timestamp())

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def log_request(self, code="-", size="-") -> None:
        if self.server.state.config.log_requests:
            sys.stderr.write(f"{self.address_string()} {self.command} {redact(self.path)} "
                             f"{code}\n")

    def log_message(self, format, *args) -> None:  # noqa: A002 - stdlib signature
        if self.server.state.config.log_requests:
            sys.stderr.write(redact(format % args) + "\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class EmulatorHandle:
    """A running emulator: ``base_url``, ``state`` (direct in-memory access) and ``stop()``."""

    def __init__(self, server: _Server, state: EmulatorState, thread: threading.Thread):
        self.server, self.state, self.thread = server, state, thread
        host, port = server.server_address[:2]
        self.host, self.port = host, port
        self.base_url = state.config.base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def stop(self) -> None:
        self.state.outbound.stop()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_emulator(port: int = 0, host: str = "127.0.0.1", seed: str | None = None,
                   contacts: int = 300, accounts: int = 5, opportunities: int = 8,
                   **config) -> EmulatorHandle:
    """Start the emulator in a background thread. ``config`` keys are EmulatorConfig fields."""
    state = EmulatorState(**config)
    server = _Server((host, port), _Handler)
    server.state = state
    server.orgs = Orgs(state)
    bound_port = server.server_address[1]
    if not state.initial.base_url:
        shown = f"[{host}]" if ":" in host else host
        state.initial.base_url = state.config.base_url = f"http://{shown}:{bound_port}"
    if seed:
        state.seed(seed, contacts=contacts, accounts=accounts, opportunities=opportunities)
    state.outbound.start()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="sf-emulator-http", daemon=True)
    thread.start()
    return EmulatorHandle(server, state, thread)


def serve(host: str, port: int, seed: str | None, contacts: int, **config) -> None:
    """Run in the foreground until SIGINT/SIGTERM."""
    config.setdefault("log_requests", True)
    handle = start_emulator(port=port, host=host, seed=seed, contacts=contacts, **config)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    cfg = handle.state.config
    sys.stderr.write(
        f"Salesforce emulator on {handle.base_url} (login host and instance)\n"
        f"  client_id={cfg.client_id}  redirect_uris={', '.join(cfg.redirect_uris)}\n"
        f"  authorize: {handle.base_url}/services/oauth2/authorize  control: "
        f"{handle.base_url}/__emulator__/\n")
    sys.stderr.flush()
    while not stop.wait(0.5):
        pass
    sys.stderr.write("Salesforce emulator stopping\n")
    handle.stop()
