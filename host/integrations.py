"""Which integrations exist, which an organization has enabled, and calling one plugin's hooks."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from types import ModuleType

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection as db_connection
from django.db import transaction

from host.contracts import Capability, IntegrationInfo, NeedsReconnect
from host.plugin_manager import get_plugin_manager


@dataclass(frozen=True)
class Integration:
    info: IntegrationInfo
    plugin: ModuleType

    @property
    def key(self) -> str:
        return self.info.key

    def has(self, capability: Capability) -> bool:
        return capability in self.info.capabilities

    def missing_settings(self) -> list[str]:
        """The platform settings this integration needs to connect that are not set."""
        return [name for name in self.info.required_settings
                if not plugin_setting(self.info, name, "")]


def plugin_setting(info: IntegrationInfo, name: str, default=None):
    """A setting an integration names (``required_settings``, ``WebhookInfo.secret_setting``,
    ``sync_interval_setting``...): from the plugin's own settings (``IntegrationInfo.settings``,
    see ``host.plugin_settings``) when it declares them, else from Django's."""
    source = info.settings if info.settings is not None else settings
    return getattr(source, name, default)


@cache
def registry() -> dict[str, Integration]:
    """Every registered integration, by key, in registration order."""
    from host.hooks import platform

    pm = get_plugin_manager()
    found: dict[str, Integration] = {}
    for plugin, plugin_name, infos in platform.platform_integrations():
        for info in infos:
            if info.key in found:
                raise ImproperlyConfigured(
                    f"Integration key {info.key!r} is registered by two plugins "
                    f"({pm.get_name(found[info.key].plugin)}, {plugin_name})."
                )
            found[info.key] = Integration(info=info, plugin=plugin)
    return found


def get_integration(key: str) -> Integration:
    try:
        return registry()[key]
    except KeyError:
        raise LookupError(f"No integration {key!r} is registered.") from None


def current_org():
    """The organization whose schema the database connection is set to."""
    tenant = getattr(db_connection, "tenant", None)
    if tenant is None or tenant.schema_name == "public":
        raise RuntimeError("This code must run inside an organization's schema.")
    return tenant


def enabled_integrations(org=None) -> list[Integration]:
    """Integrations the organization may use (platform staff can disable some per org)."""
    org = org or current_org()
    disabled = set(org.disabled_integrations or [])
    return [i for i in registry().values() if i.key not in disabled]


def is_enabled(key: str, org=None) -> bool:
    return any(i.key == key for i in enabled_integrations(org))


def integration_keys_of(plugin: ModuleType) -> list[str]:
    """The integrations a plugin module declares (none for the sequences runtime)."""
    return [i.key for i in registry().values() if i.plugin is plugin]


@cache
def integration_keys_of_module(module_name: str) -> tuple[str, ...]:
    """The integrations of the plugin whose Django app contains ``module_name`` (e.g. its
    ``tasks`` module); empty for host code and for plugins without integrations."""
    pm = get_plugin_manager()
    for ref in settings.PLATFORM_PLUGINS:
        if module_name == ref.app or module_name.startswith(ref.app + "."):
            return tuple(integration_keys_of(pm.get_plugin(ref.name)))
    return ()


def get_connection(key: str):
    """The org's connection row for an integration, created on first use."""
    from host.models import IntegrationConnection

    get_integration(key)
    conn, _ = IntegrationConnection.objects.get_or_create(provider=key)
    return conn


def refresh_credentials(connection):
    """Refresh one connection's credentials single-flight: row lock, re-read, then refresh.

    Returns the connection with fresh credentials. Concurrent callers wait on the lock and, if a
    refresh happened while they waited (``credentials_version`` moved), reuse its result.
    """
    from host.models import IntegrationConnection

    seen_version = connection.credentials_version
    try:
        with transaction.atomic():
            locked = IntegrationConnection.objects.select_for_update().get(pk=connection.pk)
            if locked.credentials_version != seen_version:
                return locked
            from host import hooks

            result = hooks.integration(locked.provider).connect_refresh(connection=locked)
            locked.store_result(result)
            return locked
    except NeedsReconnect as exc:
        IntegrationConnection.objects.get(pk=connection.pk).mark_needs_attention(str(exc))
        raise
