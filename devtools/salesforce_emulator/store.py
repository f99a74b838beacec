"""In-memory sObject records: validation/coercion of writes, system fields, soft delete, merge."""

from datetime import date, datetime

from . import ids
from .access import field_access
from .clock import fmt_rest, parse_date, parse_datetime
from .index import StampIndex
from .schema import NUMBER_TYPES, OBJECTS, STAGES, STRING_TYPES, Field, SObject


class WriteError(Exception):
    """A Salesforce error for one record: ``code`` is the errorCode/statusCode."""

    def __init__(self, code: str, message: str, fields=(), status: int = 400):
        super().__init__(message)
        self.code, self.message, self.fields, self.status = code, message, list(fields), status

    def as_rest(self) -> dict:
        out = {"message": self.message, "errorCode": self.code}
        if self.fields:
            out["fields"] = self.fields
        return out

    def as_save_error(self) -> dict:
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}


def rest_value(value):
    if isinstance(value, datetime):
        return fmt_rest(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _parse_error(f: Field, value) -> WriteError:
    kind = {"currency": "double", "percent": "double", "datetime": "datetime"}.get(f.type, f.type)
    return WriteError("JSON_PARSER_ERROR",
                      f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} "
                      "or request may be missing a required field", [f.name])


def coerce(obj: SObject, f: Field, value):
    """Convert a JSON value for field ``f`` into the stored Python value, or raise WriteError."""
    if value is None:
        if not f.nillable:
            raise WriteError("REQUIRED_FIELD_MISSING",
                             f"Required fields are missing: [{f.name}]", [f.name])
        return None
    if f.type in NUMBER_TYPES:
        if isinstance(value, bool):
            raise _parse_error(f, value)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise _parse_error(f, value) from None
        return int(number) if f.type == "int" else number
    if f.type == "boolean":
        if isinstance(value, bool):
            return value
        raise _parse_error(f, value)
    if f.type in ("date", "datetime"):
        try:
            return parse_date(value) if f.type == "date" else parse_datetime(value)
        except (TypeError, ValueError, AttributeError):
            raise _parse_error(f, value) from None
    if f.type in ("reference", "id"):
        norm = ids.normalize(value)
        if norm is None:
            raise WriteError("MALFORMED_ID",
                             f"{f.label or f.name}: id value of incorrect type: {value}", [f.name])
        return norm
    if f.type in STRING_TYPES:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _parse_error(f, value)
        text = str(value)
        if f.length and len(text) > f.length:
            raise WriteError("STRING_TOO_LONG", f"{f.label or f.name}: data value too large: "
                             f"{text[:30]} (max length={f.length})", [f.name])
        return text
    return value


def check_values(obj: SObject, values: dict, *, enforce: bool = True, creating: bool = False):
    """Validate a write body; returns ``{ApiName: python value}`` or raises WriteError."""
    out, blocked = {}, []
    for key, value in values.items():
        if key == "attributes":
            continue
        f = obj.field(key)
        readable, editable = field_access(obj.name, f) if f is not None and enforce else (1, 1)
        if f is None or not readable:
            raise WriteError("INVALID_FIELD",
                             f"No such column '{key}' on sobject of type {obj.name}", [key])
        allowed = (f.createable if creating else f.updateable) and editable
        if enforce and not allowed:
            blocked.append(f.name)
            continue
        out[f.name] = coerce(obj, f, value)
    if blocked:
        raise WriteError("INVALID_FIELD_FOR_INSERT_UPDATE",
                         f"Unable to create/update fields: {', '.join(blocked)}. Please check the "
                         "security settings of this field and verify that it is read/write for "
                         "your profile or permission set.", blocked)
    return out


