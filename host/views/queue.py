"""The manual queue: CRM-linked contacts not triggered yet → pick some, pick a sequence, Trigger.

Works for any integration with the trigger capability. A constant number of queries per page:
one count, one page of links joined to their contacts, one list of sequences.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from host.contracts import Capability, EnrollmentError, TriggerContact, TriggerRequest
from host.integrations import get_connection
from host.models import ExternalLink
from host.trigger import enroll, queue_enabled, sequences
from host.views.auth import org_admin_required
from host.views.pages import integration_or_404

PAGE_SIZE = 50
MAX_PER_TRIGGER = 10_000


def queued_links(key: str, q: str):
    links = ExternalLink.objects.filter(provider=key, last_triggered_at__isnull=True)
    if q:
        links = links.filter(Q(contact__email__icontains=q) | Q(contact__first_name__icontains=q)
                             | Q(contact__last_name__icontains=q)
                             | Q(contact__company__icontains=q))
    return links.order_by("id")


@org_admin_required(does="trigger surveys from the manual queue")
@require_http_methods(["GET", "POST"])
def manual_queue(request, key):
    integration = integration_or_404(key)
    if not integration.has(Capability.TRIGGER):
        return redirect("integration-detail", key=key)
    conn = get_connection(key)
    q = (request.GET.get("q") or request.POST.get("q") or "").strip()
    if request.method == "POST" and queue_enabled(conn):
        _trigger(request, key, q)
        search = f"?{urlencode({'q': q})}" if q else ""  # "R&D" must stay one value
        return redirect(reverse("integration-queue", args=[key]) + search)
    page = Paginator(queued_links(key, q).select_related("contact"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "host/queue.html", {
        "info": integration.info, "connection": conn, "page": page, "q": q,
        "enabled": queue_enabled(conn), "sequences": sequences(active_only=True),
    })


def _trigger(request, key: str, q: str) -> None:
    try:
        sequence_id = UUID(request.POST.get("sequence", ""))
    except ValueError:
        messages.error(request, "Select a sequence.")
        return
    if request.POST.get("scope") == "all":
        contact_ids = list(queued_links(key, q).values_list("contact_id", flat=True)
                           [:MAX_PER_TRIGGER + 1])
    else:
        contact_ids = [cid for cid in request.POST.getlist("contact") if _is_uuid(cid)]
        contact_ids = list(ExternalLink.objects.filter(
            provider=key, contact_id__in=contact_ids).values_list("contact_id", flat=True))
    if not contact_ids:
        messages.error(request, "Select one or more contacts.")
        return
    if len(contact_ids) > MAX_PER_TRIGGER:
        messages.error(request, f"Trigger at most {MAX_PER_TRIGGER:,} contacts at a time; "
                                "narrow the search.")
        return
    try:
        result = enroll(TriggerRequest(
            sequence_id=sequence_id, source="manual", provider=key, reference=f"{key}:queue",
            contacts=[TriggerContact(contact_id=cid) for cid in contact_ids]))
    except EnrollmentError as exc:
        messages.error(request, exc.message)
        return
    skipped = Counter(o.reason for o in result.outcomes if o.status == "skipped")
    summary = f"{result.sendings_created} queued in '{result.sequence_name}'"
    if skipped:
        summary += "; skipped: " + ", ".join(f"{n} {reason.replace('_', ' ')}"
                                             for reason, n in sorted(skipped.items()))
    messages.success(request, summary + ".")


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True
