"""A faithful local fake of the HubSpot endpoints the HubSpot plugin uses, per the emulator
checklist of the HubSpot API reference (``hubspot-api.md`` §6): OAuth for a multi-account app
(authorize page with an Allow button or auto-approve, token exchange and refresh on the
date-versioned and v1 paths, 30-minute tokens with ``hub_id``, introspection, revocation),
contacts (list with ``after``, ``archived=true``, search with the 10,000-result cap, batch read,
merges), deals, pipelines, deal->contact associations, contact properties (read, create, groups),
batch update (100 per call, 207 for unknown ids, 400 for the whole batch on a bad value), rate
limits (110 per 10 s per portal, 5 searches/s, 429 bodies and headers) and signed app webhooks
(v1 + v3, duplicates, retries, stale and bad-signature modes). Plain HTTP on loopback; one host
serves the app pages and the API; no Django. The control API is under ``/__emulator__/``.

    from devtools.hubspot_emulator import start_emulator
    hs = start_emulator(port=0, seed="demo")   # hs.base_url, hs.state, hs.stop()
    python -m devtools.hubspot_emulator --port 8766 --seed demo
"""

from .server import EmulatorHandle, start_emulator
from .state import (
    APP_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    DEFAULT_REDIRECT_URI,
    PORTAL_ID,
    REQUIRED_SCOPES,
    EmulatorConfig,
    EmulatorState,
)

__all__ = ["APP_ID", "CLIENT_ID", "CLIENT_SECRET", "DEFAULT_REDIRECT_URI", "PORTAL_ID",
           "REQUIRED_SCOPES", "EmulatorConfig", "EmulatorHandle", "EmulatorState",
           "start_emulator"]
