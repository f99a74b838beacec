"""FakeCRM's hook implementations. Its 'remote CRM' is the connection's settings.

Its webhook is app-level (like HubSpot's): one URL on the public host for every account, each
event naming its ``account``, signed with the app's secret ``FAKE_CRM_APP_SECRET``:
``x-fake-signature: hex HMAC-SHA256(secret, method + uri + body)``.
"""

import hashlib
import hmac
import json
from urllib.parse import urlencode

from host.contracts import (
    AuthorizationRequest,
    Capability,
    ConnectError,
    ConnectionResult,
    ContactPage,
    DisconnectResult,
    ExternalContact,
    FieldCheck,
    FieldSetupResult,
    FieldSetupStep,
    IntegrationInfo,
    NeedsReconnect,
    PushbackField,
    PushbackResult,
    PushbackSpec,
    TriggerContact,
    TriggerDecision,
    TriggerRequest,
    WebhookEvent,
    WebhookInfo,
    WebhookParse,
    WebhookRejected,
    WebhookStyle,
)
from host.hookspecs import hookimpl

KEY = "fake_crm"
AUTHORIZE_URL = "https://fake-crm.example/authorize"
PAGE_SIZE = 2
PUSH_BATCH = 3  # records per pushback_write call


@hookimpl
def platform_integrations():
    return [IntegrationInfo(
        key=KEY, name="FakeCRM", description="A CRM that exists only in the tests.",
        capabilities=frozenset(Capability),
        webhook=WebhookInfo(style=WebhookStyle.APP, secret_setting="FAKE_CRM_APP_SECRET",
                            max_bytes=10_000, event_name="Deal won", record_label="Deal",
                            record_id_key="deal_id"),
        connect_form=_region_form, connection_facts=(("Environment", "environment"),),
        pushback=PushbackSpec(
            fields=(PushbackField("nps_field", "NPS score field", "nps", "number", scores="nps"),
                    PushbackField("csat_field", "CSAT score field", "", "number",
                                  scores="csat"),
                    PushbackField("date_field", "Last survey date field", "surveyed_on",
                                  "date")),
            batch_size=PUSH_BATCH, field_noun="property", field_nouns="properties",
            create_label="Create missing properties"),
    )]


def _region_form(connection):
    """FakeCRM's own Connect field, rendered by the host's connection section."""
    from django import forms

    class RegionForm(forms.Form):
        region = forms.CharField(label="FakeCRM region", required=False)

    return RegionForm(initial={"region": "eu-1"})


def signature(secret: bytes, method: str, uri: str, body: bytes) -> str:
    return hmac.new(secret, method.encode() + uri.encode() + body, hashlib.sha256).hexdigest()


@hookimpl
def webhook_verify(request, secret):
    sent = request.headers.get("x-fake-signature", "").encode()
    expected = [signature(key, request.method, request.uri, request.body).encode()
                for key in secret.signing_keys]
    if not sent or not any([hmac.compare_digest(sent, e) for e in expected]):
        raise WebhookRejected("Bad FakeCRM signature.", code="INVALID_SIGNATURE")


@hookimpl
def webhook_parse(request):
    if request.content_type != "application/json":
        raise WebhookRejected("JSON only.", 415, "UNSUPPORTED_MEDIA_TYPE")
    try:
        items = json.loads(request.body)["events"]
        return WebhookParse(events=[WebhookEvent(
            dedupe_key=str(item["id"]), kind="deal_won", account_id=str(item["account"]),
            payload={k: item[k] for k in ("deal_id", "won", "email", "sequence_id")})
            for item in items])
    except (ValueError, KeyError, TypeError):
        raise WebhookRejected("Not a FakeCRM webhook.", 400, "VALIDATION_ERROR") from None


@hookimpl
def connect_begin(connection, state, form):
    verifier = "verifier-for-" + state[:8]
    query = urlencode({"state": state, "client_id": "fake", "region": form.get("region", "")})
    return AuthorizationRequest(url=f"{AUTHORIZE_URL}?{query}", private_state={"v": verifier})


@hookimpl
def connect_complete(connection, params, private_state):
    if params.get("code") != "good-code":
        raise ConnectError("FakeCRM refused the code.")
    return ConnectionResult(
        external_account_id=params.get("account", "acct-1"),
        account_label="fake-user@fake-crm.example",
        credentials={"token": "t-1", "verifier_seen": private_state["v"]},
        details={"environment": "test"},
    )


