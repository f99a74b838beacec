"""The score field mapping and Test Fields: does each mapped field exist on Contact, may the
connected user write it, and does its type fit the value?"""

from __future__ import annotations

import re

from django.core.cache import cache

from host.contracts import FieldCheck, PushbackField

DEFAULT_MAPPING = {"nps_field": "NPS_Score__c", "csat_field": "CSAT_Score__c",
                   "date_field": "Last_Survey_Date__c"}
LABELS = {"nps_field": "NPS score field", "csat_field": "CSAT score field",
          "date_field": "Last survey date field"}
SCORE_TYPES = {"double", "int", "long", "percent"}
DATE_TYPES = {"date", "datetime"}
# Letters, digits and single underscores, starting with a letter, not ending with "_"; custom
# fields end in __c and may carry a managed-package namespace (ns__Field__c).
_WORD = r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*"
API_NAME = re.compile(rf"^(?:(?:{_WORD}__)?{_WORD}__c|{_WORD})$")
MAX_NAME = 80
DESCRIBE_TTL = 300  # seconds; Test Fields always refreshes


PUSHBACK_FIELDS = (
    PushbackField("nps_field", LABELS["nps_field"], DEFAULT_MAPPING["nps_field"], "number",
                  scores="nps", help_text=f"Number field for the 0–10 score (default "
                                          f"{DEFAULT_MAPPING['nps_field']})."),
    PushbackField("csat_field", LABELS["csat_field"], DEFAULT_MAPPING["csat_field"], "number",
                  scores="csat", help_text=f"Number field for the 1–5 score (default "
                                           f"{DEFAULT_MAPPING['csat_field']})."),
    PushbackField("date_field", LABELS["date_field"], DEFAULT_MAPPING["date_field"], "date",
                  help_text=f"Date field set to the answer's date (default "
                            f"{DEFAULT_MAPPING['date_field']}).", type_key="date_type"),
)


def mapping(connection) -> dict[str, str]:
    """The admin's mapping; a blank field means "do not write it"."""
    saved = connection.settings.get("field_mapping")
    if saved is None:
        return dict(DEFAULT_MAPPING)
    return {k: saved.get(k, "") for k in DEFAULT_MAPPING}


def valid_api_name(name: str) -> bool:
    return len(name) <= MAX_NAME and bool(API_NAME.match(name))


def target_error(name: str) -> str:
    """The mapping form's check of a typed name (``PushbackSpec.validate_target``)."""
    if valid_api_name(name):
        return ""
    return (f"“{name}” is not a Salesforce API name: use letters, digits and single "
            "underscores, starting with a letter, for example NPS_Score__c. Leave it blank to "
            "skip it.")


def _cache_key(connection) -> str:
    # The cache's key function adds the org schema, so the connection's pk is enough.
    return f"sf-describe-contact:{connection.pk}"


def describe_contact(client, refresh: bool = False) -> dict:
    """Contact's fields by lower-case name, cached briefly per connection."""
    key = _cache_key(client.connection)
    if not refresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    fields = {f["name"].lower(): {"name": f["name"], "type": f["type"],
                                  "updateable": bool(f.get("updateable")),
                                  "calculated": bool(f.get("calculated"))}
              for f in client.describe("Contact")["fields"]}
    cache.set(key, fields, DESCRIBE_TTL)
    return fields


def forget_describe(connection) -> None:
    cache.delete(_cache_key(connection))


def create_hint(setting: str, name: str) -> str:
    kind = "Date" if setting == "date_field" else "Number(3,0)"
    return f"create a {kind} field named {name} on Contact"


def check_fields(fields: dict, chosen: dict[str, str]) -> list[FieldCheck]:
    """Check each non-blank mapped field against a Contact describe (``describe_contact``)."""
    checks = []
    for setting, name in chosen.items():
        if not name:
            continue
        field = fields.get(name.lower())
        if field is None:
            checks.append(FieldCheck(
                setting, LABELS[setting], name, exists=False, problem="does not exist on Contact",
                remedy=f"Click Create missing fields, or in Salesforce Setup, "
                       f"{create_hint(setting, name)}, or correct the name here.", fixable=True))
            continue
        is_date = setting == "date_field"
        type_ok = field["type"] in (DATE_TYPES if is_date else SCORE_TYPES)
        updateable = field["updateable"]
        problems, remedies = [], []
        if not type_ok:
            wanted = "a date" if is_date else "a number"
            problems.append(f"is a {field['type']} field, not {wanted} field")
            remedies.append(f"Map a {'Date' if is_date else 'Number'} field instead (for "
                            f"example {create_hint(setting, DEFAULT_MAPPING[setting])}).")
        if not updateable:
            problems.append("is read-only for the connected user")
            remedies.append("The field is read-only: it is a formula. Map a plain field instead."
                            if field["calculated"] else
                            "Give the integration user edit access to this field (field-level "
                            "security in its profile or a permission set).")
        checks.append(FieldCheck(setting, LABELS[setting], field["name"], exists=True,
                                 type_ok=type_ok, writable=updateable, target_type=field["type"],
                                 problem="; ".join(problems), remedy=" ".join(remedies),
                                 fixable=type_ok and not updateable))
    return checks


def run_test_fields(client, chosen: dict[str, str], refresh: bool = True) -> list[FieldCheck]:
    """Describe Contact in the connected org (fresh by default) and check ``chosen``."""
    return check_fields(describe_contact(client, refresh=refresh), chosen)


def failure_remedy(code: str, field_names: list[str], chosen: dict[str, str]) -> str:
    """A plain remedy for a field error Salesforce returned while writing scores."""
    settings_of = {v.lower(): k for k, v in chosen.items() if v}
    hints = []
    for name in field_names or [v for v in chosen.values() if v]:
        setting = settings_of.get(name.lower())
        if code == "INVALID_FIELD" and setting:
            hints.append(f"{name} no longer exists on Contact: {create_hint(setting, name)} or "
                         "change the mapping")
        elif code == "INVALID_FIELD_FOR_INSERT_UPDATE":
            hints.append(f"{name} cannot be written: give the integration user edit access "
                         "(if it is a formula, map a plain field instead)")
        elif setting:
            hints.append(f"{name} does not accept the value: map a field of the right type")
    hint = "; ".join(hints) or "check the mapped fields"
    return f"Fix it in Salesforce: {hint}. Run Test Fields, then click Retry failed."
