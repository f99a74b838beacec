"""The typed hook facade (``host.hooks``) is the one way to call plugins; the host imports no API."""

from __future__ import annotations

import ast
import inspect
import re

from django.urls import resolve

from host import hooks, hookspecs
from tests.conftest import ROOT

HOOKSPECS = sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
                   if hasattr(fn, "demeterrr_spec"))
FACADES = (hooks.PlatformHooks, hooks.RuntimeHooks, hooks.IntegrationHooks, hooks.WebhookHooks)
# Rewritten on other branches (webhook ingress, pushback outbox); converted when merged.
NOT_YET_CONVERTED: set[str] = set()
# Where the facade and its predecessors are defined.
DEFINITIONS = {"host/hooks.py", "host/integrations.py", "host/plugin_manager.py"}
CALLS_BY_NAME = re.compile(r"\.hook\.\w+|\bhooks\(\)\.\w+|\bhook_for\(")


def _modules(*roots: str):
    for root in roots:
        for path in sorted((ROOT / root).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path


def _allowed(rel: str, allowed: set[str]) -> bool:
    return any(rel == a or rel.startswith(a + "/") for a in allowed)


def test_every_hookspec_has_one_typed_facade_method_of_the_same_name():
    for name in HOOKSPECS:
        owners = [f.__name__ for f in FACADES if name in vars(f)]
        assert len(owners) == 1, f"{name}: one method in host.hooks, found in {owners}"
        method = getattr(next(f for f in FACADES if name in vars(f)), name)
        assert inspect.signature(method).return_annotation is not inspect.Signature.empty, name
    runtime_hooks = {n for n in vars(hooks.RuntimeHooks) if not n.startswith("_")}
    assert runtime_hooks == set(hooks.RUNTIME_HOOKS)


def test_no_module_calls_a_hook_by_name_outside_the_facade():
    offenders = []
    for rel, path in _modules("host", "api", "tenants", "plugins", "tests/plugins/fake_crm"):
        if _allowed(rel, DEFINITIONS | NOT_YET_CONVERTED):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if CALLS_BY_NAME.search(line):
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert not offenders, "call plugins through host.hooks:\n" + "\n".join(offenders)


def test_the_host_imports_nothing_of_the_api_framework():
    """``api`` builds on the host (and plugins mount endpoints on it), never the reverse."""
    offenders = []
    for rel, path in _modules("host"):
        for node in ast.walk(ast.parse(path.read_text(), rel)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                     else [])
            offenders += [f"{rel}:{node.lineno} imports {n}" for n in names
                          if n == "api" or n.startswith("api.")]
    assert not offenders, "\n".join(offenders)


def test_hook_platform_api_urls__sequences_and_responses_are_the_runtimes_endpoints(db):
    for path in ("/api/v1/sequences", "/api/v1/responses",
                 "/api/v1/sequences/9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f/execute"):
        assert resolve(path).func.__module__.startswith("plugins.sequences.rest."), path
    assert resolve("/api/v1/contacts").func.__module__ == "api.views.contacts"
    assert resolve("/api/v1/nothing-here").url_name == "api-not-found"


def test_the_runtime_is_one_plugin():
    assert hooks.check_runtime() == "sequences"
