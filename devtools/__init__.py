"""Development-only tools: the ``make run``/``make test`` supervisor, the embedded PostgreSQL and
Redis, and the local Salesforce emulator. Lives in the checkout only; the wheel never ships it and
no production module imports it (``tests/test_packaging.py`` checks both)."""
