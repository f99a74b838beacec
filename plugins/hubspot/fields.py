"""The contact properties scores are written to: *Test Fields* and *Create missing properties*.

Defaults ``nps_score``, ``csat_score`` (number) and ``last_survey_date`` (date), mappable per org
in ``connection.settings["field_map"]``. Created properties go into a property group of the
product's own, so HubSpot admins see where they come from (reference §4.1, §4.2).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import errors, paths

DEFAULT_MAP = {"nps": "nps_score", "csat": "csat_score", "date": "last_survey_date"}
TYPES = {"nps": {"number"}, "csat": {"number"}, "date": {"date", "datetime"}}
GROUP = {"name": "demeterrr_surveys", "label": "Surveys (demeterrr)", "displayOrder": -1}
DEFINITIONS = {
    "nps": {"label": "NPS score", "type": "number", "fieldType": "number",
            "description": "Latest Net Promoter Score answer (0-10), written by demeterrr."},
    "csat": {"label": "CSAT score", "type": "number", "fieldType": "number",
             "description": "Latest customer satisfaction answer, written by demeterrr."},
    "date": {"label": "Last survey date", "type": "date", "fieldType": "date",
             "description": "Day of the latest survey answer, written by demeterrr."},
}
LABELS = {"nps": "NPS score", "csat": "CSAT score", "date": "Last survey date"}


def field_map(connection) -> dict[str, str]:
    return {**DEFAULT_MAP, **(connection.settings.get("field_map") or {})}


@dataclass(frozen=True)
class FieldCheck:
    kind: str
    name: str
    ok: bool
    problem: str = ""
    remedy: str = ""
    missing: bool = False
    type: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def check_definition(kind: str, name: str, definition: dict | None) -> FieldCheck:
    """Pure: is ``definition`` (HubSpot's property JSON, or None when 404) usable for ``kind``?"""
    create = "Click Create missing properties, or map another property."
    if definition is None or definition.get("archived"):
        return FieldCheck(kind, name, False, f"Property {name} does not exist on contacts.", create,
                          missing=True)
    found = definition.get("type", "")
    meta = definition.get("modificationMetadata") or {}
    if definition.get("calculated") or meta.get("readOnlyValue"):
        return FieldCheck(kind, name, False, f"Property {name} is read-only or calculated; "
                          "HubSpot refuses values for it.",
                          "Map a writable property, or create one with Create missing properties "
                          "after clearing this mapping.", type=found)
    if found not in TYPES[kind]:
        wanted = " or ".join(sorted(TYPES[kind]))
        return FieldCheck(kind, name, False, f"Property {name} is of type {found}, not {wanted}.",
                          f"Map a {wanted} property, or change its type in HubSpot "
                          "(Settings > Properties).", type=found)
    return FieldCheck(kind, name, True, type=found)


def test_fields(client, mapping: dict[str, str]) -> list[FieldCheck]:
    checks = []
    for kind, name in mapping.items():
        try:
            definition = client.call("GET", paths.properties("contacts", name))
        except errors.NotFound:
            definition = None
        checks.append(check_definition(kind, name, definition))
    return checks


def create_missing(client, mapping: dict[str, str]) -> list[str]:
    """Create the group (if new) and every mapped property that does not exist; their names."""
    missing = [c for c in test_fields(client, mapping) if c.missing]
    if not missing:
        return []
    try:
        client.call("POST", paths.properties("contacts", "groups"), json=GROUP)
    except errors.HubSpotError as exc:
        if exc.status != 409:
            raise
    created = []
    for check in missing:
        body = {**DEFINITIONS[check.kind], "name": check.name, "groupName": GROUP["name"]}
        try:
            client.call("POST", paths.properties("contacts"), json=body)
        except errors.HubSpotError as exc:
            if exc.status != 409:  # created meanwhile: Test Fields will judge it
                raise
        created.append(check.name)
    return created
