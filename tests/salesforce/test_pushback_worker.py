"""End to end with a real worker: answered surveys update the mapped fields on the Contact."""

from __future__ import annotations

import pytest
from django.utils import timezone

from host.contracts import ExternalContact, TriggerContact
from host.models import PushbackItem
from host.sync import apply_contacts
from host.trigger import enroll
from plugins.sequences.models import Sending, Survey
from plugins.sequences.responses import record_response
from tests.salesforce.conftest import KEY, calls, connect, org_client
from tests.sequences.factories import active_sequence
from tests.sequences.test_enrollment import req
from tests.waiting import wait_for

pytestmark = pytest.mark.usefixtures("celery_worker")


def test_answered_surveys_update_the_three_mapped_fields(committed_org, sf):
    org = committed_org("pushback")
    connect(org_client(org), org)
    sf.state.seed("demo", contacts=3, accounts=1, opportunities=0)
    ann, bob = [r["Id"] for r in sf.state.records("Contact", include_deleted=False)][:2]
    sf.state.calls.clear()
    with org:
        apply_contacts(KEY, [ExternalContact(external_id=ann, email="ann@example.com"),
                             ExternalContact(external_id=bob, email="bob@example.com")])
        nps = active_sequence(steps=(("survey", 0),))
        csat = active_sequence(steps=(("survey", 0),),
                               survey=Survey.objects.get(kind=Survey.Kind.CSAT))
        enroll(req(nps, TriggerContact(email="ann@example.com"),
                   TriggerContact(email="bob@example.com"), source="manual"))
        enroll(req(csat, TriggerContact(email="ann@example.com"), source="manual"))
        for sending in Sending.objects.select_related("contact", "sequence"):
            if sending.sequence_id == csat.pk:
                record_response(sending, 4)
            else:
                record_response(sending, 9 if sending.contact.email == "ann@example.com" else 6)

        def all_written():
            return PushbackItem.objects.filter(status="written").count() == 3

        wait_for(all_written)
    today = timezone.localdate().isoformat()
    record = sf.state.get("Contact", ann)
    assert (record["NPS_Score__c"], record["CSAT_Score__c"]) == (9, 4)
    assert record["Last_Survey_Date__c"] == today
    assert sf.state.get("Contact", bob)["NPS_Score__c"] == 6
    assert calls(sf, "collections") <= 2  # coalesced: not one call per response
