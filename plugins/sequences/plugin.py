"""The sequences runtime as a pluggy plugin: the one implementation of ``trigger_enroll``."""

from __future__ import annotations

from host.hookspecs import hookimpl


@hookimpl
def platform_integrations():
    return []  # a runtime, not an integration


@hookimpl
def trigger_enroll(request):
    from plugins.sequences.enrollment import enroll

    return enroll(request)


@hookimpl
def trigger_list_sequences(active_only):
    from host.contracts import SequenceChoice
    from plugins.sequences.models import Sequence

    qs = Sequence.objects.order_by("name")
    if active_only:
        qs = qs.filter(status=Sequence.Status.ACTIVE)
    return [SequenceChoice(id=s.pk, name=s.name, status=s.status) for s in qs]


@hookimpl
def platform_urls(scope):
    if scope != "org":
        return []
    from plugins.sequences.urls import urlpatterns

    return urlpatterns


@hookimpl
def platform_api_urls():
    from plugins.sequences.rest.urls import urlpatterns

    return urlpatterns


@hookimpl
def platform_nav_items():
    from host.contracts import NavItem

    return [NavItem("Responses", "sequences:responses"),
            NavItem("Sequences", "sequences:list"), NavItem("Sendings", "sequences:sendings"),
            NavItem("Contacts", "sequences:contacts"),
            NavItem("Settings > Sending", "sequences:settings", admin_only=True)]


@hookimpl
def platform_home_panels(request):
    """The results dashboard (NPS, CSAT, funnel, trend, breakdowns, latest answers)."""
    from plugins.sequences.views.results import home_panel

    return [home_panel(request)]


@hookimpl
def platform_periodic_tasks():
    return {"sequences.dispatch_due": {"task": "sequences.dispatch_due", "schedule": 60.0}}


@hookimpl
def platform_expired_rows(cutoffs):
    """Sending events (a sending's timeline) past ``RETENTION_SENDING_EVENTS_DAYS``; the
    sendings and responses themselves are kept."""
    if "sending_events" not in cutoffs:
        return []
    from plugins.sequences.models import SendingEvent

    return [SendingEvent.objects.filter(at__lt=cutoffs["sending_events"])]


@hookimpl
def platform_seed_demo(org):
    from plugins.sequences.demo import seed

    return seed(org)