@hookimpl
def connect_refresh(connection):
    creds = connection.credentials
    if creds.get("refresh") == "revoked":
        raise NeedsReconnect("FakeCRM revoked the grant.")
    n = int(creds.get("token", "t-0").split("-")[1]) + 1
    return ConnectionResult(
        external_account_id=connection.external_account_id,
        account_label=connection.account_label,
        credentials={**creds, "token": f"t-{n}"},
    )


@hookimpl
def connect_disconnect(connection):
    return DisconnectResult(revoked=connection.settings.get("revoke_works", True),
                            message="FakeCRM was unreachable.")


@hookimpl
def sync_contacts(connection, checkpoint):
    records = connection.settings.get("remote_contacts", [])
    start = int(checkpoint.get("offset", 0))
    fail_at = connection.settings.get("fail_at_offset")
    for offset in range(start, len(records), PAGE_SIZE):
        if fail_at is not None and offset >= fail_at:
            raise ConnectionError("FakeCRM went away mid-sync")
        chunk = records[offset:offset + PAGE_SIZE]
        yield ContactPage(
            contacts=[ExternalContact(**r) for r in chunk],
            checkpoint={"offset": offset + len(chunk)},
            total=len(records),
        )


@hookimpl
def trigger_interpret_event(connection, event):
    payload = event.payload
    if not payload.get("won"):
        return TriggerDecision(ignored_reason="not won")
    return TriggerDecision(request=TriggerRequest(
        sequence_id=payload["sequence_id"], source="auto", reference=payload["deal_id"],
        contacts=[TriggerContact(email=payload["email"])],
    ))


@hookimpl
def pushback_write(connection, items):
    """Writes into the org's own ``PushedScore`` table, stamped with the connection's account
    and the schema it ran in (the tests' cross-tenant proof). ``settings["push_script"]`` maps
    a record id to the result FakeCRM gives instead of writing it; ``push_delay`` (s) slows a
    call down (concurrent writers)."""
    import time
    import uuid

    from django.db import connection as db

    from fake_crm.models import PushedScore

    script = connection.settings.get("push_script", {})
    time.sleep(connection.settings.get("push_delay", 0))
    batch = uuid.uuid4().hex
    results, rows = [], []
    for item in items:
        scripted = script.get(item.external_id)
        if scripted:
            results.append(PushbackResult(response_id=item.response_id, **scripted))
            continue
        fields = {k: (v.date().isoformat() if hasattr(v, "date") else v)
                  for k, v in item.values.items()}
        rows.append(PushedScore(external_id=item.external_id, kind=item.kind, score=item.score,
                                account=connection.external_account_id,
                                schema=db.schema_name, batch=batch))
        results.append(PushbackResult(response_id=item.response_id, status="written",
                                      fields=fields))
    PushedScore.objects.bulk_create(rows)
    return results


@hookimpl
def pushback_check_fields(connection, mapping, refresh):
    known = set(connection.settings.get("remote_properties", ["nps", "surveyed_on"]))
    return [FieldCheck(key=key, label=key, target=target, exists=target in known,
                       type_ok=target in known or None, writable=target in known or None,
                       problem="" if target in known else "does not exist",
                       fixable=target not in known)
            for key, target in mapping.items() if target]


@hookimpl
def pushback_create_fields(connection, mapping, checks):
    missing = [c.target for c in checks if c.fixable]
    known = connection.settings.get("remote_properties", ["nps", "surveyed_on"])
    connection.update_settings(lambda values: values.update(remote_properties=known + missing))
    return FieldSetupResult(
        steps=[FieldSetupStep(f"Created {name}.") for name in missing],
        checks=pushback_check_fields(connection, mapping, refresh=True))


@hookimpl
def platform_urls(scope):
    from django.urls import include, path

    from fake_crm import views

    if scope == "org":
        pushback = [path("fake-crm/pushback", views.pushback_page, name="settings"),
                    *[p for section in views.SECTIONS for p in section.urlpatterns]]
        return [path("fake-crm/whoami", views.whoami, name="fake-crm-whoami"),
                path("", include((pushback, KEY)))]
    return [path("fake-crm/public-whoami", views.public_whoami)]


@hookimpl
def platform_periodic_tasks():
    return {"fake_crm.tick": {"task": "fake_crm.tick", "schedule": 3600.0}}


@hookimpl
def platform_seed_demo(org):
    from host.models import Contact

    Contact.objects.get_or_create(email="demo@fake-crm.example")
    return "FakeCRM demo data ready"
