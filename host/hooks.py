"""The typed facade over ``pm.hook``: the only way host code (and plugins) call plugin hooks.

One method per hookspec, with the hookspec's name, typed parameters and return (as tox's
``tox.plugin.manager.Plugin`` does), so a caller never spells a hook name as a string and a
type checker sees what a hook takes and gives. Four groups:

- ``platform`` — registration hooks every plugin may implement; the results of every plugin.
- ``runtime`` — the sequences runtime's hooks, implemented by exactly one plugin
  (``check_runtime``, at start-up).
- ``integration(key)`` — one integration's hooks, calling *that* plugin's implementation alone
  and only for an organization that has the integration enabled.
- ``webhook(key)`` — one integration's webhook verify/parse, in any schema (app-level webhooks
  arrive before the organization is known).

``tests/host/test_hooks.py`` checks that every hookspec has its method here and that no module
outside this one reads ``pm.hook``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from host.plugin_manager import get_plugin_manager

if TYPE_CHECKING:
    from types import ModuleType

    from django.http import HttpRequest
    from django.urls import URLPattern, URLResolver

    from host.contracts import (
        AuthorizationRequest,
        ConnectionResult,
        ContactPage,
        DisconnectResult,
        EnrollmentResult,
        FieldCheck,
        FieldSetupResult,
        HomePanel,
        IntegrationInfo,
        NavItem,
        PushbackResult,
        PushbackWrite,
        SequenceChoice,
        TriggerDecision,
        TriggerRequest,
        WebhookParse,
        WebhookRequest,
        WebhookSecret,
    )
    from host.models import InboundEvent, IntegrationConnection

# The runtime's hooks: exactly one plugin implements them all (the sequences runtime).
RUNTIME_HOOKS = ("trigger_enroll", "trigger_list_sequences")


class NoRuntime(RuntimeError):
    pass


class PlatformHooks:
    """Registration hooks: every plugin's contribution, in plugin order."""

    def platform_integrations(self) -> list[tuple[ModuleType, str, list[IntegrationInfo]]]:
        """``(plugin module, plugin name, its integrations)`` per implementing plugin."""
        pm = get_plugin_manager()
        return [(impl.plugin, impl.plugin_name, list(impl.function() or []))
                for impl in pm.hook.platform_integrations.get_hookimpls()]

    def platform_urls(self, scope: str) -> list[tuple[ModuleType, list[URLPattern | URLResolver]]]:
        """``(plugin module, its URL patterns)`` per implementing plugin, so the host can guard
        each plugin's pages by its integrations' per-org enablement."""
        pm = get_plugin_manager()
        return [(impl.plugin, list(impl.function(scope=scope) or []))
                for impl in reversed(pm.hook.platform_urls.get_hookimpls())]

    def platform_api_urls(self) -> list[tuple[ModuleType, list[URLPattern | URLResolver]]]:
        """``(plugin module, its REST endpoints)`` per implementing plugin, in plugin order;
        mounted under ``/api/v1/`` by ``api.urls`` (``host.plugin_urls.contributed_api``)."""
        pm = get_plugin_manager()
        return [(impl.plugin, list(impl.function() or []))
                for impl in reversed(pm.hook.platform_api_urls.get_hookimpls())]

    def platform_periodic_tasks(self) -> dict[str, dict[str, Any]]:
        merged: dict[str, dict[str, Any]] = {}
        for contributed in get_plugin_manager().hook.platform_periodic_tasks():
            merged.update(contributed or {})
        return merged

    def platform_expired_rows(self, cutoffs: dict[str, Any]) -> list[Any]:
        return _flatten(get_plugin_manager().hook.platform_expired_rows(cutoffs=cutoffs))

    def platform_seed_demo(self, org: Any) -> list[str]:
        return [line for line in get_plugin_manager().hook.platform_seed_demo(org=org) if line]

    def platform_home_panels(self, request: HttpRequest) -> list[HomePanel]:
        return _flatten(get_plugin_manager().hook.platform_home_panels(request=request))

    def platform_nav_items(self) -> list[NavItem]:
        from host.contracts import NavItem

        return [item if isinstance(item, NavItem) else NavItem(*item)
                for item in _flatten(get_plugin_manager().hook.platform_nav_items())]


class RuntimeHooks:
    """The sequences runtime: one plugin, checked at start-up (``check_runtime``)."""

    def trigger_enroll(self, request: TriggerRequest) -> EnrollmentResult:
        result = get_plugin_manager().hook.trigger_enroll(request=request)
        if result is None:
            raise NoRuntime("No plugin implements trigger_enroll (the sequences runtime is missing).")
        return result

    def trigger_list_sequences(self, active_only: bool) -> list[SequenceChoice]:
        return get_plugin_manager().hook.trigger_list_sequences(active_only=active_only) or []


