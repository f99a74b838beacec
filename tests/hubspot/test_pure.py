"""The HubSpot rules that need no HubSpot: won stages, sync cursors, pushback values, field checks."""

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

from host.contracts import PushbackWrite
from plugins.hubspot import errors, fields, interpret, paths, pushback, sync


def stage(sid, probability, closed, label="x"):
    return {"id": sid, "label": label, "metadata": {"isClosed": closed, "probability": probability}}


def test_won_is_closed_with_probability_one_never_the_label():
    pipelines = {"results": [
        {"id": "default", "stages": [stage("closedwon", "1.0", "true", "Closed Won"),
                                     stage("closedlost", "0.0", "true", "Closed Lost"),
                                     stage("contractsent", "0.9", "false")]},
        {"id": "77", "stages": [stage("11348547", "0.8", "false", "Closed won"),
                                stage("11348548", "1", "true", "Signed")]}]}
    assert interpret.won_stages(pipelines) == {("default", "closedwon"), ("77", "11348548")}


def test_paths_are_date_versioned():
    assert paths.oauth() == "/oauth/2026-03/token"
    assert paths.oauth("revoke") == "/oauth/2026-03/token/revoke"
    assert paths.objects("contacts", "search") == "/crm/objects/2026-03/contacts/search"
    assert paths.associations("deals", "9", "contacts") == \
        "/crm/objects/2026-03/deals/9/associations/contacts"
    assert "/v1/" not in paths.oauth("introspect")


def rec(i, ms):
    stamp = datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")
    return {"id": str(i), "properties": {"lastmodifieddate": stamp, "email": f"c{i}@x.example"}}


def test_cursor_skips_ids_read_at_the_last_millisecond():
    cursor = sync.start({}, now_ms=10_000_000)
    assert sync.search_body(cursor)["filterGroups"] == []
    page = [rec(i, 1000 + i) for i in range(199)] + [rec(500, 1198)]
    cursor, fresh, done = sync.advance(cursor, page)
    assert not done and len(fresh) == 200 and cursor["t"] == 1198 and cursor["seen"] == ["198", "500"]
    body = sync.search_body(cursor)
    assert body["filterGroups"][0]["filters"][0] == {"propertyName": "lastmodifieddate", "operator": "GTE",
                                                     "value": "1198"}
    assert body["after"] == "0"
    cursor, fresh, done = sync.advance(cursor, [rec(198, 1198), rec(500, 1198), rec(900, 1300)])
    assert done and [r["id"] for r in fresh] == ["900"]


def test_a_full_page_at_one_millisecond_is_read_by_id():
    cursor = {**sync.start({}, now_ms=10_000_000), "t": 5000, "seen": ["1"]}
    cursor, fresh, done = sync.advance(cursor, [rec(i, 5000) for i in range(1, 201)])
    assert cursor["tie_id"] == "0" and not done
    filters = sync.search_body(cursor)["filterGroups"][0]["filters"]
    assert filters[0]["operator"] == "EQ" and filters[1] == {"propertyName": "hs_object_id", "operator": "GT",
                                                             "value": "0"}
    cursor, fresh, _ = sync.advance(cursor, [rec(i, 5000) for i in range(1, 201)])
    assert cursor["tie_id"] == "200"
    cursor, fresh, _ = sync.advance(cursor, [rec(201, 5000)])
    assert cursor["tie_id"] is None and cursor["after_t"] is True
    assert sync.search_body(cursor)["filterGroups"][0]["filters"][0]["operator"] == "GT"


def test_incremental_run_starts_at_the_last_horizon():
    done = {"next_from": 1000, "archived_next": 900, "complete": True}
    cursor = sync.start(done, now_ms=200_000)
    assert cursor["until"] == 200_000 - sync.lag_ms() and cursor["archived_since"] == 900
    filters = sync.search_body(cursor)["filterGroups"][0]["filters"]
    assert [f["operator"] for f in filters] == ["GTE", "LT"]


class FakeClient:
    """Answers batch updates as HubSpot does: 207 leaving unknown ids out, or an error."""

    def __init__(self, known=("101", "102"), raises=None):
        self.known, self.raises, self.bodies = set(known), raises, []

    def call(self, method, path, json=None, **kw):
        self.bodies.append(json)
        if self.raises:
            raise self.raises
        ids = [i["id"] for i in json["inputs"]]
        return {"results": [{"id": i} for i in ids if i in self.known],
                "errors": [{"context": {"ids": [i for i in ids if i not in self.known]}}]}


class FakeConnection:
    def __init__(self, client, date_type=None):
        self.settings = {"field_mapping": {"date_type": date_type}} if date_type else {}
        self.__dict__["_pushback_client"] = client


def item(kind, value, when, external_id="101", values=None):
    target = {"nps": "nps_score", "csat": "csat_score"}[kind]
    return PushbackWrite(item_id=1, response_id=uuid4(), contact_id=uuid4(),
                         external_id=external_id, kind=kind, score=value, answered_at=when,
                         values=values or {target: value, "last_survey_date": when})


def test_hook_pushback_write__one_update_per_contact_date_is_the_utc_day():
    late = datetime(2026, 11, 30, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 04:30 UTC next day
    client = FakeClient()
    results = pushback.write(FakeConnection(client), [
        item("nps", 9, late), item("csat", 4, late), item("nps", 7, late, external_id="999"),
        item("nps", 5, late, external_id="not-an-id")])
    [body] = client.bodies
    assert body["inputs"] == [
        {"id": "101", "properties": {"nps_score": "9", "csat_score": "4",
                                     "last_survey_date": "2026-12-01"}},
        {"id": "999", "properties": {"nps_score": "7", "last_survey_date": "2026-12-01"}}]
    by_status = sorted((r.status, r.error_code) for r in results)
    assert by_status == [("failed", "INVALID_ID"), ("skipped", "OBJECT_NOT_FOUND"),
                         ("written", ""), ("written", "")]
    written = next(r for r in results if r.status == "written" and "csat_score" in r.fields)
    assert written.fields == {"csat_score": "4", "last_survey_date": "2026-12-01"}


def test_hook_pushback_write__429_defers_with_hubspots_retry_after():
    client = FakeClient(raises=errors.RateLimited("Too many requests", retry_after=10.0,
                                                  status=429, category="RATE_LIMITS"))
    now = datetime.now(UTC)
    results = pushback.write(FakeConnection(client, "datetime"), [item("nps", 9, now)])
    assert [(r.status, r.retry_after) for r in results] == [("rate_limited", 10.0)]


def test_field_checks_give_a_remedy():
    ok = fields.check_definition(fields.NPS, "nps_score", {
        "type": "number", "calculated": False, "modificationMetadata": {"readOnlyValue": False}})
    assert ok.ok
    missing = fields.check_definition(fields.NPS, "nps_score", None)
    assert not missing.exists and missing.fixable and "Create missing properties" in missing.remedy
    calc = fields.check_definition(fields.CSAT, "csat_score", {"type": "number", "calculated": True})
    assert not calc.ok and not calc.writable and "read-only" in calc.problem
    wrong = fields.check_definition(fields.DATE, "last_survey_date", {"type": "string"})
    assert not wrong.ok and "date or datetime" in wrong.problem


def test_dates_in_the_formats_hubspot_expects():
    when = datetime(2026, 3, 12, 10, 4, 17, 969000, tzinfo=timezone(timedelta(hours=2)))
    assert pushback.date_value(when) == "2026-03-12"
    assert pushback.date_value(when, "datetime") == "2026-03-12T08:04:17.969Z"
