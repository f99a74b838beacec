"""``manage.py create_api_key``: the key alone on the last stdout line; clear errors."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from api import keys
from api.models import ApiKey


def run(*args) -> list[str]:
    out = StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue().splitlines()


def test_prints_a_working_key_on_the_last_line(org_a):
    lines = run("org-a", "--name", "Salesforce", "--scopes", "sequences:execute,contacts:read",
                "--expires-days", "30")
    plaintext = lines[-1]
    assert plaintext.startswith("dem_") and len(plaintext) == 47 and " " not in plaintext
    key = ApiKey.objects.get(key_hash=keys.hash_key(plaintext))
    assert key.organization == org_a and key.scopes == ["sequences:execute", "contacts:read"]
    assert key.expires_at is not None
    response = Client(HTTP_HOST="localhost").get("/api/v1/contacts",
                                                 HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200


@pytest.mark.parametrize("args, message", [
    (["nope", "--name", "n", "--scopes", "contacts:read"], "No organization"),
    (["public", "--name", "n", "--scopes", "contacts:read"], "No organization"),
    (["org-a", "--name", "n", "--scopes", "contacts:admin"], "Unknown scope(s): contacts:admin"),
    (["org-a", "--name", "n", "--scopes", " , "], "at least one scope"),
    (["org-a", "--name", " ", "--scopes", "contacts:read"], "--name"),
    (["org-a", "--name", "n", "--scopes", "contacts:read", "--expires-days", "0"], "--expires-days"),
])
def test_errors(org_a, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(*args)
    assert not ApiKey.objects.exists()
