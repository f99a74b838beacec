from django.apps import AppConfig


class SequencesConfig(AppConfig):
    name = "plugins.sequences"
    label = "sequences"
    verbose_name = "Sequences runtime"
    default_auto_field = "django.db.models.BigAutoField"