class IntegrationHooks:
    """One integration's hooks: only its plugin's implementation, only where it is enabled."""

    def __init__(self, key: str):
        from host.integrations import get_integration, is_enabled

        self.integration = get_integration(key)
        if not is_enabled(key):
            raise PermissionError(f"Integration {key!r} is not enabled for this organization.")
        self.key = key

    def _call(self, name: str, **kwargs):
        return _only(self.integration.plugin, name)(**kwargs)

    # connect
    def connect_begin(self, connection: IntegrationConnection, state: str,
                      form: Mapping[str, str]) -> AuthorizationRequest:
        return self._call("connect_begin", connection=connection, state=state, form=form)

    def connect_complete(self, connection: IntegrationConnection, params: dict[str, str],
                         private_state: dict[str, Any]) -> ConnectionResult:
        return self._call("connect_complete", connection=connection, params=params,
                          private_state=private_state)

    def connect_refresh(self, connection: IntegrationConnection) -> ConnectionResult:
        return self._call("connect_refresh", connection=connection)

    def connect_disconnect(self, connection: IntegrationConnection) -> DisconnectResult | None:
        return self._call("connect_disconnect", connection=connection)

    # sync
    def sync_contacts(self, connection: IntegrationConnection,
                      checkpoint: dict[str, Any]) -> Iterator[ContactPage]:
        return self._call("sync_contacts", connection=connection, checkpoint=checkpoint)

    # trigger
    def trigger_interpret_event(self, connection: IntegrationConnection,
                                event: InboundEvent) -> TriggerDecision:
        return self._call("trigger_interpret_event", connection=connection, event=event)

    def trigger_interpret_events(self, connection: IntegrationConnection,
                                 events: list[InboundEvent]) -> list[TriggerDecision] | None:
        return self._call("trigger_interpret_events", connection=connection, events=events)

    # pushback
    def pushback_write(self, connection: IntegrationConnection,
                       items: list[PushbackWrite]) -> list[PushbackResult]:
        return self._call("pushback_write", connection=connection, items=items)

    def pushback_check_fields(self, connection: IntegrationConnection, mapping: dict[str, str],
                              refresh: bool) -> list[FieldCheck]:
        return self._call("pushback_check_fields", connection=connection, mapping=mapping,
                          refresh=refresh)

    def pushback_create_fields(self, connection: IntegrationConnection, mapping: dict[str, str],
                               checks: list[FieldCheck]) -> FieldSetupResult:
        return self._call("pushback_create_fields", connection=connection, mapping=mapping,
                          checks=checks)


class WebhookHooks:
    """One integration's webhook hooks, for the host's ingress (``host.webhooks.ingress``).

    No enablement check here: an app-level webhook arrives on the public host, before anyone
    knows the organization; the ingress checks the org's enablement once it routed the event.
    """

    def __init__(self, key: str):
        from host.integrations import get_integration

        self.integration = get_integration(key)

    def _call(self, name: str, **kwargs):
        return _only(self.integration.plugin, name)(**kwargs)

    def webhook_verify(self, request: WebhookRequest, secret: WebhookSecret) -> None:
        return self._call("webhook_verify", request=request, secret=secret)

    def webhook_parse(self, request: WebhookRequest) -> WebhookParse:
        return self._call("webhook_parse", request=request)


def _only(plugin, name: str):
    """A caller of hook ``name`` that runs ``plugin``'s implementation alone."""
    pm = get_plugin_manager()
    others = [p for _, p in pm.list_name_plugin() if p is not plugin]
    return pm.subset_hook_caller(name, remove_plugins=others)


platform = PlatformHooks()
runtime = RuntimeHooks()


def integration(key: str) -> IntegrationHooks:
    """The hooks of integration ``key``; ``PermissionError`` if the current org disabled it."""
    return IntegrationHooks(key)


def implements(key: str, name: str) -> bool:
    """Whether integration ``key``'s plugin implements the optional hook ``name`` (e.g. to offer
    *Create missing fields*); any schema, no call made."""
    from host.integrations import get_integration

    plugin = get_integration(key).plugin
    return any(impl.plugin is plugin for impl in getattr(get_plugin_manager().hook,
                                                         name).get_hookimpls())


def webhook(key: str) -> WebhookHooks:
    """The webhook hooks of integration ``key`` (any schema: see ``WebhookHooks``)."""
    return WebhookHooks(key)


def check_runtime() -> str:
    """Exactly one plugin implements the runtime's hooks, all of them; returns its name.

    Called at start-up beside the integration-key check, so two runtimes (or none) stop the
    platform with the plugins' names instead of enrolling through whichever pluggy calls first.
    """
    pm = get_plugin_manager()
    providers: dict[str, list[str]] = {
        name: [impl.plugin_name for impl in getattr(pm.hook, name).get_hookimpls()]
        for name in RUNTIME_HOOKS
    }
    for name, plugins in providers.items():
        if len(plugins) != 1:
            found = ", ".join(plugins) or "none"
            raise ImproperlyConfigured(
                f"Exactly one plugin must provide the sequences runtime; {name} is implemented "
                f"by {len(plugins)} ({found}).")
    owners = {plugins[0] for plugins in providers.values()}
    if len(owners) != 1:
        raise ImproperlyConfigured(
            "The sequences runtime's hooks must come from one plugin; they come from "
            f"{', '.join(sorted(owners))}.")
    return owners.pop()


def _flatten(lists) -> list:
    return [item for contributed in lists for item in (contributed or [])]
