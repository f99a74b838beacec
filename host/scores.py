"""Scores recorded by the runtime fan out to every connected CRM that pushes them back."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db import transaction

from host.contracts import Capability, ScoreUpdate
from host.integrations import enabled_integrations, hook_for
from host.models import ExternalLink, IntegrationConnection

PUSHING = (IntegrationConnection.Status.CONNECTED, IntegrationConnection.Status.NEEDS_ATTENTION)


def report_score(
    *, response_id: UUID, contact_id: UUID, kind: str, score: int, answered_at: datetime
) -> int:
    """Called by the runtime when a response is recorded; enqueues one pushback per CRM link.

    Runs after the caller's transaction commits. Returns how many pushbacks were enqueued.
    """
    from host.tasking import enqueue
    from host.tasks import pushback_task

    providers = [i.key for i in enabled_integrations() if i.has(Capability.PUSHBACK)]
    # A connection that needs reconnecting still queues: the plugin writes after the reconnect.
    connected = set(IntegrationConnection.objects.filter(
        provider__in=providers, status__in=PUSHING
    ).values_list("provider", flat=True))
    links = ExternalLink.objects.filter(contact_id=contact_id, provider__in=connected)
    count = 0
    for link in links:
        update = {
            "response_id": str(response_id), "contact_id": str(contact_id),
            "external_id": link.external_id, "kind": kind, "score": score,
            "answered_at": answered_at.isoformat(),
        }
        enqueue(pushback_task, link.provider, [update])
        count += 1
    return count


def push(provider: str, updates: list[dict]):
    """Run the provider's pushback hook for serialized updates (inside a Celery task)."""
    conn = IntegrationConnection.objects.get(provider=provider)
    if conn.status not in PUSHING:
        return []
    scores = [
        ScoreUpdate(
            response_id=UUID(u["response_id"]), contact_id=UUID(u["contact_id"]),
            external_id=u["external_id"], kind=u["kind"], score=int(u["score"]),
            answered_at=datetime.fromisoformat(u["answered_at"]),
        )
        for u in updates
    ]
    with transaction.atomic():
        return hook_for(provider, "pushback_scores")(connection=conn, scores=scores)
