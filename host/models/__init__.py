"""Models every plugin shares, in each organization's schema."""

from host.models.contacts import Contact, ExternalLink, normalize_email
from host.models.events import EventWakeup, InboundEvent
from host.models.integrations import IntegrationConnection
from host.models.pushback import PushbackItem
from host.models.sync import SyncRun

__all__ = [
    "Contact",
    "EventWakeup",
    "ExternalLink",
    "InboundEvent",
    "IntegrationConnection",
    "PushbackItem",
    "SyncRun",
    "normalize_email",
]
