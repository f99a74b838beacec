"""The pushback log: the last writes with their outcome, and Retry failed (issue 8)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from host.models import Contact
from host.views.auth import org_admin_required
from plugins.salesforce.models import PushbackItem
from plugins.salesforce.pushback import retry_failed

TEMPLATE = "salesforce/sections/pushback.html"
LOG_SIZE = 50


def context(request, conn) -> dict:
    items = list(PushbackItem.objects.order_by("-updated_at", "-id")[:LOG_SIZE])
    emails = dict(Contact.objects.filter(pk__in={i.contact_id for i in items})
                  .values_list("id", "email"))
    for item in items:
        item.contact_email = emails.get(item.contact_id, "")
    counts = dict(PushbackItem.objects.order_by().values_list("status")
                  .annotate(n=Count("id")))
    return {"pushback_items": items, "pushback_counts": counts,
            "pushback_failed": counts.get(PushbackItem.Status.FAILED, 0),
            "instance_url": (conn.details or {}).get("instance_url", "")}


@require_POST
@org_admin_required(does="configure the Salesforce integration")
def retry(request):
    count = retry_failed()
    if count:
        messages.success(request, f"{count} failed score{'s' if count != 1 else ''} queued again.")
    else:
        messages.info(request, "No failed scores to retry.")
    return redirect(reverse("salesforce:settings") + "#sf-pushback")


urlpatterns = [
    path("settings/integrations/salesforce/pushback/retry", retry, name="pushback-retry"),
]
