from django.apps import AppConfig


class HostConfig(AppConfig):
    name = "host"
    verbose_name = "Platform host"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Load and validate every plugin now, so a broken plugin stops start-up with its name.
        from host.integrations import registry

        registry()

        from django.contrib import admin

        from host.views.auth import StaffAuthenticationForm

        admin.site.login_form = StaffAuthenticationForm
