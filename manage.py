#!/usr/bin/env python
"""Django's command-line utility, for a checkout (an installed wheel has ``demeterrr-manage``).

In development it first loads ``.dev/env``, the environment ``make run`` writes (database, Redis,
secrets, the emulator's Salesforce settings), for every variable the shell does not set, so
``python manage.py create_org ...`` works in a second terminal. Production never reads it: the
image runs the wheel's entry point and has no ``.dev/``.
"""

import os
import shlex
import sys
from pathlib import Path


def load_dev_env() -> None:
    state = os.environ.get("DEV_STATE_DIR") or Path(__file__).resolve().parent / ".dev"
    path = Path(state) / "env"
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        key, sep, raw = line.partition("=")
        if not sep or line.lstrip().startswith("#"):
            continue
        values = shlex.split(raw)
        os.environ.setdefault(key.strip(), values[0] if values else "")


def main() -> None:
    load_dev_env()
    from host.__main__ import main as manage

    manage(sys.argv)


if __name__ == "__main__":
    main()
