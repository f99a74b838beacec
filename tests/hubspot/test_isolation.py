"""The two CRM plugins never import each other: each holds only its own CRM's code."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(package: Path) -> set[str]:
    found = set()
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module)
    return found


@pytest.mark.parametrize("plugin, other", [("hubspot", "salesforce"), ("salesforce", "hubspot")])
def test_plugins_do_not_import_each_other(plugin, other):
    modules = imported_modules(ROOT / "plugins" / plugin)
    assert modules, "the scan found no imports at all"
    assert not [m for m in modules if m == f"plugins.{other}" or m.startswith(f"plugins.{other}.")]


def test_the_scan_sees_a_cross_import(tmp_path):
    (tmp_path / "m.py").write_text("from plugins.salesforce.client import X\nimport plugins.hubspot\n")
    assert {"plugins.salesforce.client", "plugins.hubspot"} <= imported_modules(tmp_path)
