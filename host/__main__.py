"""Django's management commands for an installed platform: ``demeterrr-manage CMD`` or
``python -m host CMD``. The wheel has no ``manage.py``; this reads the environment only (the
checkout's ``manage.py`` additionally loads the development environment from ``.dev/env``)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "host.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv) or ["demeterrr-manage"]
    if os.path.basename(argv[0]) == "__main__.py":
        argv[0] = "python -m host"  # so help texts show the command that was typed
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
