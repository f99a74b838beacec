"""Control API for the org's setup and Bulk jobs (``/__emulator__/setup``, ``/__emulator__/bulk``):
what an admin would change in Salesforce Setup, so ``make run`` can show Create missing fields and
the setup check going red and green offline.

    POST /__emulator__/setup {"action": "remove_field", "name": "CSAT_Score__c"}
    POST /__emulator__/setup {"action": "unassign", "name": "Demeterrr_Survey_Fields"}
    POST /__emulator__/setup {"action": "set_endpoint", "name": "Survey_Closed_Won", "url": ...}
    POST /__emulator__/setup {"action": "set_flow_active", "name": "Survey_on_Closed_Won",
                              "active": false}
    POST /__emulator__/setup {"action": "set_permission", "name": "CustomizeApplication",
                              "value": false}
    POST /__emulator__/setup {"action": "fls_enforced", "value": false}
    GET|PUT /__emulator__/bulk {"in_progress_polls": 3, "fail_with": "InvalidBatch : ..."}
"""

from __future__ import annotations

from dataclasses import asdict

from .control import _body, _guard
from .web import json_response


def _summary(state) -> dict:
    setup = state.setup
    return {"fls_enforced": setup.fls_enforced,
            "custom_fields": sorted(r["FullName"] for r in setup.rows("CustomField")),
            "removed": sorted(setup.removed), "user_permissions": setup.user_permissions,
            "permission_sets": [p["Name"] for p in setup.permission_sets.values()],
            "assignments": [setup.permission_sets[a["PermissionSetId"]]["Name"]
                            for a in setup.assignments.values()],
            "outbound_messages": {m["Name"]: setup.endpoint(m)
                                  for m in setup.outbound_messages.values()},
            "flows": {f["ApiName"]: f["IsActive"] for f in setup.flows.values()}}


@_guard
def org_setup(state, req):
    if req.method == "POST":
        body, setup = _body(req), state.setup
        action, name = body.get("action"), body.get("name", "")
        with state.lock:
            if action == "remove_field":
                setup.remove_field(name)
            elif action == "unassign":
                setup.unassign(name)
            elif action == "set_endpoint":
                setup.set_endpoint(name, body.get("url"))
            elif action == "set_flow_active":
                setup.set_flow_active(name, bool(body.get("active")))
            elif action == "set_permission":
                setup.user_permissions[name] = bool(body.get("value"))
            elif action == "fls_enforced":
                setup.fls_enforced = bool(body.get("value"))
            else:
                raise ValueError(f"unknown action {action!r}")
    with state.lock:
        return json_response(_summary(state))


@_guard
def bulk(state, req):
    if req.method == "PUT":
        for key, value in _body(req).items():
            if not hasattr(state.bulk, key):
                raise ValueError(f"unknown bulk setting {key!r}")
            setattr(state.bulk, key, value)
    with state.lock:
        jobs = [{"id": j.id, "state": j.state, "polls": j.polls, "rows": len(j.rows),
                 "pages_served": j.pages_served} for j in state.bulk_jobs.values()]
    return json_response({**asdict(state.bulk), "jobs": jobs})


_P = "/__emulator__"
ROUTES = [
    ("GET|POST", _P + r"/setup", org_setup),
    ("GET|PUT", _P + r"/bulk", bulk),
]
