"""Salesforce id normalization used to compare a webhook's org id with the connected org's."""

from __future__ import annotations

import pytest

from plugins.salesforce import ids

ORG = "00D5e000000KQ2eEAG"


def test_a_15_character_id_gets_its_own_case_sensitive_suffix():
    assert ids.canonical(ORG[:15]) == ORG
    assert ids.same(ORG[:15], ORG)
    for tricked in (ORG[:15].lower(), ORG[:15].upper(), ORG[:15].swapcase()):
        assert not ids.same(tricked, ORG), tricked  # another record, not a case variant


def test_an_18_character_id_is_case_safe_through_its_suffix():
    assert ids.canonical(ORG.lower()) == ORG and ids.canonical(ORG.upper()) == ORG
    assert ids.same(ORG.lower(), ORG)


@pytest.mark.parametrize("bad", [None, "", 42, ORG[:14], ORG + "A", ORG[:15] + "ZZZ",
                                 ORG[:15] + "A!A", "00D5e000000KQ2é", "00D5e000000KQ2eEA9"])
def test_anything_else_is_not_an_id_and_never_the_same(bad):
    assert ids.canonical(bad) is None
    assert not ids.same(bad, ORG) and not ids.same(bad, bad)
