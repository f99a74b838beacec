from django.apps import AppConfig


class SequencesConfig(AppConfig):
    name = "plugins.sequences"
    label = "sequences"
    verbose_name = "Sequences runtime"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django_tenants.signals import post_schema_sync

        from host.signals import contacts_unlinked
        from plugins.sequences.defaults import on_org_created
        from plugins.sequences.signals import cancel_unlinked

        contacts_unlinked.connect(cancel_unlinked, dispatch_uid="sequences.cancel_unlinked")
        post_schema_sync.connect(on_org_created, dispatch_uid="sequences.default_surveys")
