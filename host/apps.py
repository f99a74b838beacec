from django.apps import AppConfig


class HostConfig(AppConfig):
    name = "host"
    verbose_name = "Platform host"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Load and validate every plugin now, so a broken plugin stops start-up with its name.
        from host.hooks import check_runtime
        from host.integrations import registry

        registry()
        check_runtime()  # exactly one sequences runtime, like unique integration keys

        from django.contrib import admin

        from host.views.auth import StaffAuthenticationForm

        admin.site.login_form = StaffAuthenticationForm

        # A request's log context (request id, integration) lasts from its start to its end,
        # including Django's own "Not Found: ..." line written after the middleware returned.
        from django.core.signals import request_finished, request_started

        from host import error_reporting, log_context

        error_reporting.init()  # only with SENTRY_DSN
        log_context.capture_stray_output()  # warnings are log lines too (JSON in production)
        request_started.connect(log_context.clear, dispatch_uid="log_context.clear.start")
        request_finished.connect(log_context.clear, dispatch_uid="log_context.clear.finish")

        from host.webhooks import connections

        connections.connect_signals()  # a saved connection is never answered from the cache
