"""Stored HubSpot events → triggers (deal won) or contact changes (deleted, merged).

An event is a notification, read against HubSpot before anyone is enrolled: the deal's *current*
stage is re-read, "won" is the stage's pipeline metadata (closed, probability 1.0 — never its
label, §3.1), and the recipients are the deal's associated contacts from the associations API.
The enrollment reference is the deal and stage, so duplicates, retries and a deal that leaves and
re-enters the same won stage enroll nobody twice.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from host.contracts import ExternalContact, NeedsReconnect, TriggerContact, TriggerDecision, TriggerRequest
from host.models import ExternalLink
from host.sync import apply_contacts
from host.trigger import AUTO, BOTH, trigger_mode

from . import contacts, errors, paths
from . import webhooks as w

KEY = "hubspot"
MODE_MANUAL = "trigger mode is manual"
NO_SEQUENCE = "no sequence selected"
NOT_WON = "deal stage is not won"
NOT_WON_IN_HUBSPOT = "deal not won in HubSpot"
NOT_FOUND = "deal not found in HubSpot"
NO_CONTACT = "no associated contact with an email"
NEEDS_RECONNECT = "needs reconnect"
LOOKUP_FAILED = "HubSpot lookup failed"
DELETED = "contact deleted in HubSpot: unlinked"
MERGED = "contacts merged in HubSpot: links follow the survivor"
RESTORED = "contact restored in HubSpot: the next sync reads it"


def is_won(stage: dict) -> bool:
    meta = stage.get("metadata") or {}
    try:
        probability = float(meta.get("probability"))
    except (TypeError, ValueError):
        return False
    return probability == 1.0 and str(meta.get("isClosed")).lower() == "true"


def won_stages(pipelines: dict) -> set[tuple[str, str]]:
    """``(pipeline id, stage id)`` of every won stage in a pipelines answer."""
    return {(p["id"], s["id"]) for p in pipelines.get("results") or [] for s in p.get("stages") or []
            if is_won(s)}


def contact_change(event_payload: dict) -> list[ExternalContact]:
    """The ExternalContact rows a deletion or merge event means (applied like a sync page)."""
    kind = event_payload["kind"]
    if kind == w.CONTACT_DELETED:
        return [ExternalContact(external_id=event_payload["object_id"], deleted=True)]
    if kind == w.CONTACT_MERGED:
        p = event_payload
        survivor = p.get("new_id") or p.get("primary_id") or p["object_id"]
        return [ExternalContact(external_id=old, deleted=True, merged_into=survivor)
                for old in event_payload.get("merged_ids") or [] if old != survivor]
    return []


def interpret_batch(connection, events) -> list[TriggerDecision]:
    from .client import HubSpotClient

    client = HubSpotClient(connection)
    mode_on = trigger_mode(connection) in (AUTO, BOTH)
    sequence_id = connection.settings.get("auto_sequence_id")
    lookup = _Lookup(client)
    decisions = []
    for event in events:
        payload = event.payload
        if payload["kind"] in (w.CONTACT_DELETED, w.CONTACT_MERGED):
            apply_contacts(KEY, contact_change(payload))
            decisions.append(TriggerDecision(
                ignored_reason=DELETED if payload["kind"] == w.CONTACT_DELETED else MERGED))
        elif payload["kind"] == w.CONTACT_RESTORED:
            decisions.append(TriggerDecision(ignored_reason=RESTORED))
        elif not mode_on:
            decisions.append(TriggerDecision(ignored_reason=MODE_MANUAL))
        elif not sequence_id:
            decisions.append(TriggerDecision(ignored_reason=NO_SEQUENCE))
        else:
            decisions.append(_deal_decision(lookup, payload, sequence_id))
    return decisions


def _deal_decision(lookup: _Lookup, payload: dict, sequence_id: str) -> TriggerDecision:
    try:
        if payload["kind"] == w.DEAL_STAGE and not lookup.stage_won(None, payload["stage"]):
            return TriggerDecision(ignored_reason=NOT_WON)
        deal = lookup.deal(payload["object_id"])
        if deal is None:
            return TriggerDecision(ignored_reason=NOT_FOUND)
        props = deal.get("properties") or {}
        if not lookup.stage_won(props.get("pipeline"), props.get("dealstage")):
            return TriggerDecision(ignored_reason=NOT_WON_IN_HUBSPOT)
        people = lookup.contacts_of(payload["object_id"])
    except NeedsReconnect:
        return TriggerDecision(ignored_reason=NEEDS_RECONNECT)
    except errors.HubSpotError as exc:
        if exc.retryable:
            raise
        return TriggerDecision(ignored_reason=f"{LOOKUP_FAILED}: {exc.message}"[:255])
    chosen = _local_contacts(people)
    if not chosen:
        return TriggerDecision(ignored_reason=NO_CONTACT)
    return TriggerDecision(request=TriggerRequest(
        sequence_id=sequence_id, source="auto", provider=KEY, contacts=chosen,
        reference=f"hubspot:deal:{payload['object_id']}:{props.get('dealstage')}"))


class _Lookup:
    """HubSpot reads for one batch of events: pipelines once, each deal once."""

    def __init__(self, client):
        self.client = client
        self._won: set[tuple[str, str]] | None = None

    def stage_won(self, pipeline: str | None, stage: str | None) -> bool:
        if self._won is None:
            self._won = won_stages(self.client.call("GET", paths.pipelines("deals")))
        return any(s == stage and (pipeline is None or p == pipeline) for p, s in self._won)

    def deal(self, deal_id: str) -> dict | None:
        try:
            return self.client.call("GET", paths.objects("deals", deal_id),
                                    params={"properties": "dealstage,pipeline"})
        except errors.NotFound:
            return None

    def contacts_of(self, deal_id: str) -> list[dict]:
        ids, after = [], None
        while True:
            params = {"limit": 500, **({"after": after} if after else {})}
            answer = self.client.call("GET", paths.associations("deals", deal_id, "contacts"),
                                      params=params)
            ids += [str(r["toObjectId"]) for r in answer.get("results") or []]
            after = ((answer.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
        records = []
        for start in range(0, len(ids), 100):
            answer = self.client.call("POST", paths.objects("contacts", "batch/read"), json={
                "properties": contacts.PROPERTIES,
                "inputs": [{"id": i} for i in dict.fromkeys(ids[start:start + 100])]})
            records += answer.get("results") or []
        return records


def _local_contacts(records: list[dict]) -> list[TriggerContact]:
    """The platform contacts of these HubSpot contacts (synced in if new), those with an email."""
    rows = [r for r in records if (r.get("properties") or {}).get("email")]
    if not rows:
        return []
    externals = [contacts.to_external(r)[0] for r in rows]
    try:
        with transaction.atomic():
            apply_contacts(KEY, externals)
    except IntegrityError:  # another worker synced the same contacts first
        with transaction.atomic():
            apply_contacts(KEY, externals)
    links = ExternalLink.objects.select_related("contact").filter(
        provider=KEY, external_id__in=[e.external_id for e in externals])
    return [TriggerContact(contact_id=link.contact_id) for link in links if link.contact.email]
