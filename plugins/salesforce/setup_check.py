"""The Salesforce setup check: everything the troubleshooting guide asks an admin to verify by
hand, checked on demand, each line green or red with its remedy.

It reads Salesforce (limits, Contact describe, demeterrr's permission set and its assignment,
Outbound Messages on Opportunity through the Tooling API, record-triggered Flows) and the
platform (trigger mode, sequence, the last webhook event). The webhook secret is stored hashed,
so an Outbound Message's ``token``/``secret`` is checked by hashing it, never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from simple_salesforce.format import format_soql

from host.contracts import NeedsReconnect
from host.models import InboundEvent
from host.sections.events import outcome
from host.trigger import MANUAL, sequences, trigger_mode
from host.webhooks import secrets
from plugins.salesforce import errors
from plugins.salesforce.client import SalesforceClient
from plugins.salesforce.conf import settings
from plugins.salesforce.field_check import mapping, run_test_fields
from plugins.salesforce.field_setup import PERMISSION_SET, PERMISSION_SET_LABEL
from plugins.salesforce.webhooks.ingress import QUERY_PARAMS

OK, PROBLEM, INFO = "ok", "problem", "info"


@dataclass(frozen=True)
class Line:
    key: str
    title: str
    status: str
    detail: str
    remedy: str = ""

    @property
    def ok(self) -> bool:
        return self.status != PROBLEM


def run_setup_check(conn, webhook_url: str) -> list[Line]:
    """Every line, in the order an admin would fix them."""
    client = SalesforceClient(conn)
    lines = [_connection(client, conn)]
    if lines[0].ok:
        lines.append(_budget(client, conn))
        lines += _salesforce_lines(client, conn, webhook_url)
    lines += [_trigger(conn), _last_event()]
    return lines


def _guarded(key: str, title: str, check, *args) -> Line | list[Line]:
    try:
        return check(*args)
    except errors.SalesforceError as exc:
        return Line(key, title, PROBLEM, f"Salesforce refused the check: {exc.message}",
                    "The connected user needs View Setup and Configuration to read setup; "
                    "give it, then run the check again.")


def _salesforce_lines(client, conn, webhook_url) -> list[Line]:
    out = []
    fields = _guarded("fields", "Mapped fields exist and are writable", _fields, client, conn)
    out += fields if isinstance(fields, list) else [fields]
    out.append(_guarded("permission_set", "Permission set assigned", _permission_set, client,
                        conn, all(line.ok for line in out)))
    message = _guarded("outbound_message", "Outbound Message points at this organization",
                       _outbound_message, client, conn, webhook_url)
    out.append(message[0] if isinstance(message, tuple) else message)
    found = message[1] if isinstance(message, tuple) else None
    out.append(_guarded("flow", "Record-triggered Flow sends it", _flow, client, found))
    return out


def _connection(client, conn) -> Line:
    title = "Connection and token"
    if not conn.is_connected:
        return Line("connection", title, PROBLEM, "Salesforce is not connected.",
                    "Click Connect Salesforce.")
    try:
        client.limits()
    except NeedsReconnect as exc:
        return Line("connection", title, PROBLEM, f"The token is no longer valid: {exc}",
                    "Click Reconnect Salesforce.")
    except errors.SalesforceError as exc:
        return Line("connection", title, PROBLEM, exc.message,
                    "Reconnect Salesforce, or try again in a few minutes.")
    who = conn.details.get("username") or "the connected user"
    return Line("connection", title, OK, f"Connected as {who}; the token is valid.")


def _budget(client, conn) -> Line:
    title = "API budget"
    usage = client.api_usage
    share = float(conn.settings.get("api_budget_share") or settings.SALESFORCE_API_BUDGET_SHARE)
    if usage is None or not usage.limit:
        return Line("budget", title, INFO, "Salesforce did not report its API usage.")
    detail = (f"{usage.used:,} of {usage.limit:,} daily API requests used ({usage.fraction:.0%}); "
              f"sync pauses at {share:.0%}.")
    if usage.fraction >= share:
        return Line("budget", title, PROBLEM, detail,
                    "Syncs wait for the 24-hour window to free up; raise the org's API limit in "
                    "Salesforce or lower other integrations' use.")
    return Line("budget", title, OK, detail)


def _fields(client, conn) -> list[Line]:
    checks = run_test_fields(client, mapping(conn))
    if not checks:
        return [Line("fields", "Mapped fields", INFO, "No field is mapped: pushback writes "
                                                       "nothing.")]
    out = []
    for check in checks:
        title = f"{check.label}: {check.target}"
        if check.ok:
            out.append(Line("fields", title, OK, "Exists on Contact and is writable by the "
                                                 "connected user."))
        else:
            remedy = ("Click Create missing fields in Score pushback field mapping."
                      if not check.exists or check.fixable
                      else check.remedy)
            out.append(Line("fields", title, PROBLEM, f"{check.target} {check.problem}.", remedy))
    return out


def _permission_set(client, conn, fields_ok: bool) -> Line:
    title = "Permission set assigned"
    found = client.query(format_soql("SELECT Id FROM PermissionSet WHERE Name = {} AND "
                                     "IsOwnedByProfile = false", PERMISSION_SET))["records"]
    who = conn.details.get("username") or "the connected user"
    if not found:
        if fields_ok:
            return Line("permission_set", title, OK, f"Not needed: {who} can already write the "
                                                     "mapped fields (profile or another set).")
        return Line("permission_set", title, PROBLEM,
                    f"demeterrr's permission set “{PERMISSION_SET_LABEL}” does not exist yet.",
                    "Click Create missing fields: it creates the set and assigns it.")
    assigned = client.query(format_soql(
        "SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = {} AND PermissionSetId = {}",
        conn.details.get("user_id", ""), found[0]["Id"]))["records"]
    if not assigned:
        return Line("permission_set", title, PROBLEM,
                    f"“{PERMISSION_SET_LABEL}” is not assigned to {who}.",
                    "Click Create missing fields to assign it again, or assign it in Setup → "
                    "Permission Sets → Manage Assignments.")
    return Line("permission_set", title, OK, f"“{PERMISSION_SET_LABEL}” is assigned to {who}.")


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…" if parts.query else "")


def _points_here(url: str, webhook_url: str) -> bool:
    got, want = urlsplit(url), urlsplit(webhook_url)
    return (got.netloc.lower(), got.path.rstrip("/")) == (want.netloc.lower(),
                                                          want.path.rstrip("/"))


def _secret_ok(conn, url: str) -> bool:
    query = parse_qs(urlsplit(url).query)
    values = [query[name][0] for name in QUERY_PARAMS if query.get(name)]
    return bool(values) and secrets.matches(conn, values[0].encode("utf-8", "surrogatepass"))


def _outbound_message(client, conn, webhook_url: str):
    title = "Outbound Message points at this organization"
    rows = client.tooling_query("SELECT Id, Name FROM WorkflowOutboundMessage WHERE "
                                "EntityDefinition.QualifiedApiName = 'Opportunity'")
    remedy_url = (f"In Setup → Outbound Messages, set the endpoint URL to {webhook_url}?token=… "
                  "(the webhook URL and secret from Trigger settings).")
    if not rows:
        return Line("outbound_message", title, PROBLEM, "No Outbound Message on Opportunity.",
                    "Create one on Opportunity in Setup → Outbound Messages; " + remedy_url), None
    seen = []
    for row in rows[:10]:
        full = client.tooling_query(format_soql(
            "SELECT Id, Name, FullName, Metadata FROM WorkflowOutboundMessage WHERE Id = {}",
            row["Id"]))[0]
        url = (full.get("Metadata") or {}).get("endpointUrl") or ""
        if _points_here(url, webhook_url):
            if _secret_ok(conn, url):
                return Line("outbound_message", title, OK,
                            f"“{full['Name']}” sends to this organization's webhook URL with the "
                            "webhook secret."), full
            return Line("outbound_message", title, PROBLEM,
                        f"“{full['Name']}” sends to this organization's webhook URL, but without "
                        "the current webhook secret.",
                        "Generate a webhook secret in Trigger settings and put it in the "
                        "endpoint URL as ?token=…"), full
        seen.append(f"“{full['Name']}” → {_redacted(url) or '(no URL)'}")
    return Line("outbound_message", title, PROBLEM,
                "No Outbound Message sends to this organization: " + "; ".join(seen) + ".",
                remedy_url), None


def _flow(client, message: dict | None) -> Line:
    title = "Record-triggered Flow sends it"
    if message is None:
        return Line("flow", title, PROBLEM, "No Flow can send the webhook until the Outbound "
                                            "Message points here.",
                    "Fix the Outbound Message line first.")
    flows = client.query("SELECT ApiName, Label, IsActive, ActiveVersionId, LatestVersionId "
                         "FROM FlowDefinitionView WHERE TriggerObjectOrEventId = "
                         "'Opportunity'")["records"]
    names = {message.get("Name", "").lower(), (message.get("FullName") or "").lower()}
    for flow in flows[:10]:
        version = flow.get("ActiveVersionId") or flow.get("LatestVersionId")
        if not version:
            continue
        rows = client.tooling_query(format_soql(
            "SELECT Id, Status, Metadata FROM Flow WHERE Id = {}", version))
        actions = ((rows[0].get("Metadata") or {}).get("actionCalls") or []) if rows else []
        if not any(a.get("actionType") == "outboundMessage" and
                   (a.get("actionName") or "").lower() in names for a in actions):
            continue
        if flow.get("IsActive") and flow.get("ActiveVersionId"):
            return Line("flow", title, OK, f"“{flow['Label']}” is active and sends "
                                           f"“{message['Name']}” on Opportunity.")
        return Line("flow", title, PROBLEM,
                    f"“{flow['Label']}” sends “{message['Name']}” but is not active.",
                    f"Activate “{flow['Label']}” in Setup → Flows.")
    return Line("flow", title, PROBLEM, f"No record-triggered Flow on Opportunity sends "
                                        f"“{message['Name']}”.",
                "Create a record-triggered Flow on Opportunity (after save, when updated to "
                f"meet IsWon = true) with the action Outbound Message “{message['Name']}”, "
                "and activate it.")


def _trigger(conn) -> Line:
    title = "Trigger mode and sequence"
    mode = trigger_mode(conn)
    if mode == MANUAL:
        return Line("trigger", title, PROBLEM, "Trigger mode is manual: Closed Won webhook "
                                               "events are ignored.",
                    "In Trigger settings, choose auto or both and a sequence.")
    chosen = conn.settings.get("auto_sequence_id") or ""
    active = {str(s.id): s.name for s in sequences(active_only=True)}
    if chosen not in active:
        return Line("trigger", title, PROBLEM, f"Trigger mode is {mode}, but no active "
                                               "sequence is selected.",
                    "In Trigger settings, choose the sequence to run.")
    return Line("trigger", title, OK, f"Trigger mode is {mode}; Closed Won runs “{active[chosen]}”.")


def _last_event() -> Line:
    title = "Last webhook event"
    event = InboundEvent.objects.filter(provider="salesforce").order_by("-received_at").first()
    if event is None:
        return Line("last_event", title, INFO, "No webhook event received yet.",
                    "Close an opportunity as won in Salesforce to test the whole path.")
    text = f"Received {event.received_at:%Y-%m-%d %H:%M} UTC: {outcome(event)}."
    if event.status in (InboundEvent.Status.IGNORED, InboundEvent.Status.FAILED):
        return Line("last_event", title, PROBLEM, text,
                    "Fix the red lines above, then Replay the event in Webhook events.")
    return Line("last_event", title, OK, text)