class Store:
    """Records per sObject (``{Id: {ApiName: value}}``). Callers hold the state lock."""

    def __init__(self, clock, id_factory, on_change=None):
        self.clock, self.ids, self.on_change = clock, id_factory, on_change
        self.tables: dict[str, dict[str, dict]] = {name: {} for name in OBJECTS}
        self.index = StampIndex()

    def locate(self, obj: SObject, rid) -> dict:
        """The record for ``rid`` or WriteError MALFORMED_ID / NOT_FOUND / ENTITY_IS_DELETED."""
        norm = ids.normalize(rid)
        if norm is None or norm[:3] != obj.prefix:
            raise WriteError("MALFORMED_ID", f"{obj.name} ID: id value of incorrect type: {rid}")
        rec = self.tables[obj.name].get(norm)
        if rec is None:
            raise WriteError("NOT_FOUND", "The requested resource does not exist", status=404)
        if rec.get("IsDeleted"):
            raise WriteError("ENTITY_IS_DELETED", "entity is deleted", status=404)
        return rec

    def get(self, obj_name: str, rid) -> dict | None:
        norm = ids.normalize(rid)
        return self.tables[obj_name].get(norm) if norm else None

    def create(self, obj: SObject, values: dict, *, when: datetime | None = None) -> dict:
        now = when or self.clock.now()
        rec = {f.name: (False if f.type == "boolean" else None) for f in obj.fields.values()}
        rec.update(Id=self.ids.new(obj.prefix), CreatedDate=now, LastModifiedDate=now,
                   SystemModstamp=now)
        if "OwnerId" in rec:
            rec["OwnerId"] = next(iter(self.tables["User"]), None)
        if "IsActive" in rec:
            rec["IsActive"] = True
        rec.update(values)
        self._derive(obj, rec)
        self.tables[obj.name][rec["Id"]] = rec
        self.index.mark(obj.name)
        self._changed(obj, None, rec)
        return rec

    def update(self, obj: SObject, rid, values: dict) -> dict:
        rec = self.locate(obj, rid)
        before = dict(rec)
        rec.update(values)
        self._touch(obj, rec)
        self._changed(obj, before, rec)
        return rec

    def delete(self, obj: SObject, rid) -> dict:
        rec = self.locate(obj, rid)
        before = dict(rec)
        rec["IsDeleted"] = True
        self._touch(obj, rec)
        self._changed(obj, before, rec)
        return rec

    def undelete(self, obj: SObject, rid) -> dict:
        norm = ids.normalize(rid)
        rec = self.tables[obj.name].get(norm or "")
        if rec is None:
            raise WriteError("NOT_FOUND", "The requested resource does not exist", status=404)
        rec["IsDeleted"], rec["MasterRecordId"] = False, None
        self._touch(obj, rec)
        return rec

    def merge(self, obj: SObject, winner_id, loser_ids) -> dict:
        """Losers are soft-deleted with ``MasterRecordId`` = winner; the winner is touched."""
        winner = self.locate(obj, winner_id)
        losers = [self.locate(obj, rid) for rid in loser_ids]
        for loser in losers:
            loser["IsDeleted"], loser["MasterRecordId"] = True, winner["Id"]
            self._touch(obj, loser)
        self._touch(obj, winner)
        return winner

    def _touch(self, obj: SObject, rec: dict) -> None:
        rec["LastModifiedDate"] = rec["SystemModstamp"] = self.clock.now()
        self.index.mark(obj.name)
        self._derive(obj, rec)

    def _derive(self, obj: SObject, rec: dict) -> None:
        if obj.name in ("Contact", "User"):
            rec["Name"] = " ".join(p for p in (rec.get("FirstName"), rec.get("LastName")) if p)
        if obj.name == "Contact":
            nps = rec.get("NPS_Score__c")
            rec["Score_Formula__c"] = None if nps is None else float(nps) * 10
        if obj.name == "Opportunity":
            closed, won = next(((c, w) for s, c, w in STAGES if s == rec.get("StageName")),
                               (False, False))
            rec["IsClosed"], rec["IsWon"] = closed, won
        if obj.name == "OpportunityContactRole" and rec.get("IsPrimary") and not rec["IsDeleted"]:
            for other in self.tables[obj.name].values():
                if (other is not rec and other["OpportunityId"] == rec["OpportunityId"]
                        and other["IsPrimary"]):
                    other["IsPrimary"] = False
                    other["LastModifiedDate"] = other["SystemModstamp"] = rec["SystemModstamp"]
                    self.index.mark(obj.name)

    def _changed(self, obj: SObject, before, after) -> None:
        if self.on_change:
            self.on_change(obj.name, before, after)

    def to_json(self, obj_name: str, rec: dict, version: str) -> dict:
        out = {"attributes": {"type": obj_name,
                              "url": f"/services/data/v{version}/sobjects/{obj_name}/{rec['Id']}"}}
        out.update((k, rest_value(v)) for k, v in rec.items())
        return out
