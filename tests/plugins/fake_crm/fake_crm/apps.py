from django.apps import AppConfig


class FakeCrmConfig(AppConfig):
    name = "fake_crm"
    verbose_name = "FakeCRM"
    default_auto_field = "django.db.models.BigAutoField"
