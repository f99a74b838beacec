"""Create missing fields: the survey fields Test Fields found missing are created through the
Tooling API, then the connected user gets read and edit on them through demeterrr's own
permission set (found by name or created, assigned to the user), then Test Fields runs again.

Every step is found-or-created, so running it again is safe and finishes what an earlier run
could not. A step Salesforce refuses for lack of a permission stops the run and names the
permission and the remedy; what was done before it stays done and is reported.
"""

from __future__ import annotations

import time

from simple_salesforce.format import format_soql

from host.contracts import FieldCheck
from host.contracts import FieldSetupStep as Step
from plugins.salesforce import errors
from plugins.salesforce.field_check import forget_describe, run_test_fields

PERMISSION_SET = "Demeterrr_Survey_Fields"
PERMISSION_SET_LABEL = "demeterrr survey fields"
PERMISSION_SET_DESCRIPTION = ("Lets the user connected to demeterrr read and write the survey "
                              "fields demeterrr fills in (NPS, CSAT, last survey date).")
SPECS = {
    "nps_field": {
        "type": "Number", "precision": 2, "scale": 0, "label": "NPS Score",
        "description": "The contact's latest NPS answer (0-10), written by demeterrr after each "
                       "NPS survey.",
        "inlineHelpText": "Filled in by demeterrr: how likely this contact is to recommend you, "
                          "from 0 to 10, at their latest survey."},
    "csat_field": {
        "type": "Number", "precision": 1, "scale": 0, "label": "CSAT Score",
        "description": "The contact's latest CSAT answer (1-5), written by demeterrr after each "
                       "CSAT survey.",
        "inlineHelpText": "Filled in by demeterrr: how satisfied this contact was, from 1 to 5, "
                          "at their latest survey."},
    "date_field": {
        "type": "Date", "label": "Last Survey Date",
        "description": "When the contact last answered a demeterrr survey.",
        "inlineHelpText": "Filled in by demeterrr on the day the contact answers a survey."},
}
RECHECK_DELAYS = (1, 2, 4)  # Salesforce may take a moment to show a new field in describe


class Stop(Exception):
    def __init__(self, step: Step):
        super().__init__(step.text)
        self.step = step


def fixable(check: FieldCheck) -> bool:
    """Missing, or there but not writable by the connected user: what this can fix."""
    return not check.exists or bool(check.type_ok and not check.writable)


def kind(setting: str) -> str:
    spec = SPECS[setting]
    return "Date" if spec["type"] == "Date" else f"Number({spec['precision']},{spec['scale']})"


def _denied(exc: errors.SalesforceError) -> bool:
    return exc.error_code.startswith("INSUFFICIENT_ACCESS") or exc.status == 403


def _soql(template: str, *args) -> str:
    return format_soql(template, *args)


def create_missing_fields(client, chosen: dict[str, str],
                          checks: list[FieldCheck]) -> tuple[list[Step], list[FieldCheck]]:
    """Run every step; returns the steps (in the product's words) and the fresh Test Fields."""
    conn = client.connection
    username = conn.details.get("username") or "the connected Salesforce user"
    steps: list[Step] = []
    wanted = [c for c in checks if fixable(c)]
    try:
        names = [_create_field(client, c, username, steps) for c in wanted if not c.exists]
        names += [c.target for c in wanted if c.exists]
        if names:
            parent = _permission_set(client, username, steps)
            _grant(client, parent, names, steps)
            _assign(client, parent, conn.details.get("user_id", ""), username, steps)
    except Stop as stop:
        steps.append(stop.step)
    forget_describe(conn)
    fresh = run_test_fields(client, chosen)
    for delay in RECHECK_DELAYS if steps and steps[-1].ok else ():
        if all(c.ok for c in fresh):
            break
        time.sleep(delay)
        fresh = run_test_fields(client, chosen)
    return steps, fresh


