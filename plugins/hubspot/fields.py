"""The contact properties scores are written to: *Test Fields* and *Create missing properties*.

Defaults ``nps_score``, ``csat_score`` (number) and ``last_survey_date`` (date), mappable per org
through the host's field mapping section (``PUSHBACK_FIELDS``). Created properties go into a
property group of the product's own, so HubSpot admins see where they come from (reference
§4.1, §4.2).
"""

from __future__ import annotations

import re

from host.contracts import FieldCheck, FieldSetupStep, PushbackField

from . import errors, paths

NPS, CSAT, DATE = "nps_field", "csat_field", "date_field"
PUSHBACK_FIELDS = (
    PushbackField(NPS, "NPS score property", "nps_score", "number", scores="nps",
                  help_text="Number property for the 0–10 score (default nps_score)."),
    PushbackField(CSAT, "CSAT score property", "csat_score", "number", scores="csat",
                  help_text="Number property for the 1–5 score (default csat_score)."),
    PushbackField(DATE, "Last survey date property", "last_survey_date", "date",
                  help_text="Date property set to the answer's day (default last_survey_date).",
                  type_key="date_type"),
)
LABELS = {f.key: f.label for f in PUSHBACK_FIELDS}
TYPES = {NPS: {"number"}, CSAT: {"number"}, DATE: {"date", "datetime"}}
NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
GROUP = {"name": "demeterrr_surveys", "label": "Surveys (demeterrr)", "displayOrder": -1}
DEFINITIONS = {
    NPS: {"label": "NPS score", "type": "number", "fieldType": "number",
          "description": "Latest Net Promoter Score answer (0-10), written by demeterrr."},
    CSAT: {"label": "CSAT score", "type": "number", "fieldType": "number",
           "description": "Latest customer satisfaction answer, written by demeterrr."},
    DATE: {"label": "Last survey date", "type": "date", "fieldType": "date",
           "description": "Day of the latest survey answer, written by demeterrr."},
}


def target_error(name: str) -> str:
    """The host's mapping form: a HubSpot internal name, or why it cannot be one."""
    return "" if NAME.match(name) else ("Use a property's internal name: lowercase letters, "
                                        "digits and underscores, starting with a letter.")


def check_definition(key: str, name: str, definition: dict | None) -> FieldCheck:
    """Pure: is ``definition`` (HubSpot's property JSON, or None when 404) usable for ``key``?"""
    label = LABELS[key]
    if definition is None or definition.get("archived"):
        return FieldCheck(key, label, name, exists=False, problem="does not exist on contacts",
                          remedy="Click Create missing properties, or map another property.",
                          fixable=True)
    found = definition.get("type", "")
    name = definition.get("name") or name
    meta = definition.get("modificationMetadata") or {}
    type_ok = found in TYPES[key]
    if definition.get("calculated") or meta.get("readOnlyValue"):
        return FieldCheck(key, label, name, exists=True, type_ok=type_ok, writable=False,
                          target_type=found, problem="is read-only or calculated; HubSpot "
                          "refuses values for it", remedy="Map a writable property, or clear "
                          "this mapping and click Create missing properties.")
    if not type_ok:
        wanted = " or ".join(sorted(TYPES[key]))
        return FieldCheck(key, label, name, exists=True, type_ok=False, writable=True,
                          target_type=found, problem=f"is of type {found}, not {wanted}",
                          remedy=f"Map a {wanted} property, or change its type in HubSpot "
                                 "(Settings > Properties).")
    return FieldCheck(key, label, name, exists=True, type_ok=True, writable=True,
                      target_type=found)


def test_fields(client, mapping: dict[str, str]) -> list[FieldCheck]:
    """One check per mapped (non-blank) property, read afresh from HubSpot."""
    checks = []
    for key, name in mapping.items():
        if not name or key not in LABELS:
            continue
        try:
            definition = client.call("GET", paths.properties("contacts", name))
        except errors.NotFound:
            definition = None
        checks.append(check_definition(key, name, definition))
    return checks


def create_missing(client, mapping: dict[str, str], checks: list[FieldCheck]
                   ) -> tuple[list[FieldSetupStep], list[FieldCheck]]:
    """Create the group (if new) and every property Test Fields found missing; the steps in
    the admin's words and the fresh checks. Safe to run again (409 = already there)."""
    missing = [c for c in checks if c.fixable and not c.exists]
    steps = []
    if missing:
        steps.append(_create(client, paths.properties("contacts", "groups"), GROUP,
                             f"Property group “{GROUP['label']}”"))
    for check in missing:
        body = {**DEFINITIONS[check.key], "name": check.target, "groupName": GROUP["name"]}
        steps.append(_create(client, paths.properties("contacts"), body,
                             f"Property {check.target} ({body['type']})"))
    return steps, test_fields(client, mapping)


def _create(client, path: str, body: dict, what: str) -> FieldSetupStep:
    try:
        client.call("POST", path, json=body)
    except errors.HubSpotError as exc:
        if exc.status == 409:
            return FieldSetupStep(f"{what} already exists.")
        if exc.status == 403:
            return FieldSetupStep(f"{what}: HubSpot refused ({exc.message}).", ok=False,
                                  remedy="Reconnect HubSpot as a super admin so the app gets the "
                                         "crm.schemas.contacts.write scope.")
        raise
    return FieldSetupStep(f"{what} created in HubSpot.")
