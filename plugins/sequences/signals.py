from plugins.sequences.models import Sending
from plugins.sequences.responses import cancel_open


def cancel_unlinked(sender, provider: str, contact_ids, **kwargs) -> None:
    """A CRM deleted these contacts: cancel their open sendings that came from that CRM."""
    cancel_open(Sending.objects.filter(contact_id__in=contact_ids, provider=provider),
                f"deleted in {provider}")
