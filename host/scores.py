"""Scores recorded by the runtime fan out to every connected CRM that pushes them back."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from host.contracts import Capability, ScoreUpdate
from host.integrations import enabled_integrations
from host.models import ExternalLink, IntegrationConnection

PUSHING = (IntegrationConnection.Status.CONNECTED, IntegrationConnection.Status.NEEDS_ATTENTION)


def report_score(
    *, response_id: UUID, contact_id: UUID, kind: str, score: int, answered_at: datetime
) -> int:
    """Called by the runtime when a response is recorded: queues one pushback per CRM link in
    the outbox (``host.pushback``), whose writer runs a moment later.

    Runs after the caller's transaction commits. Returns how many pushbacks were queued.
    """
    from host import pushback

    providers = [i.key for i in enabled_integrations() if i.has(Capability.PUSHBACK)]
    # A connection that needs reconnecting still queues: the writer waits for the reconnect.
    connected = set(IntegrationConnection.objects.filter(
        provider__in=providers, status__in=PUSHING
    ).values_list("provider", flat=True))
    links = ExternalLink.objects.filter(contact_id=contact_id, provider__in=connected)
    count = 0
    for link in links:
        count += pushback.queue(link.provider, [ScoreUpdate(
            response_id=response_id, contact_id=contact_id, external_id=link.external_id,
            kind=kind, score=score, answered_at=answered_at)])
    return count


def queue_serialized(provider: str, updates: list[dict]) -> int:
    """Queue scores serialized by an older ``host.pushback`` task still in the broker."""
    from host import pushback

    return pushback.queue(provider, [
        ScoreUpdate(response_id=UUID(u["response_id"]), contact_id=UUID(u["contact_id"]),
                    external_id=u["external_id"], kind=u["kind"], score=int(u["score"]),
                    answered_at=datetime.fromisoformat(u["answered_at"]))
        for u in updates])
