"""Links from the platform's pages to contacts' records in the connected CRMs.

Plugins ask the host (not each other) where a contact's CRM record is: each integration says how
to build the address (``IntegrationInfo.record_url``), the host knows the links and connections.
Two queries for any number of contacts.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from host.integrations import enabled_integrations
from host.models import ExternalLink, IntegrationConnection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordLink:
    provider: str  # the integration key
    name: str  # the integration's name, e.g. "Salesforce"
    external_id: str
    url: str | None  # None: the integration cannot build one (e.g. not connected)


def record_links(contact_ids) -> dict:
    """``{contact_id: [RecordLink, ...]}`` for the integrations the org has enabled."""
    ids = list(contact_ids)
    if not ids:
        return {}
    integrations = {i.key: i for i in enabled_integrations()}
    rows = list(ExternalLink.objects.filter(contact_id__in=ids, provider__in=integrations)
                .order_by("provider").values_list("contact_id", "provider", "external_id"))
    connections = {c.provider: c for c in IntegrationConnection.objects.filter(
        provider__in=list(integrations), status=IntegrationConnection.Status.CONNECTED)}
    found: dict = defaultdict(list)
    for contact_id, provider, external_id in rows:
        info = integrations[provider].info
        found[contact_id].append(RecordLink(provider, info.name, external_id,
                                            _url(info, connections.get(provider), external_id)))
    return dict(found)


def _url(info, connection, external_id: str) -> str | None:
    if info.record_url is None or connection is None:
        return None
    try:
        return info.record_url(connection, external_id)
    except Exception:  # noqa: BLE001 - a plugin's bug must not take a results page down
        log.exception("%s could not build a record URL", info.key)
        return None
