"""Field-level security for the request being served: the server sets the org setup of the
emulator answering on this thread; describe, SOQL and writes ask it what the user may see."""

from __future__ import annotations

import threading

_local = threading.local()


def serving(setup) -> None:
    """Set (or clear, with ``None``) the org setup for this thread's request."""
    _local.setup = setup


def field_access(obj_name: str, f) -> tuple[bool, bool]:
    """``(readable, editable)`` for the API user; outside a request everything is visible."""
    setup = getattr(_local, "setup", None)
    return setup.access(obj_name, f) if setup is not None else (True, f.updateable)
