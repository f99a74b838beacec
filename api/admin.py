"""Platform staff: see keys (never their hashes) and set per-organization rate limits."""

from django.contrib import admin

from api.models import ApiKey, RateLimitSetting


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "prefix", "is_active", "expires_at", "last_used_at",
                    "request_count"]
    list_filter = ["is_active", "organization"]
    fields = ["organization", "name", "prefix", "scopes", "is_active", "expires_at", "created_at",
              "last_used_at", "request_count"]
    readonly_fields = ["organization", "prefix", "created_at", "last_used_at", "request_count"]

    def has_add_permission(self, request):
        return False  # keys are created in Settings > API or with manage.py create_api_key


@admin.register(RateLimitSetting)
class RateLimitSettingAdmin(admin.ModelAdmin):
    list_display = ["organization", "profile", "per_minute", "per_hour"]
