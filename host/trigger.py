"""The one way into the sequences runtime, used by the queue, webhooks and the REST API."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from host import metrics
from host.contracts import EnrollmentResult, SequenceChoice, TriggerRequest
from host.hooks import NoRuntime, runtime
from host.models import ExternalLink

__all__ = ["NoRuntime", "enroll", "sequences"]


def enroll(request: TriggerRequest) -> EnrollmentResult:
    """Hand ``request`` to the runtime plugin; raises ``EnrollmentError`` when refused.

    Contacts enrolled on behalf of an integration leave its manual queue.
    """
    with transaction.atomic():
        result = runtime.trigger_enroll(request)
        if request.provider:
            queued = [o.contact_id for o in result.outcomes if o.status == "queued"]
            for start in range(0, len(queued), 1000):
                ExternalLink.objects.filter(
                    provider=request.provider, contact_id__in=queued[start:start + 1000]
                ).update(last_triggered_at=timezone.now())
    metrics.inc("enrollments", result.sendings_created, source=request.source)
    return result


def sequences(active_only: bool = True) -> list[SequenceChoice]:
    return runtime.trigger_list_sequences(active_only)


# Trigger modes (per integration connection, in ``connection.settings["trigger_mode"]``):
MANUAL, AUTO, BOTH = "manual", "auto", "both"
TRIGGER_MODES = [(MANUAL, "manual: trigger only from the manual queue"),
                 (AUTO, "auto: trigger from Closed Won webhook events"),
                 (BOTH, "both: enable auto triggers and the manual queue")]


def trigger_mode(connection) -> str:
    return connection.settings.get("trigger_mode") or MANUAL


def queue_enabled(connection) -> bool:
    return trigger_mode(connection) in (MANUAL, BOTH)
