"""``manage.py rotate_encryption_keys`` re-encrypts credentials and pending OAuth states."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from host import crypto
from host.integrations import get_connection
from tenants.models import OAuthState
from tests.salesforce.conftest import KEY, begin, connect


@pytest.fixture
def keys(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    def use(*names):
        settings.TOKEN_ENCRYPTION_KEYS = [{"old": old, "new": new}[n] for n in names]
        crypto.reset_cache()

    yield use
    crypto.reset_cache()


def test_rotation_re_encrypts_everything_with_the_newest_key(sf, client_a, org_a, keys, capsys):
    from host.webhooks import secrets

    keys("old")
    connect(client_a, org_a)
    begin(client_a)  # a pending OAuth state in the public schema
    with org_a:
        creds = get_connection(KEY).credentials
        secrets.rotate(get_connection(KEY))
        webhook_secret = secrets.rotate(get_connection(KEY))  # a current and a previous copy
    keys("new", "old")
    call_command("rotate_encryption_keys")
    out = capsys.readouterr().out
    assert "Re-encrypted 1 connection credential(s) and 2 pending OAuth state(s)" in out
    assert "(and 2 encrypted setting(s))" in out
    keys("new")  # the old key is gone: everything still decrypts
    with org_a:
        assert get_connection(KEY).credentials == creds
        assert webhook_secret.encode() in secrets.signing_keys(get_connection(KEY))
    for pending in OAuthState.objects.filter(organization=org_a):
        assert "code_verifier" in crypto.decrypt_json(pending.private_state_encrypted)


def test_rotation_without_the_old_key_refuses_clearly(sf, client_a, org_a, keys):
    keys("old")
    connect(client_a, org_a)
    keys("new")
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_encryption_keys")
