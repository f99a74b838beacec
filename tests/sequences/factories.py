"""factory-boy factories for the runtime's models (use inside an org's schema)."""

import factory

from host.models import Contact
from plugins.sequences.models import Sequence, Step, Survey


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class SequenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sequence

    name = factory.Sequence(lambda n: f"Sequence {n}")


def nps_survey() -> Survey:
    return Survey.objects.get(kind=Survey.Kind.NPS)


def active_sequence(steps=(("survey", 0), ("reminder", 72)), survey=None, name=None) -> Sequence:
    sequence = SequenceFactory(**({"name": name} if name else {}))
    survey = survey or nps_survey()
    for position, (kind, delay) in enumerate(steps, start=1):
        Step.objects.create(sequence=sequence, position=position, kind=kind, delay_hours=delay,
                            survey=survey if kind == "survey" else None)
    sequence.set_status(Sequence.Status.ACTIVE)
    return sequence
