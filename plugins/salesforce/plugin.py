"""The Salesforce integration as a pluggy plugin."""

from django.conf import settings

from host.contracts import Capability, ConnectError, IntegrationInfo
from host.hookspecs import hookimpl

KEY = "salesforce"


@hookimpl
def platform_integrations():
    return [
        IntegrationInfo(
            key=KEY,
            name="Salesforce",
            description="Sync contacts, trigger sequences from Closed Won opportunities, "
            "and push scores back.",
            capabilities=frozenset(Capability),
        )
    ]


def missing_oauth_settings() -> list[str]:
    return [name for name in ("SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET")
            if not getattr(settings, name)]


@hookimpl
def connect_begin(connection, state, request):
    missing = missing_oauth_settings()
    if missing:
        raise ConnectError("OAuth setup error: set " + " and ".join(missing) + ".")
    raise ConnectError("Connecting Salesforce is not available yet.")
