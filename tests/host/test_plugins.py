"""Plugin discovery, validation at start-up, per-org enablement and the hookspec contract."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from host import hooks, hookspecs
from host.contracts import Capability
from host.integrations import enabled_integrations, registry
from tests.conftest import ROOT, forget_fan_out_marks

TESTS = ROOT / "tests"


def test_builtin_and_entry_point_plugins_are_loaded(settings):
    refs = {ref.name: ref for ref in settings.PLATFORM_PLUGINS}
    assert refs["sequences"].source == "builtin"
    assert refs["fake_crm"].source == "demeterrr-fake-crm"  # found through the entry point
    assert "fake_crm" in settings.INSTALLED_APPS
    assert {"salesforce", "fake_crm"} <= set(registry())
    assert registry()["fake_crm"].has(Capability.PUSHBACK)


def _fake_distribution(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    dist = tmp_path / f"{name}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[demeterrr.plugins]\n{name} = {name}_pkg.plugin\n")
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def _start_django(extra_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(extra_path),
                                                        os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_a_plugin_that_fails_to_import_stops_start_up_with_its_name(tmp_path):
    path = _fake_distribution(tmp_path, "broken", {
        "broken_pkg/__init__.py": "raise ImportError('boom: missing dependency xyz')\n",
    })
    result = _start_django(path)
    assert result.returncode != 0
    assert "Plugin 'broken'" in result.stderr
    assert "boom: missing dependency xyz" in result.stderr


def test_an_unknown_hook_implementation_is_rejected_at_start_up(tmp_path):
    path = _fake_distribution(tmp_path, "typo", {
        "typo_pkg/__init__.py": "",
        "typo_pkg/plugin.py": """
            from host.hookspecs import hookimpl

            @hookimpl
            def sync_contact(connection, checkpoint):  # misspelt: sync_contacts
                return []
        """,
    })
    result = _start_django(path)
    assert result.returncode != 0
    assert "Plugin 'typo'" in result.stderr
    assert "sync_contact" in result.stderr


def test_the_host_only_calls_integrations_the_org_has_enabled(in_org_a):
    assert "fake_crm" in {i.key for i in enabled_integrations()}
    in_org_a.disabled_integrations = ["fake_crm"]
    in_org_a.save()
    assert "fake_crm" not in {i.key for i in enabled_integrations()}
    with pytest.raises(PermissionError):
        hooks.integration("fake_crm")


def test_disabled_integrations_have_no_card(client_a, org_a):
    assert b"FakeCRM" in client_a.get("/settings/integrations").content
    org_a.disabled_integrations = ["fake_crm"]
    org_a.save()
    assert b"FakeCRM" not in client_a.get("/settings/integrations").content


def test_integration_hooks_call_only_that_integrations_implementation(in_org_a):
    from host.integrations import get_connection

    conn = get_connection("fake_crm")
    # Salesforce implements connect_begin too; only FakeCRM's must answer.
    result = hooks.integration("fake_crm").connect_begin(connection=conn, state="s" * 20, form={})
    assert result.url.startswith("https://fake-crm.example/authorize")


HOOKSPECS = [
    name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "demeterrr_spec")
]


def test_every_hookspec_is_documented_like_an_api():
    assert len(HOOKSPECS) >= 10
    for name in HOOKSPECS:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert "Called by" in doc, f"{name}: say who calls it and when"
        assert "Returns:" in doc, f"{name}: say what it returns"
        assert inspect.signature(getattr(hookspecs, name)).return_annotation is not \
            inspect.Signature.empty, f"{name}: annotate the return type"


def test_every_hookspec_has_a_test_of_its_own():
    sources = "\n".join(p.read_text() for p in TESTS.rglob("test_*.py"))
    tested = set(re.findall(r"def test_hook_(\w+?)__", sources))
    missing = sorted(set(HOOKSPECS) - tested)
    assert not missing, f"hookspecs without a test_hook_<name>__... test: {missing}"


def test_a_second_sequences_runtime_stops_start_up_naming_both_plugins(tmp_path):
    path = _fake_distribution(tmp_path, "rival", {
        "rival_pkg/__init__.py": "",
        "rival_pkg/plugin.py": """
            from host.hookspecs import hookimpl

            @hookimpl
            def trigger_enroll(request):
                return None
        """,
    })
    result = _start_django(path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Exactly one plugin must provide the sequences runtime" in result.stderr
    assert "trigger_enroll is implemented by 2 (sequences, rival)" in result.stderr


# --- per-org enablement, enforced by the host on plugin URLs and tasks --------------------------


def _disable(org, *keys):
    org.disabled_integrations = list(keys)
    org.save(update_fields=["disabled_integrations"])


def test_a_disabled_integrations_pages_answer_404_from_the_host(client_a, org_a):
    assert client_a.get("/fake-crm/whoami").status_code == 200
    _disable(org_a, "fake_crm")
    response = client_a.get("/fake-crm/whoami")
    assert response.status_code == 404
    assert b"<html" in response.content.lower()  # the branded page, not a bare 404


def test_salesforce_disabled_its_pages_and_webhook_are_not_found(client_a, org_a):
    _disable(org_a, "salesforce")
    for path in ("/settings/integrations/salesforce", "/settings/integrations/salesforce/queue",
                 "/settings/integrations/salesforce/setup-check"):
        assert client_a.get(path).status_code == 404, path
    page = client_a.get("/settings/integrations/salesforce")
    assert page["Content-Type"].startswith("text/html")
    webhook = client_a.post("/api/v1/integrations/salesforce/webhook", data=b"{}",
                            content_type="application/json")
    assert webhook.status_code == 404
    assert webhook.json()["error"]["code"] == "NOT_FOUND"  # the API's envelope under /api/
    assert client_a.get("/fake-crm/whoami").status_code == 200  # other plugins unaffected


def test_an_org_task_of_a_disabled_integration_does_nothing(in_org_a, org_a):
    from fake_crm.tasks import contact_emails

    assert isinstance(contact_emails(), list)
    _disable(org_a, "fake_crm")  # the org row the task's schema is set to
    assert contact_emails() is None


def test_the_fan_out_skips_orgs_that_disabled_the_tasks_integration(org_a, monkeypatch):
    from fake_crm import tasks

    sent = []
    monkeypatch.setattr(tasks.contact_emails, "apply_async",
                        lambda **kw: sent.append(kw["headers"]["_schema_name"]))
    tasks.tick()
    assert org_a.schema_name in sent
    sent.clear()
    forget_fan_out_marks()  # the tasks ran
    _disable(org_a, "fake_crm")
    tasks.tick()
    assert sent and org_a.schema_name not in sent
