"""Demo data for ``make run``: an active "Post-purchase NPS" sequence, a "Support CSAT" one, and
ten weeks of answered surveys so the results dashboard has something to show."""

import random
from datetime import timedelta

from django.utils import timezone

from host.models import Contact
from plugins.sequences.defaults import ensure_default_surveys
from plugins.sequences.models import Response, Sending, Sequence, Step, Survey

DEMO_SEQUENCE = "Post-purchase NPS"
DEMO_CSAT_SEQUENCE = "Support CSAT"
DEMO_DOMAIN = "demo.acme.example"  # the seeded contacts' addresses: never real mailboxes
COMMENTS = {
    "promoter": ["Delivery was quick and the team answered every question.",
                 "Great product, I already recommended you to two colleagues.",
                 "Setup took ten minutes. Impressive."],
    "passive": ["Good overall, the invoice portal is confusing.",
                "Fine, but shipping took a week."],
    "detractor": ["The order arrived damaged and nobody called back.",
                  "Support took four days to answer."],
}
NAMES = ["Ana Lopez", "Ben Carter", "Chloé Martin", "Dev Patel", "Eva Novak", "Farid Haddad",
         "Grace Kim", "Hugo Bernard", "Ines Costa", "Jonas Berg", "Kira Sato", "Liam Walsh"]


def _sequence(name: str, survey: Survey, reminder: bool) -> Sequence:
    sequence, created = Sequence.objects.get_or_create(name=name)
    if created:
        Step.objects.create(sequence=sequence, position=1, kind=Step.Kind.SURVEY, survey=survey,
                            delay_hours=0)
        if reminder:
            Step.objects.create(sequence=sequence, position=2, kind=Step.Kind.REMINDER,
                                delay_hours=72)
        sequence.set_status(Sequence.Status.ACTIVE)
    return sequence


def seed_sequences() -> tuple[Sequence, Sequence]:
    """The demo's two active sequences (NPS with a reminder, CSAT), without any sending."""
    ensure_default_surveys()
    nps = Survey.objects.filter(kind=Survey.Kind.NPS).order_by("created_at").first()
    csat = Survey.objects.filter(kind=Survey.Kind.CSAT).order_by("created_at").first()
    return (_sequence(DEMO_SEQUENCE, nps, reminder=True),
            _sequence(DEMO_CSAT_SEQUENCE, csat, reminder=False))


def seed(org) -> str:
    sequence, support = seed_sequences()
    answered = seed_answers(sequence, support)
    return (f"Sequence '{DEMO_SEQUENCE}' is {sequence.status} (survey email at once, reminder "
            f"after 72 h); {answered} answered demo surveys on the home page")


def seed_answers(nps_sequence: Sequence, csat_sequence: Sequence) -> int:
    """Ten weeks of sent, opened and answered surveys, once (idempotent by the contacts'
    domain). Nothing is due: no email goes out for them."""
    existing = Response.objects.filter(contact__email__endswith="@" + DEMO_DOMAIN).count()
    if existing:
        return existing
    rng = random.Random(17)  # noqa: S311 - repeatable demo data, not a secret
    now = timezone.now()
    count = 0
    for i in range(72):
        first, last = NAMES[i % len(NAMES)].split(" ")
        contact = Contact.objects.create(
            email=f"{first.lower()}.{last.lower()}{i}@{DEMO_DOMAIN}", first_name=first,
            last_name=last, company="Backpackers, Inc." if i % 3 else "Globex")
        is_csat = i % 4 == 3
        sent_at = now - timedelta(days=rng.randint(0, 69), hours=rng.randint(0, 23))
        opened = rng.random() < 0.85
        answers = opened and rng.random() < 0.8
        answered_at = sent_at + timedelta(hours=rng.randint(1, 30)) if answers else None
        answered_at = min(answered_at, now) if answered_at else None
        sending = Sending.objects.create(
            contact=contact, sequence=csat_sequence if is_csat else nps_sequence,
            source=("manual", "auto", "api", "auto")[i % 4], idempotency_key=f"demo-{i}",
            reference=f"006DEMO{i:011d}" if i % 4 in (1, 3) else "",
            status=Sending.Status.COMPLETED if answers else Sending.Status.SENT,
            next_position=3, sent_at=sent_at, opened_at=(answered_at or sent_at) if opened else None,
            completed_at=answered_at)
        Sending.objects.filter(pk=sending.pk).update(created_at=sent_at)  # enrolled when sent
        if not answers:
            continue
        if is_csat:
            score = rng.choice([5, 5, 4, 4, 4, 3, 2])
            comment = ""
        else:
            score = rng.choice([10, 10, 10, 9, 9, 9, 9, 8, 8, 7, 6, 3] if sent_at > now - timedelta(
                days=35) else [10, 10, 9, 9, 8, 8, 7, 7, 6, 5, 3])
            band = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
            comment = rng.choice(COMMENTS[band]) if rng.random() < 0.6 else ""
        response = Response.objects.create(sending=sending, survey=sending.sequence.survey,
                                           contact=contact, score=score, comment=comment)
        Response.objects.filter(pk=response.pk).update(answered_at=answered_at)
        count += 1
    return count
