from django.apps import AppConfig


class HubSpotConfig(AppConfig):
    name = "plugins.hubspot"
    label = "hubspot"
    verbose_name = "HubSpot"
    default_auto_field = "django.db.models.BigAutoField"
