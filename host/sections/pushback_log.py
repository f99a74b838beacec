"""The pushback log: an integration's last score writes with their outcome, and *Retry failed*."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from host import pushback
from host.integrations import get_integration, is_enabled
from host.models import Contact, PushbackItem
from host.views.auth import org_admin_required

LOG_SIZE = 50


class PushbackLogSection:
    TEMPLATE = "host/sections/pushback_log.html"

    def __init__(self, key: str, ids: str):
        self.key, self.ids = key, ids

    def _page_url(self) -> str:
        return reverse(f"{self.key}:settings")

    def context(self, request, conn) -> dict:
        info = get_integration(self.key).info
        spec = info.pushback
        mine = PushbackItem.objects.filter(provider=self.key)
        items = list(mine.order_by("-updated_at", "-id")[:LOG_SIZE])
        emails = dict(Contact.objects.filter(pk__in={i.contact_id for i in items})
                      .values_list("id", "email"))
        for item in items:
            item.contact_email = emails.get(item.contact_id, "")
            item.record_url = spec.record_url(conn, item.external_id) if spec.record_url else ""
        counts = dict(mine.order_by().values_list("status").annotate(n=Count("id")))
        return {"pushback_items": items, "pushback_counts": counts,
                "pushback_failed": counts.get(PushbackItem.Status.FAILED, 0),
                "pushback_section": {
                    "name": info.name, "ids": self.ids, "field_noun": spec.field_noun,
                    "field_nouns": spec.field_nouns,
                    "retry_url": reverse(f"{self.key}:pushback-retry")}}

    def retry(self, request):
        if not is_enabled(self.key):
            raise Http404(f"{get_integration(self.key).info.name} is not available for this "
                          "organization.")
        count = pushback.retry_failed(self.key)
        if count:
            messages.success(request, f"{count} failed score{'s' if count != 1 else ''} "
                                      "queued again.")
        else:
            messages.info(request, "No failed scores to retry.")
        return redirect(self._page_url() + f"#{self.ids}-pushback")

    @property
    def urlpatterns(self) -> list:
        name = get_integration(self.key).info.name
        guard = org_admin_required(does=f"configure the {name} integration")
        return [path(f"settings/integrations/{self.key}/pushback/retry",
                     require_POST(guard(self.retry)), name="pushback-retry")]
