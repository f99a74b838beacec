from django.apps import AppConfig


class SalesforceConfig(AppConfig):
    name = "plugins.salesforce"
    label = "salesforce"
    verbose_name = "Salesforce"
    default_auto_field = "django.db.models.BigAutoField"
