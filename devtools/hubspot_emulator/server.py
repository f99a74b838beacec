"""HTTP server, routing (both path styles), the Bearer/fault/rate-limit pipeline of CRM calls,
and the ``start_emulator`` / ``serve`` entry points."""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import control, crm, oauth, ratelimit
from .state import EmulatorState
from .web import BadRequest, Request, Response, canonical, hs_error, json_response, redact

log = logging.getLogger("hubspot_emulator")


def _name(method: str, pattern: str) -> str:
    """``GET /crm/v3/objects/contacts/{rid}`` for counters (one name per route, either style)."""
    return method.split("|")[0] + " " + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)


PUBLIC = [(set(m.split("|")), re.compile(p), fn, _name(m, p)) for m, p, fn in oauth.ROUTES]
CONTROL = [(set(m.split("|")), re.compile(p), fn) for m, p, fn in control.ROUTES]
API = [(set(m.split("|")), re.compile(p), fn, scopes, bucket, _name(m, p))
       for m, p, fn, scopes, bucket in crm.ROUTES + [
           ("GET", r"/account-info/v3/details", oauth.account_details, ("oauth",), "api"),
           ("DELETE", r"/appinstalls/v3/external-install", oauth.uninstall, ("oauth",), "api"),
       ]]


def dispatch(state: EmulatorState, req: Request) -> Response:
    if req.path.startswith("/__fake__/") or req.path == "/__fake__":
        req.path = "/__emulator__" + req.path[len("/__fake__"):]
    if req.path.startswith("/__emulator__"):
        for methods, pattern, fn in CONTROL:
            if (m := pattern.fullmatch(req.path)) and req.method in methods:
                return fn(state, req, **m.groupdict())
        return json_response({"error": "NOT_FOUND", "message": "unknown control endpoint"}, 404)
    path, style = canonical(req.path)
    if style == "legacy" and state.config.reject_legacy_paths:
        return hs_error(404, None, f"Unable to route {req.method} {req.path}: this API version "
                                   "is no longer supported")
    for methods, pattern, fn, name in PUBLIC:
        if (m := pattern.fullmatch(path)) and req.method in methods:
            if "authorize" not in path:  # the pages are not API calls
                if path.endswith("/token"):
                    name += ":" + (req.form().get("grant_type")
                                   or req.query.get("grant_type") or "none")
                _count(state, name, style)
                if (kind := state.take_fault("token")) is not None:
                    return ratelimit.fault_response(state, kind)
            return fn(state, req, **m.groupdict())
    for methods, pattern, fn, scopes, bucket, name in API:
        if (m := pattern.fullmatch(path)) and req.method in methods:
            _count(state, name, style)
            token, error = oauth.authenticate(state, req, scopes)
            if error is not None:
                return error
            if (kind := state.take_fault(bucket)) is not None:
                return ratelimit.fault_response(state, kind)
            limited, headers = ratelimit.admit(state, token.hub_id, bucket == "search")
            if limited is not None:
                return limited
            try:
                resp = fn(state, req, token, **m.groupdict())
            except BadRequest as exc:
                resp = hs_error(400, "VALIDATION_ERROR", f"Invalid input JSON: {exc}")
            resp.headers.update(headers)
            return resp
    return hs_error(404, None, f"Unable to route {req.method} {req.path}")


def _count(state, name: str, style: str) -> None:
    with state.lock:
        state.calls[name] += 1
        state.styles[style] += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HubSpotEmulator/1.0"

    def _handle(self) -> None:
        state: EmulatorState = self.server.state
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        multi = parse_qs(parts.query, keep_blank_values=True)
        req = Request(self.command, parts.path, {k: v[0] for k, v in multi.items()},
                      self.headers, body)
        req.multi = multi
        try:
            resp = dispatch(state, req)
        except BadRequest as exc:
            resp = hs_error(400, "VALIDATION_ERROR", f"Invalid input JSON: {exc}")
        except Exception:
            log.exception("emulator error on %s %s", self.command, redact(self.path))
            resp = hs_error(500, None, "internal error")
        self.send_response(resp.status)
        for key, value in resp.headers.items():
            if key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        self.wfile.write(resp.body)

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
        self.host, self.port = server.server_address[:2]
        self.base_url = state.config.base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def stop(self) -> None:
        self.state.webhooks.stop()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_emulator(port: int = 0, host: str = "127.0.0.1", seed: str | None = None,
                   contacts: int = 300, deals: int = 8, **config) -> EmulatorHandle:
    """Start the emulator in a background thread. ``config`` keys are EmulatorConfig fields."""
    state = EmulatorState(**config)
    server = _Server((host, port), _Handler)
    server.state = state
    if not state.initial.base_url:
        shown = f"[{host}]" if ":" in host else host
        state.initial.base_url = state.config.base_url = f"http://{shown}:{server.server_address[1]}"
    if seed:
        state.seed(seed, contacts=contacts, deals=deals)
    state.webhooks.start()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="hs-emulator-http", daemon=True)
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
        f"HubSpot emulator on {handle.base_url} (app and API host)\n"
        f"  client_id={cfg.client_id}  portal={cfg.portal_id}  "
        f"redirect_uris={', '.join(cfg.redirect_uris)}\n"
        f"  authorize: {handle.base_url}/oauth/authorize  control: "
        f"{handle.base_url}/__emulator__/\n")
    sys.stderr.flush()
    while not stop.wait(0.5):
        pass
    sys.stderr.write("HubSpot emulator stopping\n")
    handle.stop()
