"""Concurrent enrollments, with committed data and real parallel database connections."""

from __future__ import annotations

import threading

from django.db import connection

from host.contracts import TriggerContact
from host.models import Contact
from host.trigger import enroll
from plugins.sequences.models import Sending
from tests.sequences.factories import active_sequence
from tests.sequences.test_enrollment import req


def test_concurrent_enrollments_of_the_same_contact_make_exactly_one_sending(committed_org):
    org = committed_org("race")
    with org:
        sequence = active_sequence()
    results, errors = [], []
    barrier = threading.Barrier(6)

    def worker():
        try:
            with org:
                barrier.wait()
                results.append(enroll(req(sequence, TriggerContact(email="race@example.com"),
                                          source="auto", reference="opp-1")).sendings_created)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(results) == [0, 0, 0, 0, 0, 1]
    with org:
        assert Sending.objects.count() == 1
        assert Contact.objects.filter(email="race@example.com").count() == 1
