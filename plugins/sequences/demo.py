"""Demo data for ``make run``: an active "Post-purchase NPS" sequence."""

from plugins.sequences.defaults import ensure_default_surveys
from plugins.sequences.models import Sequence, Step, Survey

DEMO_SEQUENCE = "Post-purchase NPS"


def seed(org) -> str:
    ensure_default_surveys()
    nps = Survey.objects.filter(kind=Survey.Kind.NPS).order_by("created_at").first()
    sequence, created = Sequence.objects.get_or_create(name=DEMO_SEQUENCE)
    if created:
        Step.objects.create(sequence=sequence, position=1, kind=Step.Kind.SURVEY, survey=nps,
                            delay_hours=0)
        Step.objects.create(sequence=sequence, position=2, kind=Step.Kind.REMINDER,
                            delay_hours=72)
        sequence.set_status(Sequence.Status.ACTIVE)
    return f"Sequence '{DEMO_SEQUENCE}' is {sequence.status} (survey email at once, reminder after 72 h)"
