"""Salesforce Contact records → the host's ``ExternalContact``."""

from __future__ import annotations

from datetime import datetime

from host.contracts import ExternalContact

FIELDS = ("Id, FirstName, LastName, Email, Phone, Title, Account.Name, Owner.Name, "
          "SystemModstamp, IsDeleted, MasterRecordId")


def parse_datetime(value: str | None) -> datetime | None:
    """Salesforce REST datetimes look like ``2024-05-01T12:00:00.000+0000``."""
    if not value:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


def soql_datetime(value: datetime) -> str:
    """An unquoted SOQL datetime literal in UTC."""
    from datetime import UTC

    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{value.microsecond // 1000:03d}Z"


def to_external_contact(record: dict) -> ExternalContact:
    account = record.get("Account") or {}
    owner = record.get("Owner") or {}
    return ExternalContact(
        external_id=record["Id"],
        email=record.get("Email"),
        first_name=record.get("FirstName") or "",
        last_name=record.get("LastName") or "",
        phone=record.get("Phone") or "",
        title=record.get("Title") or "",
        company=account.get("Name") or "",
        owner=owner.get("Name") or "",
        modified_at=parse_datetime(record.get("SystemModstamp")),
        deleted=bool(record.get("IsDeleted")),
        merged_into=record.get("MasterRecordId") or None,
        data={"owner": owner.get("Name") or "", "account": account.get("Name") or ""},
    )
