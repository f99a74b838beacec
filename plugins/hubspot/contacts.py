"""HubSpot contact records ↔ the host's ``ExternalContact`` (reference §2.1)."""

from __future__ import annotations

from datetime import UTC, datetime

from host.contracts import ExternalContact

PROPERTIES = ["email", "firstname", "lastname", "phone", "jobtitle", "company",
              "hubspot_owner_id", "lastmodifieddate", "hs_object_id", "hs_merged_object_ids"]


def parse_time(value: str | None) -> datetime | None:
    """HubSpot's ISO-8601 UTC times, with or without milliseconds (never compared as strings)."""
    if not value:
        return None
    if value.isdigit():  # epoch milliseconds (legacy shapes)
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def to_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def modified_ms(record: dict) -> int:
    props = record.get("properties") or {}
    stamp = parse_time(props.get("lastmodifieddate") or record.get("updatedAt"))
    return to_ms(stamp) if stamp else 0


def merged_ids(record: dict) -> list[str]:
    raw = (record.get("properties") or {}).get("hs_merged_object_ids") or ""
    return [part.strip() for part in raw.split(";") if part.strip() and part.strip() != str(record["id"])]


def to_external(record: dict) -> list[ExternalContact]:
    """The contact, then one merged-away record per id it absorbed (``merged_into`` it)."""
    props = record.get("properties") or {}
    external_id = str(record["id"])
    if record.get("archived"):
        return [ExternalContact(external_id=external_id, deleted=True)]
    contact = ExternalContact(
        external_id=external_id, email=props.get("email") or None,
        first_name=props.get("firstname") or "", last_name=props.get("lastname") or "",
        phone=props.get("phone") or "", title=props.get("jobtitle") or "",
        company=props.get("company") or "", owner=props.get("hubspot_owner_id") or "",
        modified_at=parse_time(props.get("lastmodifieddate") or record.get("updatedAt")),
    )
    return [contact, *[ExternalContact(external_id=old, deleted=True, merged_into=external_id)
                       for old in merged_ids(record)]]
