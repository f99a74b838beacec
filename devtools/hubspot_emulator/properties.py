"""Property definitions (defaults + custom), creation rules and value validation [reference §4]."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

# type -> allowed fieldTypes [reference §4.2]
FIELD_TYPES = {
    "number": {"number", "calculation_equation"},
    "date": {"date"},
    "datetime": {"date"},
    "string": {"text", "textarea", "html", "phonenumber", "file", "calculation_equation"},
    "bool": {"booleancheckbox"},
    "enumeration": {"select", "radio", "checkbox", "booleancheckbox"},
}
EPOCH = "2020-01-01T00:00:00Z"


def definition(name: str, label: str, type_: str, field_type: str, group: str = "contactinformation",
               *, read_only: bool = False, calculated: bool = False, hubspot: bool = True,
               description: str = "", options: list | None = None, when: str = EPOCH) -> dict:
    return {
        "name": name, "label": label, "type": type_, "fieldType": field_type,
        "description": description, "groupName": group, "options": options or [],
        "displayOrder": -1, "calculated": calculated, "externalOptions": False,
        "archived": False, "hasUniqueValue": name == "hs_object_id", "hidden": False,
        "hubspotDefined": hubspot, "formField": not read_only and type_ != "datetime",
        "dataSensitivity": "non_sensitive",
        "modificationMetadata": {"archivable": not hubspot, "readOnlyDefinition": hubspot,
                                 "readOnlyValue": read_only},
        "createdAt": when, "updatedAt": when,
    }


def default_properties(obj: str) -> dict[str, dict]:
    if obj == "contacts":
        rows = [
            definition("email", "Email", "string", "text"),
            definition("firstname", "First Name", "string", "text"),
            definition("lastname", "Last Name", "string", "text"),
            definition("phone", "Phone Number", "string", "phonenumber"),
            definition("company", "Company Name", "string", "text"),
            definition("jobtitle", "Job Title", "string", "text"),
            definition("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", options=[
                {"label": label, "value": value, "displayOrder": i, "hidden": False}
                for i, (value, label) in enumerate([("subscriber", "Subscriber"),
                                                    ("lead", "Lead"), ("customer", "Customer")])]),
            definition("createdate", "Create Date", "datetime", "date", read_only=True),
            definition("lastmodifieddate", "Last Modified Date", "datetime", "date",
                       read_only=True),
            definition("hs_object_id", "Record ID", "number", "number", read_only=True),
            definition("hs_merged_object_ids", "Merged Record IDs", "enumeration", "checkbox",
                       read_only=True, calculated=False),
            # A read-only calculated number, to exercise "Test Fields" remedies.
            definition("hs_analytics_num_visits", "Number of Pageviews", "number", "number",
                       "analyticsinformation", read_only=True, calculated=True),
        ]
    else:
        rows = [
            definition("dealname", "Deal Name", "string", "text", "dealinformation"),
            definition("dealstage", "Deal Stage", "enumeration", "radio", "dealinformation"),
            definition("pipeline", "Pipeline", "enumeration", "select", "dealinformation"),
            definition("amount", "Amount", "number", "number", "dealinformation"),
            definition("closedate", "Close Date", "datetime", "date", "dealinformation"),
            definition("createdate", "Create Date", "datetime", "date", "dealinformation",
                       read_only=True),
            definition("hs_lastmodifieddate", "Last Modified Date", "datetime", "date",
                       "dealinformation", read_only=True),
            definition("hs_object_id", "Record ID", "number", "number", "dealinformation",
                       read_only=True),
            definition("hs_is_closed_won", "Is Closed Won", "bool", "booleancheckbox",
                       "dealinformation", read_only=True, calculated=True),
            definition("hs_is_closed", "Is Deal Closed?", "bool", "booleancheckbox",
                       "dealinformation", read_only=True, calculated=True),
        ]
    return {row["name"]: row for row in rows}


def default_groups() -> dict[str, dict]:
    return {name: {"name": name, "label": label, "displayOrder": i, "archived": False}
            for i, (name, label) in enumerate([("contactinformation", "Contact information"),
                                               ("analyticsinformation", "Analytics information")])}


def creation_problems(body: dict, groups: dict) -> list[str]:
    """Why a ``POST /crm/v3/properties/contacts`` body is invalid (empty list when valid)."""
    problems = [f"{key} is required" for key in ("name", "label", "type", "fieldType",
                                                  "groupName") if not body.get(key)]
    if problems:
        return problems
    if not re.fullmatch(r"[a-z][a-z0-9_]*", str(body["name"])):
        problems.append(f"Invalid property name '{body['name']}': use lowercase letters, digits "
                        "and underscores, starting with a letter")
    allowed = FIELD_TYPES.get(body["type"])
    if allowed is None:
        problems.append(f"Unknown property type '{body['type']}'")
    elif body["fieldType"] not in allowed:
        problems.append(f"fieldType '{body['fieldType']}' is not valid for type "
                        f"'{body['type']}' (allowed: {', '.join(sorted(allowed))})")
    if body["groupName"] not in groups:
        problems.append(f"Property group '{body['groupName']}' does not exist")
    return problems


def value_error(defn: dict | None, name: str, value) -> dict | None:
    """The per-property error HubSpot reports for a write, or None when the value is valid."""
    if defn is None or defn.get("archived"):
        return _err("PROPERTY_DOESNT_EXIST", name, f'Property "{name}" does not exist')
    if defn["modificationMetadata"]["readOnlyValue"] or defn["calculated"]:
        what = "a calculated property" if defn["calculated"] else "a read only property"
        return _err("READ_ONLY_VALUE", name, f"{name} is {what}; its value cannot be set.")
    if value is None or value == "":
        return None  # "" clears a value
    text = str(value)
    kind = defn["type"]
    if kind == "number" and not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return _err("INVALID_INTEGER", name,
                    f"{text} was not a valid number. Numbers must not contain thousands "
                    "separators and may contain one decimal point.")
    if kind == "date" and not _midnight(text):
        return _err("INVALID_DATE", name,
                    f"{text} is not a valid date: date properties take "
                    "YYYY-MM-DD or epoch milliseconds at midnight UTC")
    if kind == "datetime" and _datetime_ms(text) is None:
        return _err("INVALID_DATE", name, f"{text} was not a valid date-time")
    if kind == "bool" and text.lower() not in ("true", "false"):
        return _err("INVALID_OPTION", name, f"{text} was not one of the allowed options: [true, false]")
    if kind == "enumeration" and defn["options"]:
        allowed = {o["value"] for o in defn["options"]}
        parts = text.split(";") if defn["fieldType"] == "checkbox" else [text]
        if any(p not in allowed for p in parts):
            return _err("INVALID_OPTION", name, f"{text} was not one of the allowed options: "
                                                 f"[{', '.join(sorted(allowed))}]")
    return None


def validation_message(errors: list[dict]) -> str:
    details = [{"isValid": False, "message": e["message"], "error": e["code"],
                "name": e["context"]["propertyName"][0]} for e in errors]
    return "Property values were not valid: " + json.dumps(details, separators=(",", ":"))


def _err(code: str, name: str, message: str) -> dict:
    return {"message": message, "code": code, "context": {"propertyName": [name]}}


def _midnight(text: str) -> bool:
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        try:
            datetime.strptime(text, "%Y-%m-%d")  # noqa: DTZ007 - a date, checked for validity
        except ValueError:
            return False
        return True
    return bool(re.fullmatch(r"-?\d+", text)) and int(text) % 86_400_000 == 0


def _datetime_ms(text: str) -> int | None:
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return int((dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp() * 1000)
