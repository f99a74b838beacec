"""Re-encrypt every stored secret with the newest ``TOKEN_ENCRYPTION_KEYS`` key.

    TOKEN_ENCRYPTION_KEYS=new,old python manage.py rotate_encryption_keys

Covers every organization's integration credentials, the encrypted values in integration
settings (keys ending in ``_encrypted``, e.g. the Salesforce webhook secret kept for signature
checks) and the pending OAuth states in the public schema. After it ran, the old key can be
removed from ``TOKEN_ENCRYPTION_KEYS``. Safe to re-run.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from host import crypto


def _rotate(token: str, what: str) -> str:
    try:
        return crypto.rotate(token)
    except InvalidToken:
        raise CommandError(
            f"{what} cannot be decrypted with any key in TOKEN_ENCRYPTION_KEYS; keep the old "
            "key in the list (newest first) while rotating. Nothing was changed for it."
        ) from None


class Command(BaseCommand):
    help = "Re-encrypt integration credentials and pending OAuth states with the newest key."

    def handle(self, *args, **options):
        from host.models import IntegrationConnection
        from tenants.models import OAuthState, Organization

        crypto.reset_cache()  # pick up the current TOKEN_ENCRYPTION_KEYS
        connections = values = 0
        for org in Organization.objects.exclude(schema_name="public").order_by("schema_name"):
            with org, transaction.atomic():
                rows = IntegrationConnection.objects.select_for_update().exclude(
                    credentials_encrypted="")
                for conn in rows:
                    conn.credentials_encrypted = _rotate(
                        conn.credentials_encrypted, f"{org.schema_name}/{conn.provider}")
                    conn.save(update_fields=["credentials_encrypted"])
                    connections += 1
                for conn in IntegrationConnection.objects.select_for_update():
                    names = [k for k, v in conn.settings.items()
                             if k.endswith("_encrypted") and isinstance(v, str) and v]
                    for name in names:
                        conn.settings[name] = _rotate(
                            conn.settings[name], f"{org.schema_name}/{conn.provider}/{name}")
                    if names:
                        conn.save(update_fields=["settings"])
                        values += len(names)
        states = 0
        with transaction.atomic():
            for pending in OAuthState.objects.select_for_update().exclude(
                    private_state_encrypted=""):
                pending.private_state_encrypted = _rotate(
                    pending.private_state_encrypted, f"OAuth state {pending.pk}")
                pending.save(update_fields=["private_state_encrypted"])
                states += 1
        self.stdout.write(f"Re-encrypted {connections} connection credential(s) and "
                          f"{states} pending OAuth state(s) with the newest key "
                          f"(and {values} encrypted setting(s)).")
