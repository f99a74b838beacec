"""Signals the host sends so plugins can react without the host knowing them."""

from django.dispatch import Signal

# Sent after a sync page unlinked contacts from a CRM (record deleted there), inside the page's
# transaction. kwargs: provider (str), contact_ids (list[UUID]). The sequences runtime cancels
# their pending sendings that came from that CRM.
contacts_unlinked = Signal()
