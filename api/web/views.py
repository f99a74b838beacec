"""Settings > API (``/settings/api``) on the org host: create, list and delete API keys."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from api import keys
from api.models import ApiKey
from api.web.forms import NewKeyForm
from host.views.auth import org_admin_required


@require_http_methods(["GET", "POST"])
@org_admin_required(does="manage API keys")
def api_keys(request):
    org = request.tenant
    new_key = None
    form = NewKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = keys.create_key(org, form.cleaned_data["name"], form.cleaned_data["scopes"],
                                  expires_at=form.expires_at(), created_by=request.user)
        new_key = created
        form = NewKeyForm()
    response = render(request, "api/keys.html", {
        "form": form, "new_key": new_key,
        "keys": ApiKey.objects.filter(organization=org).order_by("-created_at"),
        # Usage is written periodically (api/usage.py); round up to whole minutes for the page.
        "usage_delay_minutes": max(1, -(-settings.API_KEY_USAGE_FLUSH_SECONDS // 60)),
    }, status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"  # the page may show a full key once
    return response


@require_POST
@org_admin_required(does="manage API keys")
def delete_key(request, key_id):
    key = get_object_or_404(ApiKey, pk=key_id, organization=request.tenant)
    key.delete()
    messages.success(request, f"API key “{key.name}” deleted. Requests using it are now refused.")
    return redirect("api-keys")
