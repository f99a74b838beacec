"""CLI: ``python -m devtools.salesforce_emulator --host 127.0.0.1 --port 8765 --seed demo``."""

import argparse

from .server import serve
from .state import DEFAULT_REDIRECT_URI


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m devtools.salesforce_emulator",
                                description="Local Salesforce emulator (plain HTTP, loopback).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--seed", choices=["demo", "none"], default="demo")
    p.add_argument("--contacts", type=int, default=300)
    p.add_argument("--accounts", type=int, default=5)
    p.add_argument("--opportunities", type=int, default=8)
    p.add_argument("--client-id", default="demo-client-id")
    p.add_argument("--client-secret", default="demo-client-secret")
    p.add_argument("--redirect-uri", action="append", dest="redirect_uris",
                   help=f"allowed callback URL (repeatable; default {DEFAULT_REDIRECT_URI})")
    p.add_argument("--auto-approve", action="store_true", help="skip the Allow/Deny page")
    p.add_argument("--page-size", type=int, default=None, help="force a query page size")
    p.add_argument("--quiet", action="store_true", help="do not log requests")
    a = p.parse_args(argv)
    config = {"client_id": a.client_id, "client_secret": a.client_secret,
              "auto_approve": a.auto_approve,
              "log_requests": not a.quiet, "force_page_size": a.page_size}
    if a.redirect_uris:
        config["redirect_uris"] = a.redirect_uris
    serve(a.host, a.port, None if a.seed == "none" else a.seed, a.contacts,
          accounts=a.accounts, opportunities=a.opportunities, **config)


if __name__ == "__main__":
    main()
