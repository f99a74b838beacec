"""sObject definitions (fields, relationships) and the describe payloads built from them."""

from dataclasses import dataclass, field

from .ids import PREFIXES

STAGES = [  # (label, IsClosed, IsWon)
    ("Prospecting", False, False),
    ("Qualification", False, False),
    ("Needs Analysis", False, False),
    ("Value Proposition", False, False),
    ("Negotiation/Review", False, False),
    ("Closed Won", True, True),
    ("Closed Lost", True, False),
]
ROLES = ["Decision Maker", "Economic Buyer", "Technical Buyer", "Influencer", "Other"]
_SOAP = {"id": "tns:ID", "reference": "tns:ID", "double": "xsd:double", "currency": "xsd:double",
         "percent": "xsd:double", "int": "xsd:int", "boolean": "xsd:boolean", "date": "xsd:date",
         "datetime": "xsd:dateTime"}
STRING_TYPES = {"string", "email", "phone", "textarea", "picklist", "url"}
NUMBER_TYPES = {"double", "currency", "percent", "int"}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label: str = ""
    updateable: bool = True
    createable: bool = True
    nillable: bool = True
    custom: bool = False
    length: int = 0
    reference_to: tuple = ()
    relationship_name: str | None = None
    calculated: bool = False
    picklist: tuple = ()

    def describe(self) -> dict:
        return {
            "name": self.name, "label": self.label or self.name, "type": self.type,
            "soapType": _SOAP.get(self.type, "xsd:string"), "length": self.length,
            "custom": self.custom, "nillable": self.nillable, "updateable": self.updateable,
            "createable": self.createable, "calculated": self.calculated,
            "defaultedOnCreate": self.name in ("IsDeleted", "CreatedDate", "OwnerId"),
            "externalId": False, "unique": False, "filterable": True, "sortable": True,
            "referenceTo": list(self.reference_to), "relationshipName": self.relationship_name,
            "picklistValues": [{"active": True, "defaultValue": False, "label": v, "value": v}
                               for v in self.picklist],
        }


@dataclass
class SObject:
    name: str
    label: str
    plural: str
    fields: dict = field(default_factory=dict)  # lower-case name -> Field
    children: dict = field(default_factory=dict)  # lower-case relationship -> (child, fk field)

    @property
    def prefix(self) -> str:
        return PREFIXES[self.name]

    def field(self, name: str) -> Field | None:
        return self.fields.get(name.lower())

    def relationship(self, name: str) -> Field | None:
        for f in self.fields.values():
            if f.relationship_name and f.relationship_name.lower() == name.lower():
                return f
        return None


def _ro(name, type_, **kw) -> Field:
    return Field(name, type_, updateable=False, createable=False, **kw)


def _ref(name, target, rel, **kw) -> Field:
    return Field(name, "reference", length=18, reference_to=(target,), relationship_name=rel, **kw)


def _system(owner: bool = True) -> list[Field]:
    out = [_ro("Id", "id", label=" ID", nillable=False, length=18),
           _ro("IsDeleted", "boolean", label="Deleted", nillable=False),
           _ro("CreatedDate", "datetime", label="Created Date", nillable=False),
           _ro("LastModifiedDate", "datetime", label="Last Modified Date", nillable=False),
           _ro("SystemModstamp", "datetime", label="System Modstamp", nillable=False)]
    if owner:
        out.append(_ref("OwnerId", "User", "Owner", label="Owner ID", nillable=False))
    return out


