"""Several Salesforce orgs behind one emulator address (load tests with many connected orgs).

The platform trusts one operator-configured login URL (``SALESFORCE_LOGIN_URL``), so a load test
that connects hundreds of platform organizations, each to its own Salesforce org, needs them all
on that one origin. ``POST /__emulator__/orgs`` adds an org (its own records, tokens, limits and
calls, the default org's connected-app settings); every request is then served by the org it
belongs to, found the way Salesforce's own routing would know it:

- an access token starts with the org's 15-character id (``00D...!``), as Salesforce's do;
- the identity URL names the org (``/id/<org>/<user>``);
- authorization codes, refresh tokens and consent requests are looked up in each org's store;
- control calls and the authorize page name the org explicitly: header ``X-Emulator-Org`` or
  query ``emulator_org`` (the authorize page's stand-in for "which user signs in").

Without added orgs nothing changes: every request goes to the default org.
"""

from __future__ import annotations

import copy
import re
import threading

from . import ids
from .state import EmulatorState
from .web import Request, json_response

_ID_PATH = re.compile(r"/id/(?P<org>\w{15,18})/")
ORG_HEADER = "X-Emulator-Org"


class Orgs:
    """The default org plus the ones added at run time, by 15-character org id."""

    def __init__(self, default: EmulatorState):
        self.default = default
        self.by_id: dict[str, EmulatorState] = {default.config.org_id[:15]: default}
        self._lock = threading.Lock()
        self._next = 1

    def add(self, name: str = "", contacts: int = 0) -> EmulatorState:
        with self._lock:
            number, self._next = self._next, self._next + 1
        org_id = ids.to18(f"00D5g{number:010d}"[:15])
        config = copy.deepcopy(self.default.initial)
        config.org_id = org_id
        config.org_name = name or f"Load Org {number}"
        config.base_url = self.default.config.base_url
        state = EmulatorState(config)
        if contacts:
            state.seed("demo", contacts=contacts, accounts=1, opportunities=0)
        with self._lock:
            self.by_id[org_id[:15]] = state
        return state

    def pick(self, req: Request) -> EmulatorState:
        if len(self.by_id) == 1:
            return self.default
        named = req.headers.get(ORG_HEADER) or req.query.get("emulator_org")
        if named:
            return self.by_id.get(named[:15], self.default)
        token = req.bearer()
        if token and "!" in token:
            return self.by_id.get(token.split("!", 1)[0], self.default)
        if m := _ID_PATH.match(req.path):
            return self.by_id.get(m["org"][:15], self.default)
        if req.path.startswith("/services/oauth2/"):
            return self._owner_of_secret(req) or self.default
        return self.default

    def _owner_of_secret(self, req: Request) -> EmulatorState | None:
        form = req.form() if req.body else {}
        values = {form.get(k) or req.query.get(k) for k in
                  ("code", "refresh_token", "token", "request_id")} - {None, ""}
        for state in list(self.by_id.values()):
            tokens = state.tokens
            if any(v in tokens.codes or v in tokens.refresh or v in tokens.access
                   or v in tokens.pending for v in values):
                return state
        return None


def add_org(orgs: Orgs, req: Request):
    """``POST /__emulator__/orgs`` ``{"name": ..., "contacts": N}`` → the new org's id."""
    body = req.json() if req.body else {}
    state = orgs.add(name=str(body.get("name") or ""), contacts=int(body.get("contacts") or 0))
    return json_response({"org_id": state.config.org_id, "name": state.config.org_name}, 201)
