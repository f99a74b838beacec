"""Every organization starts with one NPS and one CSAT survey."""

from plugins.sequences.models import Survey

DEFAULT_SURVEYS = [
    ("NPS", Survey.Kind.NPS,
     "On a scale of 0-10, how likely are you to recommend us to a friend or colleague?",
     "Sur une échelle de 0 à 10, quelle est la probabilité que vous nous recommandiez à un ami "
     "ou à un collègue ?"),
    ("CSAT", Survey.Kind.CSAT,
     "How satisfied are you with your experience?",
     "Dans quelle mesure êtes-vous satisfait de votre expérience ?"),
]


def ensure_default_surveys() -> None:
    for name, kind, en, fr in DEFAULT_SURVEYS:
        if not Survey.objects.filter(kind=kind).exists():
            Survey.objects.create(name=name, kind=kind, question_en=en, question_fr=fr)


def on_org_created(sender, tenant, **kwargs) -> None:
    """django-tenants' post_schema_sync: runs inside the org creation transaction."""
    from django_tenants.utils import get_public_schema_name

    if tenant.schema_name == get_public_schema_name():
        return
    with tenant:
        ensure_default_surveys()
