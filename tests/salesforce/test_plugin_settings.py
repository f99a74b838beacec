"""The SALESFORCE_* settings live in the plugin's own module; Django settings still override."""

from __future__ import annotations

from django.test import override_settings

import host.settings
from host.integrations import get_integration
from plugins.salesforce import conf


def test_salesforce_settings_are_not_the_hosts():
    assert not [name for name in vars(host.settings) if name.startswith("SALESFORCE_")]
    assert "SALESFORCE_API_VERSION" in conf.settings.names()


def test_the_env_default_applies_and_override_settings_wins_for_its_duration():
    assert conf.settings.SALESFORCE_SYNC_PAGE_SIZE == 2000
    with override_settings(SALESFORCE_SYNC_PAGE_SIZE=250, SALESFORCE_CLIENT_SECRET=""):
        assert conf.settings.SALESFORCE_SYNC_PAGE_SIZE == 250
        # the host reads required settings from the plugin's module: the card's setup error
        assert "SALESFORCE_CLIENT_SECRET" in get_integration("salesforce").missing_settings()
    assert conf.settings.SALESFORCE_SYNC_PAGE_SIZE == 2000


def test_the_settings_fixture_overrides_too(settings):
    settings.SALESFORCE_API_VERSION = "63.0"
    assert conf.settings.SALESFORCE_API_VERSION == "63.0"
