"""The host's manual queue serves HubSpot-linked contacts (and only them)."""

from host.contracts import ExternalContact
from host.sync import apply_contacts
from plugins.sequences.models import Sending
from tests.sequences.factories import active_sequence

URL = "/settings/integrations/hubspot/queue"


def test_hubspot_linked_contacts_are_queued_and_triggered(client_a, org_a):
    with org_a:
        apply_contacts("hubspot", [ExternalContact(external_id="101", email="hs@example.com")])
        apply_contacts("salesforce", [ExternalContact(external_id="003A", email="sf@example.com")])
        sequence = active_sequence(steps=(("survey", 0),))
        from host.models import Contact

        hs_contact = Contact.objects.get(email="hs@example.com")
    page = client_a.get(URL).content.decode()
    assert "hs@example.com" in page and "sf@example.com" not in page
    done = client_a.post(URL, {"sequence": str(sequence.pk), "contact": [str(hs_contact.pk)]},
                         follow=True).content.decode()
    assert "1 queued" in done
    with org_a:
        assert Sending.objects.filter(source="manual", provider="hubspot").count() == 1
