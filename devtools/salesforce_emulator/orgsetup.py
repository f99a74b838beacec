"""The org's setup as Salesforce keeps it: which Contact custom fields exist, who may see and edit
them (permission sets, field permissions, assignments), the connected user's system permissions,
and the Closed Won sender (Outbound Messages and record-triggered Flows).

Field-level security is enforced for the user of each API request (see ``access.py``): a custom
field the user cannot read is absent from describe and an ``INVALID_FIELD`` in SOQL and writes;
one they can read but not edit is ``updateable: false`` and refused on writes. The seed gives the
user a profile-owned permission set with read and edit on every seeded custom field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .schema import OBJECTS, Field

API_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)__c$")
USER_PERMISSIONS = ("CustomizeApplication", "ManageProfilesPermissionSets",
                    "AssignPermissionSets", "ViewSetup", "ApiEnabled")
TYPES = {"Number": "double", "Date": "date", "DateTime": "datetime", "Checkbox": "boolean",
         "Text": "string", "Percent": "percent", "Currency": "currency"}


class SetupError(Exception):
    def __init__(self, code: str, message: str, status: int = 400, fields=()):
        super().__init__(message)
        self.code, self.message, self.status, self.fields = code, message, status, list(fields)


@dataclass
class OrgSetup:
    """Setup rows by id. ``removed`` holds Contact custom fields deleted from the org."""

    ids: object
    user_id: str
    fls_enforced: bool = True
    removed: set = field(default_factory=set)
    custom_fields: dict = field(default_factory=dict)  # lower name -> CustomField row
    permission_sets: dict = field(default_factory=dict)
    field_permissions: dict = field(default_factory=dict)
    assignments: dict = field(default_factory=dict)
    user_permissions: dict = field(default_factory=dict)
    outbound_messages: dict = field(default_factory=dict)
    flows: dict = field(default_factory=dict)
    extra_fields: list = field(default_factory=list)  # fields created beyond the schema
    replaced: dict = field(default_factory=dict)  # schema fields recreated with another type
    delivery_url: object = None  # () -> the emulator's outbound delivery URL

    def endpoint(self, message: dict) -> str:
        """An Outbound Message's endpoint; unset = where the emulator delivers (``outbound``)."""
        url = message["Metadata"]["endpointUrl"]
        return url if url is not None else ((self.delivery_url and self.delivery_url()) or "")

    def seed(self) -> None:
        self.user_permissions = dict.fromkeys(USER_PERMISSIONS, True)
        profile = self._add(self.permission_sets, "0PS", Name="X00e5g000001SysAdmin",
                            Label="System Administrator", Description="",
                            IsOwnedByProfile=True)
        for f in OBJECTS["Contact"].fields.values():
            if f.custom:
                self._register_field(f.name, _metadata_for(f))
                self._add(self.field_permissions, "01k", ParentId=profile["Id"],
                          SobjectType="Contact", Field=f"Contact.{f.name}", PermissionsRead=True,
                          PermissionsEdit=f.updateable)
        self._add(self.assignments, "0Pa", AssigneeId=self.user_id,
                  PermissionSetId=profile["Id"])
        message = self.add_outbound_message("Survey_Closed_Won", None)
        self.add_flow("Survey_on_Closed_Won", "Survey on Closed Won", message["Id"])

    def drop_extra_fields(self) -> None:
        contact = OBJECTS["Contact"]
        for name in self.extra_fields:
            contact.fields.pop(name.lower(), None)
        contact.fields.update(self.replaced)
        self.extra_fields.clear()
        self.replaced.clear()

    def _add(self, table: dict, prefix: str, **row) -> dict:
        row = {"Id": self.ids.new(prefix), **row}
        table[row["Id"]] = row
        return row

    def _register_field(self, name: str, metadata: dict) -> dict:
        row = {"Id": self.ids.new("00N"), "DeveloperName": name[:-3], "TableEnumOrId": "Contact",
               "FullName": f"Contact.{name}", "Metadata": metadata}
        self.custom_fields[name.lower()] = row
        return row

    # ------------------------------------------------------------------ field access
    def access(self, obj_name: str, f: Field) -> tuple[bool, bool]:
        """``(readable, editable)`` of a field for the connected user."""
        if obj_name != "Contact" or not f.custom:
            return True, f.updateable
        if f.name.lower() in self.removed:
            return False, False
        if not self.fls_enforced:
            return True, f.updateable
        assigned = {a["PermissionSetId"] for a in self.assignments.values()
                    if a["AssigneeId"] == self.user_id}
        rows = [p for p in self.field_permissions.values() if p["ParentId"] in assigned
                and p["Field"].lower() == f"contact.{f.name.lower()}"]
        read = any(p["PermissionsRead"] for p in rows)
        return read, read and f.updateable and any(p["PermissionsEdit"] for p in rows)

    def field_exists(self, name: str) -> bool:
        return name.lower() in self.custom_fields and name.lower() not in self.removed

    # ------------------------------------------------------------------ control (tests, demo)
    def remove_field(self, name: str) -> None:
        """Delete a Contact custom field in Setup: its FLS rows and CustomField row go too."""
        self.removed.add(name.lower())
        self.custom_fields.pop(name.lower(), None)
        for rid in [rid for rid, p in self.field_permissions.items()
                    if p["Field"].lower() == f"contact.{name.lower()}"]:
            del self.field_permissions[rid]

    def unassign(self, permission_set_name: str) -> int:
        ids = {p["Id"] for p in self.permission_sets.values()
               if p["Name"].lower() == permission_set_name.lower()}
        gone = [rid for rid, a in self.assignments.items() if a["PermissionSetId"] in ids]
        for rid in gone:
            del self.assignments[rid]
        return len(gone)

    def add_outbound_message(self, name: str, endpoint_url: str | None, obj: str = "Opportunity",
                             fields=("Id", "ContactId", "IsWon", "StageName")) -> dict:
        return self._add(self.outbound_messages, "04k", Name=name, ApiVersion=59.0,
                         EntityDefinition={"QualifiedApiName": obj},
                         FullName=f"{obj}.{name}", IntegrationUserId=self.user_id,
                         Metadata={"name": name, "endpointUrl": endpoint_url,
                                   "fields": list(fields), "includeSessionId": False,
                                   "apiVersion": 59.0, "integrationUser": None})

    def add_flow(self, api_name: str, label: str, message_id: str | None, obj: str = "Opportunity",
                 active: bool = True, filter_formula: str = "{!$Record.IsWon} = true") -> dict:
        message = self.outbound_messages.get(message_id or "")
        actions = [{"actionType": "outboundMessage", "actionName": message["FullName"],
                    "flowTransactionModel": "CurrentTransaction"}] if message else []
        version = self.ids.new("301")
        return self._add(self.flows, "300", ApiName=api_name, Label=label, IsActive=active,
                         ProcessType="AutoLaunchedFlow", TriggerType="RecordAfterSave",
                         RecordTriggerType="Update", TriggerObjectOrEventId=obj,
                         TriggerObjectOrEventLabel=obj, ActiveVersionId=version if active else None,
                         LatestVersionId=version, VersionId=version,
                         Metadata={"processType": "AutoLaunchedFlow", "status":
                                   "Active" if active else "Draft",
                                   "start": {"object": obj, "recordTriggerType": "Update",
                                             "triggerType": "RecordAfterSave",
                                             "filterFormula": filter_formula},
                                   "actionCalls": actions})

    def set_flow_active(self, api_name: str, active: bool) -> None:
        for flow in self.flows.values():
            if flow["ApiName"] == api_name:
                flow["IsActive"] = active
                flow["ActiveVersionId"] = flow["LatestVersionId"] if active else None
                flow["Metadata"]["status"] = "Active" if active else "Obsolete"

    def set_endpoint(self, name: str, endpoint_url: str) -> None:
        for message in self.outbound_messages.values():
            if message["Name"] == name:
                message["Metadata"]["endpointUrl"] = endpoint_url

    # ------------------------------------------------------------------ API writes
    def require(self, permission: str, label: str) -> None:
        if not self.user_permissions.get(permission):
            raise SetupError("INSUFFICIENT_ACCESS_OR_READONLY",
                             f"insufficient access rights on object id: the user needs the "
                             f"\"{label}\" permission")

    def create_custom_field(self, body: dict) -> dict:
        if not isinstance(body, dict):
            raise SetupError("JSON_PARSER_ERROR", "Expected a JSON object")
        self.require("CustomizeApplication", "Customize Application")
        meta = body.get("Metadata") or {}
        full = body.get("FullName") or meta.get("fullName") or ""
        if not full or not meta.get("label"):
            raise SetupError("REQUIRED_FIELD_MISSING", "Required fields are missing: "
                             f"[{'FullName' if not full else 'Metadata.label'}]")
        obj_name, _, name = full.partition(".")
        if obj_name.lower() != "contact" or not API_NAME.match(name) or len(name) > 43:
            raise SetupError("FIELD_INTEGRITY_EXCEPTION",
                             f"Invalid custom field name or object: {full}")
        kind = TYPES.get(meta.get("type", ""))
        if kind is None:
            raise SetupError("FIELD_INTEGRITY_EXCEPTION", f"Unsupported type: {meta.get('type')}")
        if meta["type"] == "Number":
            precision, scale = meta.get("precision"), meta.get("scale", 0)
            if not isinstance(precision, int) or not 1 <= precision <= 18 or not (
                    isinstance(scale, int) and 0 <= scale <= precision):
                raise SetupError("FIELD_INTEGRITY_EXCEPTION",
                                 "Number fields need 1 <= precision <= 18 and 0 <= scale <= "
                                 "precision")
        if name.lower() in self.custom_fields:
            raise SetupError("DUPLICATE_DEVELOPER_NAME", "You cannot create a custom object or "
                             "custom field with a duplicate developer name")
        contact = OBJECTS["Contact"]
        existing = contact.field(name)
        if existing is None:
            contact.fields[name.lower()] = Field(name, kind, label=meta["label"], custom=True,
                                                 length=int(meta.get("length") or 0))
            self.extra_fields.append(name)
        elif existing.type != kind:  # the schema's own field was removed; recreate it as asked
            self.replaced.setdefault(name.lower(), existing)
            contact.fields[name.lower()] = Field(name, kind, label=meta["label"], custom=True)
        self.removed.discard(name.lower())
        return self._register_field(contact.field(name).name, dict(meta))

    def create_permission_set(self, body: dict) -> dict:
        self.require("ManageProfilesPermissionSets", "Manage Profiles and Permission Sets")
        name = body.get("Name") or ""
        if not body.get("Label") or not name:
            raise SetupError("REQUIRED_FIELD_MISSING", "Required fields are missing: [Name, Label]")
        if not re.match(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$", name) or len(name) > 80:
            raise SetupError("FIELD_INTEGRITY_EXCEPTION", f"Invalid API name: {name}")
        if any(p["Name"].lower() == name.lower() for p in self.permission_sets.values()):
            raise SetupError("DUPLICATE_DEVELOPER_NAME", "Duplicate Name: " + name)
        return self._add(self.permission_sets, "0PS", Name=name, Label=body["Label"],
                         Description=body.get("Description") or "", IsOwnedByProfile=False)

    def create_field_permission(self, body: dict) -> dict:
        self.require("ManageProfilesPermissionSets", "Manage Profiles and Permission Sets")
        parent = self.permission_sets.get(body.get("ParentId") or "")
        if parent is None:
            raise SetupError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        target = body.get("Field") or ""
        obj_name, _, name = target.partition(".")
        if obj_name != body.get("SobjectType") or not self.field_exists(name):
            raise SetupError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                             f"Field: bad value for restricted picklist field: {target}")
        read, edit = bool(body.get("PermissionsRead")), bool(body.get("PermissionsEdit"))
        if edit and not read:
            raise SetupError("FIELD_INTEGRITY_EXCEPTION", "Permission Edit depends on Read")
        if any(p["ParentId"] == parent["Id"] and p["Field"].lower() == target.lower()
               for p in self.field_permissions.values()):
            raise SetupError("DUPLICATE_VALUE", "duplicate value found: Field duplicates value "
                             "on record with id")
        return self._add(self.field_permissions, "01k", ParentId=parent["Id"],
                         SobjectType=obj_name, Field=self.custom_fields[name.lower()]["FullName"],
                         PermissionsRead=read, PermissionsEdit=edit)

    def update_field_permission(self, rid: str, body: dict) -> None:
        self.require("ManageProfilesPermissionSets", "Manage Profiles and Permission Sets")
        row = self.field_permissions.get(rid)
        if row is None:
            raise SetupError("NOT_FOUND", "The requested resource does not exist", 404)
        row.update({k: bool(v) for k, v in body.items()
                    if k in ("PermissionsRead", "PermissionsEdit")})
        if row["PermissionsEdit"] and not row["PermissionsRead"]:
            raise SetupError("FIELD_INTEGRITY_EXCEPTION", "Permission Edit depends on Read")
        if not row["PermissionsRead"]:
            del self.field_permissions[rid]

    def create_assignment(self, body: dict) -> dict:
        self.require("AssignPermissionSets", "Assign Permission Sets")
        if body.get("PermissionSetId") not in self.permission_sets or \
                body.get("AssigneeId") != self.user_id:
            raise SetupError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        if any(a["PermissionSetId"] == body["PermissionSetId"] and
               a["AssigneeId"] == body["AssigneeId"] for a in self.assignments.values()):
            raise SetupError("DUPLICATE_VALUE", "Duplicate PermissionSetAssignment")
        return self._add(self.assignments, "0Pa", AssigneeId=body["AssigneeId"],
                         PermissionSetId=body["PermissionSetId"])

    def delete(self, table: str, rid: str) -> None:
        rows = getattr(self, table)
        if rid not in rows:
            raise SetupError("NOT_FOUND", "The requested resource does not exist", 404)
        del rows[rid]

    # ------------------------------------------------------------------ rows for queries
    def rows(self, entity: str) -> list[dict]:
        """Rows of a setup entity, with the relationship hops queries use."""
        sets = self.permission_sets
        if entity == "PermissionSet":
            return list(sets.values())
        if entity == "FieldPermissions":
            return [{**p, "Parent": sets.get(p["ParentId"])} for p in self.field_permissions.values()]
        if entity == "PermissionSetAssignment":
            return [{**a, "PermissionSet": sets.get(a["PermissionSetId"])}
                    for a in self.assignments.values()]
        if entity == "CustomField":
            return [row for name, row in self.custom_fields.items() if name not in self.removed]
        if entity == "WorkflowOutboundMessage":
            return [{**m, "EndpointUrl": self.endpoint(m),
                     "Metadata": {**m["Metadata"], "endpointUrl": self.endpoint(m)}}
                    for m in self.outbound_messages.values()]
        if entity == "FlowDefinitionView":
            return [{k: v for k, v in f.items() if k != "Metadata"} for f in self.flows.values()]
        if entity == "Flow":
            return [{"Id": f["VersionId"], "Status": f["Metadata"]["status"],
                     "ProcessType": f["ProcessType"], "VersionNumber": 1,
                     "Definition": {"DeveloperName": f["ApiName"]}, "Metadata": f["Metadata"]}
                    for f in self.flows.values()]
        if entity == "UserPermissionAccess":
            return [{f"Permissions{k}": v for k, v in self.user_permissions.items()}]
        raise KeyError(entity)


def _metadata_for(f: Field) -> dict:
    kind = {"double": "Number", "date": "Date", "string": "Text"}.get(f.type, "Text")
    return {"label": f.label, "type": kind, "precision": 18 if kind == "Number" else None,
            "scale": 0 if kind == "Number" else None}