def _build() -> dict[str, SObject]:
    s = Field
    defs = {
        "User": (_system(owner=False)[:1] + _system(owner=False)[2:] + [
            s("Username", "string", length=80, nillable=False), _ro("Name", "string", length=121),
            s("FirstName", "string", length=40), s("LastName", "string", length=80, nillable=False),
            s("Email", "email", length=128, nillable=False), s("IsActive", "boolean")]),
        "Account": _system() + [
            _ro("MasterRecordId", "reference", length=18, reference_to=("Account",)),
            s("Name", "string", length=255, nillable=False), s("Industry", "picklist", length=255,
            picklist=("Technology", "Manufacturing", "Retail", "Finance", "Healthcare")),
            s("Website", "url", length=255), s("Phone", "phone", length=40)],
        "Contact": _system() + [
            _ro("MasterRecordId", "reference", length=18, reference_to=("Contact",)),
            s("FirstName", "string", length=40), s("LastName", "string", length=80, nillable=False),
            _ro("Name", "string", label="Full Name", length=121),
            s("Email", "email", length=80), s("Phone", "phone", length=40),
            s("Title", "string", length=128), _ref("AccountId", "Account", "Account"),
            s("NPS_Score__c", "double", label="NPS Score", custom=True),
            s("CSAT_Score__c", "double", label="CSAT Score", custom=True),
            s("Last_Survey_Date__c", "date", label="Last Survey Date", custom=True),
            _ro("Score_Formula__c", "double", label="Score (formula)", custom=True,
                calculated=True),
            s("Survey_Notes__c", "string", label="Survey Notes", custom=True, length=255)],
        "Opportunity": _system() + [
            s("Name", "string", length=120, nillable=False), s("Amount", "currency"),
            s("StageName", "picklist", length=255, nillable=False,
              picklist=tuple(st[0] for st in STAGES)),
            _ro("IsWon", "boolean", nillable=False), _ro("IsClosed", "boolean", nillable=False),
            s("CloseDate", "date", nillable=False), _ref("AccountId", "Account", "Account"),
            _ref("ContactId", "Contact", "Contact", label="Contact ID")],
        "OpportunityContactRole": _system(owner=False) + [
            _ref("OpportunityId", "Opportunity", "Opportunity", nillable=False, updateable=False),
            _ref("ContactId", "Contact", "Contact", nillable=False),
            s("Role", "picklist", length=40, picklist=tuple(ROLES)),
            s("IsPrimary", "boolean", nillable=False)],
    }
    labels = {"OpportunityContactRole": ("Opportunity Contact Role", "Opportunity Contact Roles")}
    objs = {}
    for name, fields in defs.items():
        label, plural = labels.get(name, (name, name + "s"))
        objs[name] = SObject(name, label, plural, {f.name.lower(): f for f in fields})
    for child in objs.values():
        for f in child.fields.values():
            if f.type == "reference" and f.relationship_name and f.name != "OwnerId":
                rel = {"OpportunityContactRole": "OpportunityContactRoles"}.get(
                    child.name, child.plural)
                parent = objs[f.reference_to[0]]
                parent.children.setdefault(rel.lower(), (child.name, f.name, rel))
    return objs


OBJECTS = _build()


def lookup(name: str) -> SObject | None:
    for obj in OBJECTS.values():
        if obj.name.lower() == name.lower():
            return obj
    return None


def _visible(obj: SObject) -> list[dict]:
    """Describe shows the fields the API user can read, ``updateable`` as they may edit them."""
    from .access import field_access

    out = []
    for f in obj.fields.values():
        readable, editable = field_access(obj.name, f)
        if readable:
            out.append({**f.describe(), "updateable": editable,
                        "createable": f.createable and (editable or not f.custom)})
    return out


def describe(obj: SObject, version: str) -> dict:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {
        "name": obj.name, "label": obj.label, "labelPlural": obj.plural,
        "keyPrefix": obj.prefix, "custom": False, "createable": True, "updateable": True,
        "deletable": True, "queryable": True, "retrieveable": True, "searchable": True,
        "fields": _visible(obj),
        "childRelationships": [
            {"childSObject": c, "field": fk, "relationshipName": rel, "cascadeDelete": False}
            for c, fk, rel in obj.children.values()],
        "recordTypeInfos": [],
        "urls": {"sobject": base, "describe": base + "/describe", "rowTemplate": base + "/{ID}"},
    }


def describe_global(version: str) -> dict:
    items = []
    for obj in OBJECTS.values():
        base = f"/services/data/v{version}/sobjects/{obj.name}"
        items.append({"name": obj.name, "label": obj.label, "labelPlural": obj.plural,
                      "keyPrefix": obj.prefix, "custom": False, "queryable": True,
                      "updateable": True, "createable": True, "deletable": True,
                      "urls": {"sobject": base, "describe": base + "/describe",
                               "rowTemplate": base + "/{ID}"}})
    return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": items}
