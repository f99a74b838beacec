"""CLI: ``python -m devtools.hubspot_emulator --host 127.0.0.1 --port 8766 --seed demo``."""

import argparse

from .server import serve
from .state import CLIENT_ID, CLIENT_SECRET, DEFAULT_REDIRECT_URI


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m devtools.hubspot_emulator",
                                description="Local HubSpot emulator (plain HTTP, loopback).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8766)
    p.add_argument("--seed", choices=["demo", "none"], default="demo")
    p.add_argument("--contacts", type=int, default=300)
    p.add_argument("--deals", type=int, default=8)
    p.add_argument("--client-id", default=CLIENT_ID)
    p.add_argument("--client-secret", default=CLIENT_SECRET)
    p.add_argument("--redirect-uri", action="append", dest="redirect_uris",
                   help=f"allowed callback URL (repeatable; default {DEFAULT_REDIRECT_URI})")
    p.add_argument("--webhook-url", help="the app's webhook target URL")
    p.add_argument("--auto-approve", action="store_true", help="skip the Connect app page")
    p.add_argument("--quiet", action="store_true", help="do not log requests")
    a = p.parse_args(argv)
    config = {"client_id": a.client_id, "client_secret": a.client_secret,
              "auto_approve": a.auto_approve, "log_requests": not a.quiet,
              "webhook_target_url": a.webhook_url or ""}
    if a.redirect_uris:
        config["redirect_uris"] = a.redirect_uris
    serve(a.host, a.port, None if a.seed == "none" else a.seed, a.contacts, deals=a.deals,
          **config)


if __name__ == "__main__":
    main()
