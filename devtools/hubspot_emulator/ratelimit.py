"""Per-portal rate limits: a rolling 10-second window for ordinary calls (headers on every
answer), 5 searches per second (no headers), an optional daily count [reference §5]."""

from __future__ import annotations

import time
from collections import deque

from .web import Response, hs_error, json_response

WINDOW_MS = 10_000


def _window(state, key: tuple) -> deque:
    return state.windows.setdefault(key, deque())


def admit(state, hub_id: int, search: bool) -> tuple[Response | None, dict]:
    """``(429 response or None, rate-limit headers)`` for one call; counts it when admitted."""
    cfg = state.config
    now = time.monotonic() * 1000
    with state.lock:
        if cfg.daily_limit and state.daily[hub_id] >= cfg.daily_limit:
            return limited(state, "DAILY"), {}
        if search:
            window, span, cap = _window(state, (hub_id, "search")), 1000, cfg.search_per_second
        else:
            window, span, cap = _window(state, (hub_id, "api")), WINDOW_MS, cfg.ten_second_limit
        while window and window[0] <= now - span:
            window.popleft()
        if cfg.rate_limits and len(window) >= cap:
            return limited(state, "SECONDLY" if search else "TEN_SECONDLY_ROLLING",
                           {} if search else _headers(cap, 0)), {}
        window.append(now)
        state.daily[hub_id] += 1
        return None, {} if search else _headers(cap, cap - len(window))


def _headers(cap: int, remaining: int) -> dict:
    return {"X-HubSpot-RateLimit-Interval-Milliseconds": str(WINDOW_MS),
            "X-HubSpot-RateLimit-Max": str(cap),
            "X-HubSpot-RateLimit-Remaining": str(max(remaining, 0))}


def limited(state, policy: str, headers: dict | None = None) -> Response:
    """A 429 exactly as HubSpot words it [reference §5.3]; counted for the control API."""
    from .state import FAULTS

    with state.lock:
        state.rate_limited[policy] += 1
    status, body, extra = FAULTS[policy]
    body = dict(body)
    message = body.pop("message")
    if policy == "TEN_SECONDLY_ROLLING":
        body["groupName"] = "publicapi:oauth-api-calls-ten-secondly:1160452"
    return hs_error(status, None, message, headers={**extra, **(headers or {})}, **body)


def fault_response(state, kind: str) -> Response:
    from .state import FAULTS

    status, body, headers = FAULTS[kind]
    if status == 429:
        return limited(state, kind)
    if body is None:  # an edge proxy's HTML page
        html = ("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
                "Gateway</h1></center><hr><center>cloudflare</center></body></html>")
        return Response(status, html.encode(), {"Content-Type": "text/html"})
    body = dict(body)
    message = body.pop("message")
    category = body.pop("category", None)
    if status == 401:
        body["context"] = {"expire time": ["1970-01-01T00:00:00.000Z"]}
    resp = hs_error(status, category, message, **body)
    resp.headers.update(headers)
    return resp


__all__ = ["admit", "fault_response", "json_response", "limited"]
