"""The committed gettext catalogs: complete, compiled, up to date with the sources.

CI has no gettext tools, so the ``.mo`` files are committed beside their ``.po`` and read as
they are. These checks fail when a message is marked in a template or module but missing from
a catalog (or left there after its source went), untranslated or fuzzy, or when a ``.po`` was
edited without ``compilemessages``.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation.template import templatize

from tests.conftest import ROOT

# The apps with catalogs, and the languages each must have: every one but the source language.
CATALOG_APPS = ("host", "plugins/sequences")
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
FUNCTIONS = {"gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy", "_"}


def catalogs() -> list[Path]:
    """Every catalog of the packages of the wheel."""
    return sorted(path for package in ("host", "tenants", "plugins", "api")
                  for path in (ROOT / package).glob("**/locale/*/LC_MESSAGES/*.po"))


def key(msgctxt, msgid) -> tuple[str, str]:
    return (msgctxt or "", msgid)


def marked_in_template(source: str) -> set[tuple[str, str]]:
    """Messages of ``{% translate %}``/``{% blocktranslate %}``, via the same ``templatize``
    that ``makemessages`` feeds to xgettext."""
    found, tokens = set(), list(tokenize.generate_tokens(io.StringIO(templatize(source)).readline))
    for i, token in enumerate(tokens):
        if token.type == tokenize.NAME and token.string in FUNCTIONS and \
                tokens[i + 1].string == "(":
            args = []
            for arg in tokens[i + 2:]:
                if arg.string == ")":
                    break
                if arg.type == tokenize.STRING:
                    args.append(ast.literal_eval(arg.string))
            found.add(key(*args) if len(args) == 2 else key(None, args[0]))
    return found


def marked_in_module(source: str) -> set[tuple[str, str]]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in FUNCTIONS:
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if args:  # gettext(variable) translates a message marked elsewhere
                found.add(key(*args) if len(args) == 2 else key(None, args[0]))
    return found


def marked_in(app: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / app).rglob("*"):
        if "locale" in path.parts or "migrations" in path.parts or not path.is_file():
            continue
        if "templates" in path.parts and path.suffix in (".html", ".txt"):
            found |= marked_in_template(path.read_text())
        elif path.suffix == ".py":
            found |= marked_in_module(path.read_text())
    return found


def test_every_language_but_english_has_a_catalog_in_each_app():
    assert "fr" in LANGUAGES  # English and French, as the product always had
    for app in CATALOG_APPS:
        for language in LANGUAGES:
            assert (ROOT / app / "locale" / language / "LC_MESSAGES" / "django.po").is_file()
    assert {p.parts[-3] for p in catalogs()} == set(LANGUAGES)
    assert {p.relative_to(ROOT).parts[:-4] for p in catalogs()} == {
        tuple(app.split("/")) for app in CATALOG_APPS}


@pytest.mark.parametrize("po_path", catalogs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_catalog_is_complete_and_compiled(po_path):
    po = polib.pofile(str(po_path))
    assert po.metadata["Language"] == po_path.parts[-3]
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.is_file(), f"run compilemessages: {mo_path.relative_to(ROOT)} is missing"
    compiled = {key(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(mo_path)) if e.msgid}
    translated = {key(e.msgctxt, e.msgid): e.msgstr for e in po.translated_entries()}
    assert compiled == translated, f"run compilemessages: {mo_path.relative_to(ROOT)} is stale"


@pytest.mark.parametrize("app", CATALOG_APPS)
def test_each_catalog_holds_exactly_the_messages_its_app_marks(app):
    marked = marked_in(app)
    assert marked, app
    for po_path in (ROOT / app / "locale").glob("*/LC_MESSAGES/django.po"):
        in_catalog = {key(e.msgctxt, e.msgid) for e in polib.pofile(str(po_path))
                      if not e.obsolete}
        assert marked - in_catalog == set(), f"run makemessages in {app}: missing"
        assert in_catalog - marked == set(), f"run makemessages in {app}: stale"