def _create_field(client, check: FieldCheck, username: str, steps: list[Step]) -> str:
    name = check.target
    if not name.endswith("__c"):
        raise Stop(Step(f"{name} is not a custom field name, so demeterrr cannot create it.",
                        ok=False, remedy="Map a custom field (its name ends in __c), then click "
                                         "Create missing fields again."))
    spec = SPECS[check.key]
    metadata = {k: v for k, v in spec.items()}
    metadata.update(required=False, externalId=False, unique=False)
    try:
        client.tooling_create("CustomField", {"FullName": f"Contact.{name}", "Metadata": metadata})
        steps.append(Step(f"Created {spec['label']} ({name}), {kind(check.key)}, on "
                          "Contact."))
    except errors.SalesforceError as exc:
        if exc.error_code == "DUPLICATE_DEVELOPER_NAME":
            steps.append(Step(f"{name} already exists on Contact; the connected user cannot see "
                              "it yet, so demeterrr grants access below."))
        elif _denied(exc):
            raise Stop(Step(
                f"Could not create {name}: {username} lacks the Customize Application "
                "permission.", ok=False,
                remedy=f"In Salesforce Setup, give {username} Customize Application (Users → "
                       "Permission Sets or Profiles → System Permissions), then click Create "
                       f"missing fields again. Or create {name} as {kind(check.key)} on "
                       "Contact yourself.")) from None
        else:
            raise Stop(Step(f"Salesforce refused to create {name}: {exc.message}", ok=False,
                            remedy=f"Create {name} as {kind(check.key)} on Contact in "
                                   "Salesforce Setup, or map another field.")) from None
    return name


def _permission_set(client, username: str, steps: list[Step]) -> str:
    found = client.query(_soql("SELECT Id, Name FROM PermissionSet WHERE Name = {} "
                               "AND IsOwnedByProfile = false", PERMISSION_SET))["records"]
    if found:
        steps.append(Step(f"Found the permission set “{PERMISSION_SET_LABEL}”."))
        return found[0]["Id"]
    try:
        pid = client.create("PermissionSet", {"Name": PERMISSION_SET, "Label": PERMISSION_SET_LABEL,
                                              "Description": PERMISSION_SET_DESCRIPTION})
    except errors.SalesforceError as exc:
        if _denied(exc):
            raise Stop(Step(
                f"Could not create the permission set “{PERMISSION_SET_LABEL}”: {username} lacks "
                "the Manage Profiles and Permission Sets permission.", ok=False,
                remedy=f"Give {username} Manage Profiles and Permission Sets, then click Create "
                       "missing fields again; or, in Setup → Permission Sets, give the connected "
                       "user read and edit on the fields yourself.")) from None
        raise Stop(Step(f"Salesforce refused the permission set: {exc.message}",
                        ok=False)) from None
    steps.append(Step(f"Created the permission set “{PERMISSION_SET_LABEL}”."))
    return pid


def _grant(client, parent: str, names: list[str], steps: list[Step]) -> None:
    fields = [f"Contact.{n}" for n in names]
    rows = client.query(_soql("SELECT Id, Field, PermissionsRead, PermissionsEdit FROM "
                              "FieldPermissions WHERE ParentId = {} AND SobjectType = 'Contact' "
                              "AND Field IN {}", parent, fields))["records"]
    have = {r["Field"].lower(): r for r in rows}
    for field in fields:
        row = have.get(field.lower())
        try:
            if row is None:
                client.create("FieldPermissions", {
                    "ParentId": parent, "SobjectType": "Contact", "Field": field,
                    "PermissionsRead": True, "PermissionsEdit": True})
            elif not (row["PermissionsRead"] and row["PermissionsEdit"]):
                client.patch("FieldPermissions", row["Id"],
                             {"PermissionsRead": True, "PermissionsEdit": True})
        except errors.SalesforceError as exc:
            if exc.error_code == "DUPLICATE_VALUE":
                continue  # granted meanwhile (another run)
            raise Stop(Step(f"Could not grant read and edit on {field}: {exc.message}", ok=False,
                            remedy=f"In Setup → Permission Sets → “{PERMISSION_SET_LABEL}”, give "
                                   f"read and edit on {field}.")) from None
    steps.append(Step(f"Granted read and edit on {', '.join(names)} in “{PERMISSION_SET_LABEL}”."))


def _assign(client, parent: str, user_id: str, username: str, steps: list[Step]) -> None:
    found = client.query(_soql("SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = {} "
                               "AND PermissionSetId = {}", user_id, parent))["records"]
    if found:
        steps.append(Step(f"“{PERMISSION_SET_LABEL}” is assigned to {username}."))
        return
    try:
        client.create("PermissionSetAssignment", {"AssigneeId": user_id, "PermissionSetId": parent})
    except errors.SalesforceError as exc:
        if exc.error_code != "DUPLICATE_VALUE":
            denied = _denied(exc)
            raise Stop(Step(
                f"Could not assign “{PERMISSION_SET_LABEL}” to {username}"
                + (": the user lacks the Assign Permission Sets permission." if denied
                   else f": {exc.message}"), ok=False,
                remedy=f"Give {username} Assign Permission Sets and click Create missing fields "
                       f"again, or assign the permission set “{PERMISSION_SET_LABEL}” to "
                       f"{username} in Setup → Permission Sets → Manage Assignments.")) from None
    steps.append(Step(f"Assigned “{PERMISSION_SET_LABEL}” to {username}."))
