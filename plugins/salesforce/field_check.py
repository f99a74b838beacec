"""Test Fields: does each mapped score field exist on Contact, can we write it, is its type right?"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.cache import cache

DEFAULT_MAPPING = {"nps_field": "NPS_Score__c", "csat_field": "CSAT_Score__c",
                   "date_field": "Last_Survey_Date__c"}
LABELS = {"nps_field": "NPS score field", "csat_field": "CSAT score field",
          "date_field": "Last survey date field"}
SCORE_TYPES = {"double", "int", "percent", "currency"}
DATE_TYPES = {"date", "datetime"}
API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,38}(__c)?$")
DESCRIBE_TTL = 300  # seconds; Test Fields always refreshes


@dataclass(frozen=True)
class FieldCheck:
    setting: str  # nps_field | csat_field | date_field
    name: str
    ok: bool
    problem: str = ""
    remedy: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.setting]


def mapping(connection) -> dict[str, str]:
    """The admin's mapping; a blank field means 'do not write it'."""
    saved = connection.settings.get("field_mapping")
    return dict(DEFAULT_MAPPING) if saved is None else {k: saved.get(k, "") for k in DEFAULT_MAPPING}


def valid_api_name(name: str) -> bool:
    return bool(API_NAME.match(name)) and "__" not in name.removesuffix("__c")


def describe_contact(client, refresh: bool = False) -> dict:
    """Contact's describe, cached briefly per connection (cache keys carry the org schema)."""
    key = f"sf-describe-contact:{client.connection.pk}:{client.connection.credentials_version}"
    if not refresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    fields = {f["name"].lower(): {"name": f["name"], "type": f["type"],
                                  "updateable": f.get("updateable", False),
                                  "calculated": f.get("calculated", False)}
              for f in client.describe("Contact")["fields"]}
    cache.set(key, fields, DESCRIBE_TTL)
    return fields


def check_fields(fields: dict, chosen: dict[str, str]) -> list[FieldCheck]:
    checks = []
    for setting, name in chosen.items():
        if not name:
            continue
        wanted = DATE_TYPES if setting == "date_field" else SCORE_TYPES
        field = fields.get(name.lower())
        if field is None:
            kind = "Date" if setting == "date_field" else "Number(3,0)"
            checks.append(FieldCheck(setting, name, False, "does not exist on Contact",
                                     f"Create a {kind} field named {name} on Contact, or fix "
                                     "the name."))
        elif field["type"] not in wanted:
            expected = "a date or date/time" if setting == "date_field" else "a number"
            checks.append(FieldCheck(setting, name, False,
                                     f"is a {field['type']} field, not {expected}",
                                     f"Map a field of type {expected}, or change {name}'s type."))
        elif not field["updateable"]:
            remedy = ("The field is read-only: it is a formula. Map a plain field instead."
                      if field["calculated"] else
                      "Give the integration user edit access to this field (field-level "
                      "security).")
            checks.append(FieldCheck(setting, name, False, "cannot be written", remedy))
        else:
            checks.append(FieldCheck(setting, field["name"], True))
    return checks
